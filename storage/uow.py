from __future__ import annotations

from types import TracebackType

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage.repositories import (
    SqlAudit,
    SqlConferences,
    SqlConversations,
    SqlPersons,
    SqlStaff,
    SqlUpdateLog,
)


class SqlUnitOfWork:
    """One session, one transaction. `async with` rolls back whatever was not committed."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def __aenter__(self) -> SqlUnitOfWork:
        self.session = self._sessions()
        self.persons = SqlPersons(self.session)
        self.staff = SqlStaff(self.session)
        self.conferences = SqlConferences(self.session)
        self.conversations = SqlConversations(self.session)
        self.updates = SqlUpdateLog(self.session)
        self.audit = SqlAudit(self.session)
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
            await self.session.close()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()
