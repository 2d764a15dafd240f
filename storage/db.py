from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage.crypto import KeyRing
from storage.keys import keys_from_environment
from storage.sealed import use_keys


def create_engine(url: str, keys: KeyRing | None = None, **kwargs: Any) -> AsyncEngine:
    """An engine whose sealed columns use `keys` (None: found as kring finds them, from
    KRING_DATA_KEY or the SQLite key file, when first needed; storage/keys.py)."""
    engine = _create_engine(url, **kwargs)
    use_keys(engine.sync_engine.dialect, keys or (lambda: keys_from_environment(url)))
    return engine


def _create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # Units of work are short (replies wait for the commit), but up to `Lanes.limit` updates,
    # the outbox sender and the scheduler may each hold a connection at once.
    kwargs.setdefault("pool_size", 32)
    kwargs.setdefault("max_overflow", 8)
    # an error's message never carries the statement's values (names, answers) into a log
    kwargs.setdefault("hide_parameters", True)
    if make_url(url).get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    engine = create_async_engine(url, **kwargs)
    event.listen(engine.sync_engine, "connect", _tune_sqlite)
    return engine


def _tune_sqlite(dbapi_connection: Any, _record: Any) -> None:
    """SQLite takes one writer at a time. WAL lets readers go on beside the writer; a writer
    waits up to 30 s for another's lock (in aiosqlite's thread, not the event loop's).
    sqlite3's own transaction control stays (SQLAlchemy's docs, "Legacy Transaction Mode"):
    reads run outside any transaction, and the first write begins one with BEGIN IMMEDIATE,
    which takes the write lock at once, so a transaction never has to upgrade a read lock
    (that upgrade fails with "database is locked" without waiting). The lock is held from the
    first write to the commit: ORM changes go out at the commit (no autoflush), but a
    statement that writes at once holds it across what the update does after it."""
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()
    dbapi_connection.isolation_level = "IMMEDIATE"


ONE_AT_A_TIME = "kring.one_at_a_time"


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    """Sessions for units of work. No autoflush: an update's writes all go out at its commit
    (see SqlUnitOfWork).

    SQLite takes one writer at a time, and a writer that finds the lock taken sleeps in SQLite's
    busy handler (1, 2, 5 ... up to 100 ms a try) however soon the lock comes free: under load
    most of an update's time went there. So on SQLite this process's units of work take turns on
    one asyncio.Lock, handed on the moment the previous one ends (no unit of work talks to
    Telegram: replies wait for the commit). Another process on the same file still waits in
    SQLite's busy handler. The lock travels in the sessions' `info` (SQLAlchemy's place for
    the application's own data); PostgreSQL needs none."""
    info: dict[str, object] = {}
    if engine.dialect.name == "sqlite":
        info[ONE_AT_A_TIME] = asyncio.Lock()
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, info=info)
