"""SQLAlchemy 2 async storage: tables, repositories returning domain objects, the unit of work."""
