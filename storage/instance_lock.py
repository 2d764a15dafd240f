"""Who may take updates from Telegram for this database: one `kring run` (polling) alone, or
any number of `kring serve` (webhook) instances, never both. Telegram itself refuses a second
poller only with a 409 over and over; this refuses it at the start, in one line.

PostgreSQL: an advisory lock on a connection of its own, exclusive for polling and shared for
serving. SQLite: an flock on a file beside the database, the same way. Both go with the process:
a crash frees them, no stale lock to clean up."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# one advisory lock key for "takes updates for this database" (any 64-bit number of our own)
TAKING_UPDATES = 0x6B72696E67  # "kring"


class AnotherInstance(RuntimeError):
    """Another process takes this database's updates in a way that excludes this one."""


class InstanceLock:
    def __init__(self, engine: AsyncEngine, database_url: str, *, polling: bool) -> None:
        self.engine = engine
        self.url = make_url(database_url)
        self.polling = polling
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None

    def _refusal(self) -> AnotherInstance:
        if self.polling:
            return AnotherInstance(
                "another kring (`kring run` or `kring serve`) is using this database; "
                "stop it first: only one `kring run` may poll"
            )
        return AnotherInstance(
            "a `kring run` (polling) is using this database; stop it before `kring serve`"
        )

    async def acquire(self) -> None:
        if self.url.get_backend_name() == "sqlite":
            self._acquire_file()
            return
        connection = await self.engine.connect()
        function = "pg_try_advisory_lock" if self.polling else "pg_try_advisory_lock_shared"
        taken = await connection.scalar(text(f"SELECT {function}(:key)"), {"key": TAKING_UPDATES})
        await connection.commit()  # the lock is the session's, not the transaction's
        if not taken:
            await connection.close()
            raise self._refusal()
        self._connection = connection

    def _acquire_file(self) -> None:
        database = self.url.database
        if not database or database == ":memory:":
            return  # a database nobody else can open
        path = Path(f"{database}.taking-updates")
        handle = path.open("ab")
        try:
            mode = fcntl.LOCK_EX if self.polling else fcntl.LOCK_SH
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            raise self._refusal() from None
        os.set_inheritable(handle.fileno(), False)
        self._file = handle

    async def release(self) -> None:
        if self._connection is not None:
            # the pool keeps the connection open: unlock explicitly
            function = "pg_advisory_unlock" if self.polling else "pg_advisory_unlock_shared"
            try:
                await self._connection.execute(
                    text(f"SELECT {function}(:key)"), {"key": TAKING_UPDATES}
                )
                await self._connection.commit()
            finally:
                await self._connection.close()
                self._connection = None
        if self._file is not None:
            self._file.close()  # closing the file frees the flock
            self._file = None


# the leader's lock: the instance holding it sends the outbox and runs the scheduler
LEADING = 0x6B72696E6701


class LeaderLock:
    """Held by at most one process per database at a time, for as long as it lives.
    PostgreSQL: an advisory lock on a connection of its own (lost if that connection drops);
    SQLite: an flock on `<database>.leader`."""

    def __init__(self, engine: AsyncEngine, database_url: str) -> None:
        self.engine = engine
        self.url = make_url(database_url)
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._file is not None

    async def try_acquire(self) -> bool:
        if self.url.get_backend_name() == "sqlite":
            return self._try_file()
        connection = await self.engine.connect()
        try:
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": LEADING}
            )
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not taken:
            await connection.close()
            return False
        self._connection = connection
        return True

    def _try_file(self) -> bool:
        database = self.url.database
        if not database or database == ":memory:":
            self._file = open(os.devnull, "rb")
            return True
        handle = Path(f"{database}.leader").open("ab")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        os.set_inheritable(handle.fileno(), False)
        self._file = handle
        return True

    async def still_held(self) -> bool:
        """False once the lock's connection is gone (the database restarted, the network
        broke): another instance may lead by now."""
        if self._connection is None:
            return self._file is not None
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            await self._drop_connection()
            return False
        return True

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()  # never back to the pool with a lock on it
            finally:
                await connection.close()

    async def release(self) -> None:
        if self._connection is not None:
            try:
                await self._connection.execute(
                    text("SELECT pg_advisory_unlock(:key)"), {"key": LEADING}
                )
                await self._connection.commit()
            except Exception:
                await self._drop_connection()
            else:
                connection, self._connection = self._connection, None
                await connection.close()
        if self._file is not None:
            self._file.close()
            self._file = None
