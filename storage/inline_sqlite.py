"""SQLite on the event loop's own thread, behind the interface SQLAlchemy's aiosqlite dialect
drives (plugged in with `async_creator`, so the dialect, URLs and migrations stay as they are).

aiosqlite runs every call (cursor, execute, fetch, close, commit) in a worker thread and back:
four round trips per statement, each costing more CPU than the statement itself (kring's rows
are a few hundred bytes, its statements take microseconds), and the GIL passing back and forth
slows the event loop. Here the calls run in place. What could block the loop is kept off it:
SQLite's busy handler is off, and a statement that finds the database locked (another process
writing) is retried after an asyncio sleep, so the loop goes on meanwhile; the WAL checkpoint
runs in a worker thread (Checkpoints)."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable, Iterable, Sequence
from typing import Any

log = logging.getLogger(__name__)

BUSY_WAIT = 30.0  # seconds a statement may wait for another process's write lock
_FIRST_PAUSE = 0.001
_MAX_PAUSE = 0.05
CHECKPOINT_EVERY = 200  # write transactions between two WAL checkpoints


def _busy(error: sqlite3.OperationalError) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


async def _patiently(call: Callable[[], Any]) -> Any:
    """Run `call`; while another connection holds the lock, wait without blocking the loop.
    A statement that failed with SQLITE_BUSY did nothing, so running it again is safe."""
    pause = _FIRST_PAUSE
    deadline: float | None = None
    while True:
        try:
            return call()
        except sqlite3.OperationalError as error:
            if not _busy(error):
                raise
            now = time.monotonic()
            if deadline is None:
                deadline = now + BUSY_WAIT
            elif now >= deadline:
                raise
            await asyncio.sleep(pause)
            pause = min(pause * 2, _MAX_PAUSE)


class Cursor:
    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self._cursor = cursor

    async def __aenter__(self) -> Cursor:
        return self

    async def __aexit__(self, *_: object) -> None:
        self._cursor.close()

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        cursor = self._cursor
        await _patiently(lambda: cursor.execute(sql, parameters or ()))
        return self

    async def executemany(self, sql: str, parameters: Iterable[Sequence[Any]]) -> Cursor:
        rows = list(parameters)
        cursor = self._cursor
        await _patiently(lambda: cursor.executemany(sql, rows))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    def __aiter__(self) -> Cursor:
        return self

    async def __anext__(self) -> Any:
        row = self._cursor.fetchone()
        if row is None:
            raise StopAsyncIteration
        return row

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class Checkpoints:
    """SQLite's own WAL checkpoint would run inside a COMMIT now and then and hold the event
    loop for tens of milliseconds (it syncs the file to disk). So the connections here switch
    it off, and every CHECKPOINT_EVERY write transactions a PASSIVE checkpoint (it never waits
    for readers or writers) runs in a worker thread on a connection of its own."""

    def __init__(self, open_: Callable[[], sqlite3.Connection]) -> None:
        self._open = open_
        self._commits = 0
        self._running: asyncio.Future[None] | None = None

    def committed(self) -> None:
        self._commits += 1
        if self._commits < CHECKPOINT_EVERY or self._running is not None:
            return
        self._commits = 0
        self._running = asyncio.get_running_loop().run_in_executor(None, self._checkpoint)
        self._running.add_done_callback(self._done)

    def _checkpoint(self) -> None:
        connection = self._open()
        try:
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            connection.close()

    def _done(self, future: asyncio.Future[None]) -> None:
        self._running = None
        if not future.cancelled() and future.exception() is not None:
            log.warning("WAL checkpoint failed: %s", future.exception())


class Connection:
    """The part of aiosqlite's Connection that SQLAlchemy uses."""

    def __init__(self, connection: sqlite3.Connection, checkpoints: Checkpoints) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._checkpoints = checkpoints

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")
        return self._connection

    def cursor(self) -> Cursor:
        return Cursor(self._conn.cursor())

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> Cursor:
        return await Cursor(self._conn.cursor()).execute(sql, parameters)

    async def commit(self) -> None:
        connection = self._conn
        if connection.in_transaction:
            await _patiently(connection.commit)
            self._checkpoints.committed()

    async def rollback(self) -> None:
        self._conn.rollback()

    async def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def stop(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def create_function(self, name: str, num_params: int, func: Callable[..., Any],
                              deterministic: bool = False) -> None:
        self._conn.create_function(name, num_params, func, deterministic=deterministic)

    @property
    def in_transaction(self) -> bool:
        return self._conn.in_transaction

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level


def connector(database: str, **kwargs: Any) -> Callable[[], Any]:
    """An `async_creator` for create_async_engine: `database` and `kwargs` as sqlite3.connect
    takes them. Transactions are begun explicitly (isolation_level None); the busy handler
    is off because waiting is done here, without blocking the loop."""
    kwargs.pop("isolation_level", None)
    kwargs["check_same_thread"] = False  # the checkpoint and the pool's clean-up may be elsewhere

    def open_() -> sqlite3.Connection:
        connection: sqlite3.Connection = sqlite3.connect(database, isolation_level=None,
                                                         **kwargs)
        return connection

    checkpoints = Checkpoints(open_)

    async def connect() -> Connection:
        raw = open_()
        raw.execute("PRAGMA busy_timeout=0")
        raw.execute("PRAGMA wal_autocheckpoint=0")
        return Connection(raw, checkpoints)

    return connect
