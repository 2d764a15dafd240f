"""The reminder table behind conference/reminders.py.

Inside an update (a date fixed, an answer given) `add` and `cancel` write with that update's
commit. The runner in bot/ reads `due` rows and `settle`s them in the same transaction that
hands them to the outbox: a crash before that commit leaves them pending (sent after the
restart), after it they are the outbox's, which sends each at most once."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from conference.model import ConferenceId
from conference.reminders import Planned, Reminder, Status
from storage.repositories import _Repository, _table
from storage.tables import ReminderRow

REMINDER = _table(ReminderRow)


def _reminder(row: ReminderRow) -> Reminder:
    return Reminder(row.id, Planned(ConferenceId(row.conference_id), row.invitee_id, row.kind,
                                    row.version, row.due_at), Status(row.status))


class SqlReminders(_Repository):
    async def add(self, planned: Sequence[Planned], at: datetime) -> None:
        if not planned:
            return
        await self._write_now()
        insert = pg_insert if self._s.get_bind().dialect.name == "postgresql" else sqlite_insert
        # (person, kind, version) is unique: planning the same again adds nothing
        await self._s.execute(insert(REMINDER).on_conflict_do_nothing(
            index_elements=["invitee_id", "kind", "version"]), [{
                "conference_id": item.conference_id, "invitee_id": item.invitee_id,
                "kind": item.kind, "version": item.version, "due_at": item.due_at,
                "status": Status.PENDING.value, "updated_at": at} for item in planned])

    async def cancel(self, conference_id: ConferenceId, invitee_id: int | None = None) -> None:
        await self._write_now()
        where = [REMINDER.c.conference_id == conference_id,
                 REMINDER.c.status == Status.PENDING.value]
        if invitee_id is not None:
            where.append(REMINDER.c.invitee_id == invitee_id)
        await self._s.execute(update(REMINDER).where(*where).values(
            status=Status.CANCELLED.value))

    async def due(self, now: datetime, limit: int) -> Sequence[Reminder]:
        rows = await self._s.scalars(select(ReminderRow).where(
            ReminderRow.status == Status.PENDING.value, ReminderRow.due_at <= now,
        ).order_by(ReminderRow.due_at, ReminderRow.id).limit(limit))
        return [_reminder(row) for row in rows]

    async def settle(self, reminder_ids: Sequence[int], status: str, batch_id: int | None,
                     at: datetime) -> int:
        if not reminder_ids:
            return 0
        await self._write_now()
        moved = await self._s.execute(update(REMINDER).where(
            REMINDER.c.id.in_(reminder_ids), REMINDER.c.status == Status.PENDING.value,
        ).values(status=status, batch_id=batch_id, updated_at=at))
        return int(getattr(moved, "rowcount", 0) or 0)

    async def next_due(self) -> datetime | None:
        found: datetime | None = await self._s.scalar(select(func.min(ReminderRow.due_at)).where(
            ReminderRow.status == Status.PENDING.value))
        if found is not None and found.tzinfo is None:  # SQLite, should min() lose the type
            found = found.replace(tzinfo=UTC)
        return found

    async def pending(self, conference_id: ConferenceId | None = None) -> Sequence[Reminder]:
        query = select(ReminderRow).where(ReminderRow.status == Status.PENDING.value)
        if conference_id is not None:
            query = query.where(ReminderRow.conference_id == conference_id)
        rows = await self._s.scalars(query.order_by(ReminderRow.due_at, ReminderRow.id))
        return [_reminder(row) for row in rows]

    async def cancel_kinds(self, conference_id: ConferenceId, prefixes: Sequence[str]) -> None:
        await self._write_now()
        await self._s.execute(update(REMINDER).where(
            REMINDER.c.conference_id == conference_id,
            REMINDER.c.status == Status.PENDING.value,
            or_(*(REMINDER.c.kind.startswith(prefix) for prefix in prefixes)),
        ).values(status=Status.CANCELLED.value))
