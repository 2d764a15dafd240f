"""The reminder table behind conference/reminders.py.

Inside an update (a date fixed, an answer given) `add` and `cancel_kinds` write with that update's
commit. The runner in bot/ reads `due` rows and `settle`s them in the same transaction that
hands them to the outbox: a crash before that commit leaves them pending (sent after the
restart), after it they are the outbox's, which sends each at most once."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import bindparam, func, or_, select, update

from conference.model.circle import Invitee
from conference.model.ids import ConferenceId
from conference.model.meeting import Meeting
from conference.model.reminders import Planned, Reminder, Status
from storage.repositories.base import Repository, dialect_insert
from storage.repositories.invitees import invitee_from_row
from storage.repositories.meetings import meeting_from_row
from storage.tables import ConferenceRow, InviteeRow, PersonRow, ReminderRow, core_table

REMINDER = core_table(ReminderRow)
CONFERENCE = core_table(ConferenceRow)
CHUNK = 900  # ids per IN (...): well within SQLite's and asyncpg's limits on parameters
_SET_BATCH = (
    update(REMINDER)
    .where(REMINDER.c.id == bindparam("r_id"))
    .values(batch_id=bindparam("r_batch"))
)

T = TypeVar("T")
# `status` as a plain value, not through its index: SQLite (no statistics) would otherwise scan
# every pending row by ix_reminder_status_due_at rather than look the few ids up by key.
PLAIN_STATUS = REMINDER.c.status.concat("")


def _chunks(items: Collection[T]) -> Iterator[list[T]]:
    listed = list(items)
    for start in range(0, len(listed), CHUNK):
        yield listed[start : start + CHUNK]


def _reminder(row: ReminderRow) -> Reminder:
    return Reminder(
        row.id,
        Planned(
            ConferenceId(row.conference_id), row.invitee_id, row.kind, row.version, row.due_at
        ),
        Status(row.status),
    )


class SqlReminders(Repository):
    async def overdue(self, now: datetime) -> int:
        """Reminders due before `now` and not yet handed to the outbox."""
        return int(
            await self._s.scalar(
                select(func.count())
                .select_from(ReminderRow)
                .where(ReminderRow.status == Status.PENDING.value, ReminderRow.due_at <= now)
            )
            or 0
        )

    async def add(self, planned: Sequence[Planned], at: datetime) -> None:
        if not planned:
            return
        insert = dialect_insert(self._s)(REMINDER)
        # (person, kind, version) is unique: planning the same again adds nothing, but one
        # cancelled is planned again (a yes after a no; a new row would collide with it)
        await self._s.execute(
            insert.on_conflict_do_update(
                index_elements=["invitee_id", "kind", "version"],
                set_={
                    "status": insert.excluded.status,
                    "due_at": insert.excluded.due_at,
                    "updated_at": insert.excluded.updated_at,
                    "batch_id": None,
                },
                where=REMINDER.c.status == Status.CANCELLED.value,
            ),
            [
                {
                    "conference_id": item.conference_id,
                    "invitee_id": item.invitee_id,
                    "kind": item.kind,
                    "version": item.version,
                    "due_at": item.due_at,
                    "status": Status.PENDING.value,
                    "updated_at": at,
                }
                for item in planned
            ],
        )

    async def due(self, now: datetime, limit: int) -> Sequence[Reminder]:
        rows = await self._s.scalars(
            select(ReminderRow)
            .where(
                ReminderRow.status == Status.PENDING.value,
                ReminderRow.due_at <= now,
            )
            .order_by(ReminderRow.due_at, ReminderRow.id)
            .limit(limit)
        )
        return [_reminder(row) for row in rows]

    async def settle(
        self, reminder_ids: Sequence[int], status: str, batch_id: int | None, at: datetime
    ) -> int:
        if not reminder_ids:
            return 0
        count = 0
        for ids in _chunks(reminder_ids):
            moved = await self._s.execute(
                update(REMINDER)
                .where(
                    REMINDER.c.id.in_(ids),
                    PLAIN_STATUS == Status.PENDING.value,
                )
                .values(status=status, batch_id=batch_id, updated_at=at)
            )
            count += int(getattr(moved, "rowcount", 0) or 0)
        return count

    async def hand_over(self, batches: Mapping[int, int], at: datetime) -> int:
        """pending -> sent for many reminders at once, each with the outbox batch it went into
        (reminder id -> batch id); only where still pending. Returns how many moved: fewer than
        given means someone else settled some meanwhile, and the caller must roll back."""
        if not batches:
            return 0
        moved = 0
        for ids in _chunks(batches):
            result = await self._s.execute(
                update(REMINDER)
                .where(
                    REMINDER.c.id.in_(ids),
                    PLAIN_STATUS == Status.PENDING.value,
                )
                .values(status=Status.SENT.value, updated_at=at)
            )
            moved += int(getattr(result, "rowcount", 0) or 0)
        await self._s.execute(
            _SET_BATCH,
            [{"r_id": reminder, "r_batch": batch} for reminder, batch in batches.items()],
        )
        return moved

    # What the runner checks a wave of due reminders against, in a few queries.

    async def meetings(self, conference_ids: Collection[int]) -> dict[ConferenceId, Meeting]:
        meetings: dict[ConferenceId, Meeting] = {}
        c = CONFERENCE.c
        for ids in _chunks(conference_ids):
            for row in await self._s.execute(
                select(
                    c.id,
                    c.meeting_at,
                    c.venue_name,
                    c.venue_address,
                    c.venue_latitude,
                    c.venue_longitude,
                    c.meeting_sequence,
                    c.meeting_cancelled,
                ).where(c.id.in_(ids))
            ):
                meetings[ConferenceId(row.id)] = meeting_from_row(row)
        return meetings

    async def invitees(self, invitee_ids: Collection[int]) -> dict[int, Invitee]:
        """As InviteeRepository.get would give them (with whether they can be reached)."""
        people: dict[int, Invitee] = {}
        for ids in _chunks(invitee_ids):
            for row, reachable in await self._s.execute(
                select(InviteeRow, PersonRow.reachable)
                .outerjoin(PersonRow, PersonRow.id == InviteeRow.person_id)
                .where(InviteeRow.id.in_(ids))
            ):
                people[row.id] = invitee_from_row(row, reachable)
        return people

    async def next_due(self) -> datetime | None:
        found: datetime | None = await self._s.scalar(
            select(func.min(ReminderRow.due_at)).where(ReminderRow.status == Status.PENDING.value)
        )
        if found is not None and found.tzinfo is None:  # SQLite, should min() lose the type
            found = found.replace(tzinfo=UTC)
        return found

    async def pending(self, conference_id: ConferenceId | None = None) -> Sequence[Reminder]:
        query = select(ReminderRow)
        if conference_id is not None:  # by the conference's index, not every pending row
            query = query.where(
                ReminderRow.conference_id == conference_id, PLAIN_STATUS == Status.PENDING.value
            )
        else:
            query = query.where(ReminderRow.status == Status.PENDING.value)
        rows = await self._s.scalars(query.order_by(ReminderRow.due_at, ReminderRow.id))
        return [_reminder(row) for row in rows]

    async def cancel_kinds(
        self, conference_id: ConferenceId, prefixes: Sequence[str], invitee_id: int | None = None
    ) -> None:
        where = [
            REMINDER.c.conference_id == conference_id,
            REMINDER.c.status == Status.PENDING.value,
            or_(*(REMINDER.c.kind.startswith(prefix) for prefix in prefixes)),
        ]
        if invitee_id is not None:
            where.append(REMINDER.c.invitee_id == invitee_id)
        await self._s.execute(update(REMINDER).where(*where).values(status=Status.CANCELLED.value))

    async def asked(self, invitee_id: int) -> set[str]:
        handed = (Status.SENT.value, Status.SENDING.value, Status.UNKNOWN.value)
        kinds = await self._s.scalars(
            select(REMINDER.c.kind)
            .where(REMINDER.c.invitee_id == invitee_id, REMINDER.c.status.in_(handed))
            .distinct()
        )
        return set(kinds)
