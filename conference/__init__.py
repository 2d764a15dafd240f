"""The domain of kring: plain Python, no aiogram, no SQLAlchemy."""
