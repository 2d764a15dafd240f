from __future__ import annotations

import asyncio
import weakref
from types import TracebackType
from typing import Any, cast

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from conference.ports import UnitOfWork
from storage.db import shared_for
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
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        """Opened on first use: most updates never need one (the process cache answers their
        reads, the group commit writes their rows)."""
        if self._session is None:
            self._session = self._sessions()
        return self._session

    async def __aenter__(self) -> SqlUnitOfWork:
        engine = shared_for(self._sessions)
        self._gate = engine.gate
        args = (cast(AsyncSession, _LazySession(self)), self.write_now, engine.cache)
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
        session, self._session = self._session, None
        try:
            if session is not None:
                await session.rollback()
        finally:
            self._release()
            if session is not None:
                await session.close()

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
        if self._gate is not None and self._may_join():
            await _group_of(self._gate).commit(self)
            return
        try:
            await self.write_now()
            await self.session.commit()
        finally:
            self._release()
        self._committed()

    def _committed(self) -> None:
        for repository in self._repositories:
            repository.committed()

    def _may_join(self) -> bool:
        """Its session never used (nothing read or written through it), and everything held
        back can be written again after a rollback: then this unit of work may share a write
        transaction (GroupCommit)."""
        if self._holding or self._session is not None:
            return False
        return all(r.redoable or not r.holds_back() for r in self._repositories)

    async def rollback(self) -> None:
        try:
            if self._session is not None:
                await self._session.rollback()
        finally:
            self._release()


class _LazySession:
    """What the repositories hold as their session: the unit of work's, opened on first use."""

    __slots__ = ("_uow",)

    def __init__(self, uow: SqlUnitOfWork) -> None:
        self._uow = uow

    def __getattr__(self, name: str) -> Any:
        return getattr(self._uow.session, name)


class GroupCommit:
    """SQLite's group commit. A write transaction costs more than the few rows an update
    writes (SQLAlchemy's session, the connection, BEGIN and COMMIT), and SQLite takes one
    writer at a time anyway. So the units of work that reach their commit at about the same
    time while holding back only redoable rows (a conversation step and the update id: the
    hot path) are written together, in one transaction on a session of the group's own; each
    keeps its own all-or-nothing: if the group fails, they are written again one by one, and
    only the one at fault fails. The first to arrive starts a task that waits for the gate
    and takes everyone who arrived meanwhile; a participant that is cancelled while waiting
    does not take the others down with it."""

    def __init__(self, gate: asyncio.Lock) -> None:
        self._gate = gate
        self._waiting: list[tuple[SqlUnitOfWork, asyncio.Future[None]]] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def commit(self, uow: SqlUnitOfWork) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiting.append((uow, done))
        if len(self._waiting) == 1:
            task = asyncio.create_task(self._run(uow._sessions))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        await done

    async def _run(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        group: list[tuple[SqlUnitOfWork, asyncio.Future[None]]] = []
        session = sessions()
        try:
            async with self._gate:
                group, self._waiting = self._waiting, []
                await self._write(session, group)
        except BaseException as error:
            for _, done in group or self._waiting:
                _settle(done, error)
            if not isinstance(error, Exception):
                raise
        finally:
            # not `async with session`: its exit waits a turn of the loop (asyncio.shield)
            await session.close()

    async def _write(self, session: AsyncSession,
                     group: list[tuple[SqlUnitOfWork, asyncio.Future[None]]]) -> None:
        try:
            await _flush(session, [uow for uow, _ in group])
            await session.commit()
        except Exception as error:
            await session.rollback()
            if len(group) == 1:
                _settle(group[0][1], error)
                return
            for uow, done in group:  # one by one: only the one at fault fails
                try:
                    await _flush(session, [uow])
                    await session.commit()
                except Exception as alone:
                    await session.rollback()
                    _settle(done, alone)
                else:
                    uow._committed()
                    _settle(done)
            return
        for uow, done in group:
            uow._committed()
            _settle(done)


async def _flush(session: AsyncSession, units: list[SqlUnitOfWork]) -> None:
    for position, repository in enumerate(units[0]._repositories):
        await type(repository).flush_together([u._repositories[position] for u in units],
                                              session)


def _settle(done: asyncio.Future[None], error: BaseException | None = None) -> None:
    if done.done():
        return
    if error is None:
        done.set_result(None)
    else:
        done.set_exception(error)


_groups: weakref.WeakKeyDictionary[asyncio.Lock, GroupCommit] = weakref.WeakKeyDictionary()


def _group_of(gate: asyncio.Lock) -> GroupCommit:
    group = _groups.get(gate)
    if group is None:
        group = _groups[gate] = GroupCommit(gate)
    return group


def _implements_port(uow: SqlUnitOfWork) -> UnitOfWork:
    return uow  # mypy checks SqlUnitOfWork against the port here (a missing method fails)
