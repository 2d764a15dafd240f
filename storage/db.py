from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from storage import inline_sqlite


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    # An update holds its connection while it talks to Telegram: size the pool for the number
    # of people served at once (the update processor caps that).
    kwargs.setdefault("pool_size", 32)
    kwargs.setdefault("max_overflow", 8)
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_async_engine(url, pool_pre_ping=True, **kwargs)
    # A unit of work always ends its transaction itself (commit, or rollback on leaving), so
    # the pool need not roll back again on every return.
    kwargs.setdefault("pool_reset_on_return", None)
    # SQLite runs on the event loop's thread, not in aiosqlite's threads (storage/inline_sqlite)
    args, options = parsed.get_dialect()().create_connect_args(parsed)
    kwargs.setdefault("async_creator", inline_sqlite.connector(*args, **options))
    engine = create_async_engine(url, **kwargs)
    _tune_sqlite(engine)
    return engine


def _tune_sqlite(engine: AsyncEngine) -> None:
    """SQLite takes one writer at a time. Reads run outside any transaction (WAL lets them go on
    beside a writer) and the write lock is taken at the first write with BEGIN IMMEDIATE and held
    to the commit. An update's writes are flushed at its commit, so the lock is held for
    milliseconds, not across its calls to Telegram; and since no read snapshot is held open,
    the upgrade to a writer cannot fail with SQLITE_BUSY_SNAPSHOT."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # The connection begins no transaction of its own (isolation_level None) and waits
        # for other processes' locks without blocking the loop: see storage/inline_sqlite.py.
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.info[_WRITING] = False

    @event.listens_for(engine.sync_engine, "before_cursor_execute")
    def before_execute(connection: Any, cursor: Any, statement: str, *_: Any) -> None:
        if connection.info.get(_WRITING) or statement.lstrip()[:6].upper() in _READS:
            return
        connection.info[_WRITING] = True
        cursor.execute("BEGIN IMMEDIATE")

    @event.listens_for(engine.sync_engine, "commit")
    @event.listens_for(engine.sync_engine, "rollback")
    def on_end(connection: Any) -> None:
        connection.info[_WRITING] = False


_WRITING = "kring_sqlite_writing"
_READS = ("SELECT", "PRAGMA")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    # No autoflush: an update's writes all go out at its commit (see SqlUnitOfWork).
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
