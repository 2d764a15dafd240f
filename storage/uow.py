from __future__ import annotations

import asyncio
from contextvars import ContextVar
from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conference.ports import UnitOfWork
from storage.db import ONE_AT_A_TIME
from storage.repositories.audit import SqlAudit
from storage.repositories.conferences import SqlConferences
from storage.repositories.conversations import SqlConversations
from storage.repositories.invitees import SqlInvitees
from storage.repositories.meetings import SqlMeetings
from storage.repositories.outbox_queue import SqlOutboxQueue
from storage.repositories.outbox_sending import SqlOutboxSending
from storage.repositories.personal_data import SqlPersonalData
from storage.repositories.persons import SqlPersons
from storage.repositories.plans import SqlPlans
from storage.repositories.reminders import SqlReminders
from storage.repositories.staff import SqlStaff
from storage.repositories.updates import SqlUpdateLog
from storage.repositories.web_accounts import SqlWebAccounts

# Set while this task holds its turn on SQLite (storage/db.py): a second unit of work opened
# inside the first would wait for ever, so it is refused at once.
_in_turn: ContextVar[bool] = ContextVar("kring_in_turn", default=False)


class SqlUnitOfWork:
    """One session, one transaction: the repositories read and write through it, the caller
    commits once; `async with` rolls back whatever was not committed. Besides the port's
    repositories it holds the outbox's sending side, for the sender's own short transactions."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = session = self._sessions()
        self._turn: asyncio.Lock | None = session.info.get(ONE_AT_A_TIME)
        if self._turn is not None:
            if _in_turn.get():
                await session.close()
                raise RuntimeError("a unit of work inside another would wait for itself")
            await self._turn.acquire()
            self._in_turn_token = _in_turn.set(True)
        self.persons = SqlPersons(session)
        self.staff = SqlStaff(session)
        self.conferences = SqlConferences(session)
        self.conversations = SqlConversations(session)
        self.updates = SqlUpdateLog(session)
        self.audit = SqlAudit(session)
        self.invitees = SqlInvitees(session)
        self.meetings = SqlMeetings(session)
        self.outbox = SqlOutboxQueue(session)
        self.outbox_sending = SqlOutboxSending(session)
        self.reminders = SqlReminders(session)
        self.plans = SqlPlans(session)
        self.personal_data = SqlPersonalData(session)
        self.web_accounts = SqlWebAccounts(session)
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
            try:
                await self.session.close()
            finally:
                if self._turn is not None:
                    _in_turn.reset(self._in_turn_token)
                    self._turn.release()

    async def commit(self) -> None:
        """The audit records go in last: every other change of the transaction is flushed
        first, so the audit chain's head is the last lock taken, held only for the commit."""
        if self.audit.pending:
            await self.session.flush()
            await self.audit.write()
        await self.session.commit()

    async def rollback(self) -> None:
        self.audit.forget()
        await self.session.rollback()


def _implements_port(uow: SqlUnitOfWork) -> UnitOfWork:
    return uow  # mypy checks SqlUnitOfWork against the port here (a missing method fails)
