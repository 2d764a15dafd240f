"""The composition root and the Telegram edge of kring."""
