"""Locks that go with the process, so a crash frees them and no stale lock needs cleaning up.
PostgreSQL: an advisory lock on a connection of its own. SQLite: an flock on a file beside the
database.

- `InstanceLock`: who may take updates from Telegram for this database: one `kring run`
  (polling, exclusive) alone, or any number of `kring serve` (webhook, shared), never both.
  Telegram itself refuses a second poller only with a 409 over and over; this refuses it at the
  start, in one line.
- `LeaderLock`: the one `kring serve` that sends the outbox and runs the scheduler."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path
from typing import IO

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

# advisory lock keys of our own (64-bit numbers; a person's turn uses negative keys)
TAKING_UPDATES = 0x6B72696E67  # "kring"
LEADING = 0x6B72696E6701


class AnotherInstance(RuntimeError):
    """Another process takes this database's updates in a way that excludes this one."""


class _ProcessLock:
    """One lock, exclusive or shared, held from `_try` until `release` (or the process ends)."""

    def __init__(
        self, engine: AsyncEngine, database_url: str, *, key: int, suffix: str, exclusive: bool
    ) -> None:
        self.engine = engine
        self.url = make_url(database_url)
        self.key, self.suffix, self.exclusive = key, suffix, exclusive
        self._connection: AsyncConnection | None = None
        self._file: IO[bytes] | None = None
        self._alone = False  # an in-memory database: nobody else can open it

    @property
    def held(self) -> bool:
        return self._connection is not None or self._file is not None or self._alone

    async def _try(self) -> bool:
        if self.url.get_backend_name() == "sqlite":
            return self._try_file()
        shared = "" if self.exclusive else "_shared"
        connection = await self.engine.connect()
        try:
            taken = await connection.scalar(
                text(f"SELECT pg_try_advisory_lock{shared}(:key)"), {"key": self.key}
            )
            await connection.commit()  # the lock is the session's, not the transaction's
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
            self._alone = True
            return True
        handle = Path(f"{database}.{self.suffix}").open("ab")
        try:
            mode = fcntl.LOCK_EX if self.exclusive else fcntl.LOCK_SH
            fcntl.flock(handle.fileno(), mode | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        os.set_inheritable(handle.fileno(), False)
        self._file = handle
        return True

    async def _drop_connection(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                await connection.invalidate()  # never back to the pool with a lock on it
            finally:
                await connection.close()

    async def still_held(self) -> bool:
        """False once the lock's connection is gone (the database restarted, the network
        broke): another process may hold it by now."""
        if self._connection is None:
            return self.held
        try:
            await self._connection.execute(text("SELECT 1"))
            await self._connection.commit()
        except Exception:
            await self._drop_connection()
            return False
        return True

    async def release(self) -> None:
        if self._connection is not None:
            # the pool keeps the connection open: unlock explicitly
            shared = "" if self.exclusive else "_shared"
            try:
                await self._connection.execute(
                    text(f"SELECT pg_advisory_unlock{shared}(:key)"), {"key": self.key}
                )
                await self._connection.commit()
            except Exception:
                await self._drop_connection()
            else:
                connection, self._connection = self._connection, None
                await connection.close()
        if self._file is not None:
            self._file.close()  # closing the file frees the flock
            self._file = None
        self._alone = False


class InstanceLock(_ProcessLock):
    def __init__(self, engine: AsyncEngine, database_url: str, *, polling: bool) -> None:
        super().__init__(
            engine, database_url, key=TAKING_UPDATES, suffix="taking-updates", exclusive=polling
        )
        self.polling = polling

    async def acquire(self) -> None:
        """Raises AnotherInstance (nothing held) when the way is not free."""
        if await self._try():
            return
        if self.polling:
            raise AnotherInstance(
                "another kring (`kring run` or `kring serve`) is using this database; "
                "stop it first: only one `kring run` may poll"
            )
        raise AnotherInstance(
            "a `kring run` (polling) is using this database; stop it before `kring serve`"
        )


class LeaderLock(_ProcessLock):
    """Held by at most one process per database at a time, for as long as it lives (on
    PostgreSQL: lost if its connection drops)."""

    def __init__(self, engine: AsyncEngine, database_url: str) -> None:
        super().__init__(engine, database_url, key=LEADING, suffix="leader", exclusive=True)

    async def try_acquire(self) -> bool:
        return await self._try()
