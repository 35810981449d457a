"""The engine, short transactions, and migrations applied automatically at start-up.

SQLite (the default, a file in the data directory) runs in WAL mode with a busy timeout,
so two browser tabs can read and write at once and a killed process never loses a
committed save. Write transactions start with ``BEGIN IMMEDIATE``: a writer waits for the
lock up front instead of failing when it upgrades a read lock. Any other SQLAlchemy URL
(for example PostgreSQL) is used as given.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from coach.config import Settings
from coach.errors import StoreError

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_MS = 10_000
_BEGIN_OPTION = "coach_begin"
#: PostgreSQL advisory lock held while migrating (any fixed 64-bit number unique to the app).
MIGRATION_LOCK_KEY = 7_240_531_962
# Alembic keeps the running migration in module globals, so one thread at a time per process.
_MIGRATING = threading.Lock()


class Database:
    """One engine and its session factory; ``read()`` and ``write()`` are short transactions."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = make_url(url).get_backend_name() == "sqlite"
        self.engine = _create_engine(url, self.is_sqlite)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._writing: AbstractContextManager[object] = threading.RLock() if self.is_sqlite else nullcontext()

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries; rolled back at the end."""
        with self._sessions() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose changes are committed as one transaction when the block ends.

        On SQLite the threads of this process also queue for writing in order: SQLite has
        one writer at a time, and its busy handler polls with growing sleeps, so twenty
        threads fighting for the file lock could wait past the busy timeout.
        """
        with self._writing, self._sessions() as session:
            if self.is_sqlite:
                session.connection(execution_options={_BEGIN_OPTION: "IMMEDIATE"})
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def migrate(self, revision: str = "head") -> None:
        """Bring the schema up to ``revision``, the newest migration by default (idempotent)."""
        self._alembic("upgrade", revision)

    def downgrade(self, revision: str) -> None:
        """Undo migrations down to ``revision`` (``"base"`` drops every table)."""
        self._alembic("downgrade", revision)

    def _alembic(self, direction: str, revision: str) -> None:
        from alembic import command
        from alembic.config import Config

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR))
        config.set_main_option("path_separator", "os")
        with _MIGRATING, self.engine.connect() as connection:
            # Several app replicas may start at once: the first to take the lock migrates,
            # the others wait, then find the schema at the revision and do nothing.
            if self.is_sqlite:
                # Begin here: Alembic then sees an outer transaction and commits nothing itself.
                # Otherwise it commits after each migration on SQLite (no transactional DDL),
                # which lets a waiting replica in halfway and apply the same migration again.
                connection = connection.execution_options(**{_BEGIN_OPTION: "IMMEDIATE"})
                connection.begin()
            elif self.engine.dialect.name == "postgresql":
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            config.attributes["connection"] = connection
            getattr(command, direction)(config, revision)
            connection.commit()

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def _create_engine(url: str, is_sqlite: bool) -> Engine:
    kwargs: dict[str, Any] = {}
    if is_sqlite:
        kwargs["connect_args"] = {"timeout": BUSY_TIMEOUT_MS / 1000, "check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    engine = create_engine(url, **kwargs)
    if is_sqlite:
        _configure_sqlite(engine)
    return engine


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself, so writes can ask for IMMEDIATE.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        if engine.url.database not in (None, "", ":memory:"):
            _enter_wal_mode(cursor)
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get(_BEGIN_OPTION, "")
        connection.exec_driver_sql(f"BEGIN {mode}".strip())


def _enter_wal_mode(cursor: Any) -> None:
    """Switch the file to WAL, retrying while another process holds the lock.

    Changing the journal mode needs an exclusive lock, and SQLite answers "database is
    locked" at once, without its busy handler, when the lock cannot be upgraded safely; this
    happens when several app processes open a new database file together.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    delay = 0.005
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + delay > deadline:
                raise
            time.sleep(delay)
            delay = min(delay * 2, 0.2)


def private_dir(path: Path) -> None:
    """Create ``path`` readable by its owner only (0700); an existing folder is tightened too."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


def private_file(database: str | None) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite opens it.

    SQLite gives its ``-wal`` and ``-shm`` files the same permissions as the database file.
    """
    if database in (None, "", ":memory:") or str(database).startswith("file:"):
        return
    path = Path(str(database))
    if not path.parent.exists():
        return  # SQLAlchemy reports the missing folder with its own message
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, 0o600))
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)


def open_database(settings: Settings, migrate: bool = True) -> Database:
    """Open the configured database and apply pending migrations.

    Raises:
        StoreError: the database cannot be opened or migrated (with how to fix it).
    """
    url = settings.resolved_database_url
    if make_url(url).get_backend_name() == "sqlite":
        private_dir(settings.data_dir)
    try:
        if make_url(url).get_backend_name() == "sqlite":
            private_file(make_url(url).database)
        database = Database(url)
        if migrate:
            database.migrate()
    except StoreError:
        raise
    except Exception as exc:
        shown = make_url(url).render_as_string(hide_password=True)
        raise StoreError(
            f"Cannot open the database at {shown} ({exc.__class__.__name__}: {exc}).",
            hint="Check COACH_DATABASE_URL, or unset it to use SQLite in the data folder.",
        ) from exc
    return database
