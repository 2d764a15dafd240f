from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.db import shared
from storage.outbox import SqlOutbox
from storage.plans import SqlPlans
from storage.reminders import SqlReminders
from storage.repositories import (
    SqlAudit,
    SqlConferences,
    SqlConversations,
    SqlInvitees,
    SqlMeetings,
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
        engine = shared(self.session)
        self._gate = engine.gate
        args = (self.session, self.write_now, engine.cache)
        self.persons = SqlPersons(*args)
        self.staff = SqlStaff(*args)
        self.conferences = SqlConferences(*args)
        self.conversations = SqlConversations(*args)
        self.updates = SqlUpdateLog(*args)
        self.audit = SqlAudit(*args)
        self.invitees = SqlInvitees(*args)
        self.meetings = SqlMeetings(*args)
        self.outbox = SqlOutbox(*args)
        self.reminders = SqlReminders(*args)
        self.plans = SqlPlans(*args)
        # Held-back rows are written in this order (foreign keys point backwards in it).
        self._repositories = (self.persons, self.staff, self.conferences, self.invitees,
                              self.meetings, self.conversations, self.updates, self.audit,
                              self.outbox, self.reminders, self.plans)
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
        """Become the writer now (SQLite: wait for the gate) and write what is held back."""
        if self._gate is not None and not self._holding:
            await self._gate.acquire()
            self._holding = True
        for repository in self._repositories:
            await repository.flush_pending()

    def _release(self) -> None:
        if self._holding and self._gate is not None:
            self._holding = False
            self._gate.release()

    async def commit(self) -> None:
        try:
            await self.write_now()
            await self.session.commit()
        finally:
            self._release()
        for repository in self._repositories:
            repository.committed()

    async def rollback(self) -> None:
        try:
            await self.session.rollback()
        finally:
            self._release()
