"""Persistence: SQLAlchemy models, migrations applied at start-up, and repositories.

The app and tests open a database with ``open_database(settings)`` and then call the
functions in ``coach.storage.repositories``; nothing else touches tables directly.
"""

from coach.storage.db import Database, open_database

__all__ = ["Database", "open_database"]
