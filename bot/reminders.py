"""Reminders fall due here. APScheduler wakes us (every KRING_REMINDER_POLL seconds, and once
exactly at the next due moment); the reminder table says what is due. Each wake-up takes the
due rows, checks each is still useful (an answer, a change of date, a bot that was down past
the start), renders the useful ones in each person's language and hands them to the outbox in
the same transaction that marks them sent (the others skipped). So a crash before that commit
leaves them due (sent after the restart) and after it the outbox owns them: it sends each at
most once and calls a message that was in flight during a crash "unknown"."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import CatalogI18n
from conference.circle import Invitee
from conference.meeting import MAX_NUDGES, Meeting
from conference.model import ConferenceId
from conference.outbox import Batch, Outbound
from conference.plan import is_plan_kind, plan_ping_useful
from conference.ports import UnitOfWork
from conference.reminders import Kind, Reminder, Status, kind_of, still_useful
from dialogs.reminders import plan_reminder_parts, reminder_parts
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

WAVE = 2000  # due rows per transaction


class ReminderRunner:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], i18n: CatalogI18n,
                 clock: Clock, zone: ZoneInfo) -> None:
        self.sessions, self.i18n, self.clock, self.zone = sessions, i18n, clock, zone

    async def run_due(self) -> tuple[int, int]:
        """Hand everything due to the outbox; returns (sent, skipped)."""
        with self.i18n.context():  # gettext outside an update needs the catalogs set
            return await self._run_due()

    async def _run_due(self) -> tuple[int, int]:
        sent = skipped = 0
        while True:
            async with SqlUnitOfWork(self.sessions) as uow:
                due = await uow.reminders.due(self.clock.now(), WAVE)
                if not due:
                    break
                groups: dict[tuple[int, str, int], list[Reminder]] = defaultdict(list)
                for reminder in due:
                    p = reminder.planned
                    groups[(p.conference_id, p.kind, p.version)].append(reminder)
                for (conference, kind, version), rows in groups.items():
                    done = await self._group(uow, ConferenceId(conference), kind, version, rows)
                    sent, skipped = sent + done[0], skipped + done[1]
                await uow.commit()
            if len(due) < WAVE:
                break
        if sent or skipped:
            log.info("reminders: %d handed to the outbox, %d no longer useful", sent, skipped)
        return sent, skipped

    async def _group(self, uow: UnitOfWork, conference: ConferenceId, kind: str, version: int,
                     rows: Sequence[Reminder]) -> tuple[int, int]:
        now = self.clock.now()
        meeting: Meeting = await uow.meetings.get(conference)
        people: dict[int, Invitee] = {p.id: p for p in
                                      await uow.invitees.of_conference(conference)}
        plan = await uow.plans.get(conference) if is_plan_kind(kind) else None
        slots = await uow.meetings.slots(conference)
        ballots = await uow.meetings.ballots(conference) if kind == Kind.VOTE.value else {}
        slot_ids = {s.id for s in slots}
        useful: list[tuple[Reminder, Invitee]] = []
        useless: list[Reminder] = []
        nudging = not is_plan_kind(kind) and kind_of(kind) in (Kind.VOTE, Kind.NO_ANSWER)
        for reminder in rows:
            person = people.get(reminder.planned.invitee_id)
            voted_all = person is not None and slot_ids <= set(ballots.get(person.id, {}))
            if is_plan_kind(kind):  # after the meeting: the plan decides
                useful_now = person is not None and plan_ping_useful(kind, person, plan,
                                                                     version)
            else:
                useful_now = person is not None and still_useful(
                    kind, person, meeting, version, now, voted_all) and not (
                    nudging and person.nudges >= MAX_NUDGES)
            if person is None or not useful_now:
                useless.append(reminder)
                if not is_plan_kind(kind) and meeting.starts_at is not None and (
                        now >= meeting.starts_at):
                    log.info("reminder %d skipped: its moment passed (meeting began)",
                             reminder.id)
                continue
            useful.append((reminder, person))
        batch_id = None
        if useful:
            messages = []
            for _reminder, person in useful:
                assert person.person_id is not None
                parts = plan_reminder_parts(kind, person, plan, self.zone, self.i18n) \
                    if plan is not None else reminder_parts(
                        kind, person, meeting, self.zone, self.i18n, slots,
                        ballots.get(person.id, {}))
                messages.append(Outbound(person.person_id, person.id, parts))
                if nudging:
                    await uow.invitees.count_nudge(person.id)
            batch_id = await uow.outbox.enqueue(Batch(
                kind="reminder", created_by=None, conference_id=conference,
                key=f"reminder:{conference}:{kind}:{version}:{useful[0][0].id}"), messages, now)
        sent = await uow.reminders.settle([r.id for r, _ in useful], Status.SENT.value,
                                          batch_id, now)
        skipped = await uow.reminders.settle([r.id for r in useless], Status.SKIPPED.value,
                                             None, now)
        return sent, skipped

    async def next_due_in(self) -> float | None:
        """Real seconds until the next reminder falls due (None: nothing pending)."""
        async with SqlUnitOfWork(self.sessions) as uow:
            due = await uow.reminders.next_due()
        return None if due is None else self.clock.seconds_until(due)
