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
