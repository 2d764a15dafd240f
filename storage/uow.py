from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import write_gate
from storage.repositories import (
    SqlAudit,
    SqlConferences,
    SqlConversations,
    SqlPersons,
    SqlStaff,
    SqlUpdateLog,
)


class SqlUnitOfWork:
    """One session, one transaction. `async with` rolls back whatever was not committed.

    Reads go straight to the database; writes wait for the commit, which flushes them in one
    short write transaction. On SQLite (one writer at a time) writers queue on the engine's
    WriteGate, an asyncio lock that wakes them in order, instead of SQLite's busy loop."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._holding = False

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        self._gate = write_gate(self.session)
        self.persons = SqlPersons(self.session, self.write_now)
        self.staff = SqlStaff(self.session, self.write_now)
        self.conferences = SqlConferences(self.session, self.write_now)
        self.conversations = SqlConversations(self.session, self.write_now)
        self.updates = SqlUpdateLog(self.session, self.write_now)
        self.audit = SqlAudit(self.session, self.write_now)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            await self.session.rollback()
        finally:
            self._release()
            await self.session.close()

    async def write_now(self) -> None:
        if self._gate is not None and not self._holding:
            await self._gate.acquire()
            self._holding = True

    def _release(self) -> None:
        if self._holding and self._gate is not None:
            self._holding = False
            self._gate.release()

    async def commit(self) -> None:
        await self.write_now()
        try:
            await self.session.commit()
        finally:
            self._release()

    async def rollback(self) -> None:
        try:
            await self.session.rollback()
        finally:
            self._release()
