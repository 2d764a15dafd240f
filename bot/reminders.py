"""Reminders fall due here. APScheduler wakes us (every KRING_REMINDER_POLL seconds, and once
exactly at the next due moment); the reminder table says what is due. Each wake-up takes the
due rows, checks each is still useful (an answer, a change of date, a bot that was down past
the start), renders the useful ones in each person's language and hands them to the outbox in
the same transaction that marks them sent (the others skipped). So a crash before that commit
leaves them due (sent after the restart) and after it the outbox owns them: it sends each at
most once and calls a message that was in flight during a crash "unknown"."""

from __future__ import annotations

import asyncio
import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.clock import Clock
from bot.i18n import CatalogI18n
from conference.meeting import MAX_NUDGES
from conference.model.circle import Invitee
from conference.model.ids import ConferenceId
from conference.model.meeting import Meeting
from conference.model.outbox import Batch, Outbound
from conference.model.reminders import Kind, Reminder, Status
from conference.plan import is_plan_kind, plan_ping_useful
from conference.reminders import kind_of, still_useful
from dialogs.render.reminder_texts import plan_reminder_parts, reminder_parts
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

# Due rows per transaction. On SQLite a wave holds the process's turn on the database (and the
# loop while it is rendered), so the sender's attempt marks and the poller wait for it: small
# waves, and the loop goes round between them (thousands falling due at once then reach the
# sender from the first wave on).
WAVE = 100
SLICE = 0.005  # seconds of rendering between two turns of the loop


LATE = timedelta(minutes=1)  # handed to the outbox this long after its moment: late


@dataclass
class ReminderStats:
    """What this process's runner did, for /metrics."""

    handed: int = 0  # to the outbox
    skipped: int = 0  # no longer useful when they fell due
    late: int = 0  # handed more than LATE after their moment (the bot was down, or behind)


class HandedElsewhere(RuntimeError):
    """Some of a wave's reminders were settled by someone else meanwhile: roll back rather
    than hand them to the outbox a second time."""


class ReminderRunner:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        i18n: CatalogI18n,
        clock: Clock,
        zone: ZoneInfo,
    ) -> None:
        self.sessions, self.i18n, self.clock, self.zone = sessions, i18n, clock, zone
        self.stats = ReminderStats()

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
                done = await self._wave(uow, due)
                await uow.commit()
            sent, skipped = sent + done[0], skipped + done[1]
            self.stats.handed += done[0]
            self.stats.skipped += done[1]
            self.stats.late += done[2]
            if len(due) < WAVE:
                break
            await asyncio.sleep(0)
        if sent or skipped:
            log.info("reminders: %d handed to the outbox, %d no longer useful", sent, skipped)
        return sent, skipped

    async def _wave(self, uow: SqlUnitOfWork, due: Sequence[Reminder]) -> tuple[int, int, int]:
        """One outbox batch per (conference, kind, version), as ever; the meetings and people
        are read for the whole wave at once, the batch keys looked up at once, and the rows
        settled in a few statements. Returns (handed, skipped, of those handed: late)."""
        now = self.clock.now()
        meetings = await uow.reminders.meetings({r.planned.conference_id for r in due})
        people = await uow.reminders.invitees({r.planned.invitee_id for r in due})
        groups: dict[tuple[int, str, int], list[Reminder]] = defaultdict(list)
        for reminder in due:
            p = reminder.planned
            groups[(p.conference_id, p.kind, p.version)].append(reminder)
        batches: list[tuple[Batch, list[Outbound], list[int]]] = []
        useless: list[int] = []
        nudged: dict[int, int] = defaultdict(int)  # in this wave, per person
        loop = asyncio.get_running_loop()
        began = loop.time()
        for (conference, kind, version), rows in groups.items():
            found = await self._group(
                uow,
                ConferenceId(conference),
                kind,
                version,
                rows,
                meetings[ConferenceId(conference)],
                people,
                nudged,
                now,
            )
            if found[0] is not None:
                batches.append(found[0])
            useless.extend(found[1])
            if loop.time() - began > SLICE:  # nothing written yet: let the sender go on
                await asyncio.sleep(0)
                began = loop.time()
        batch_ids = await uow.outbox.enqueue_many(
            [(batch, messages) for batch, messages, _ in batches], now
        )
        handed: dict[int, int] = {}
        for (_, _, ids), batch_id in zip(batches, batch_ids, strict=True):
            handed.update(dict.fromkeys(ids, batch_id))
        sent = await uow.reminders.hand_over(handed, now)
        if sent != len(handed):
            raise HandedElsewhere(
                f"{len(handed) - sent} of {len(handed)} due reminders were "
                "settled meanwhile; this wave is rolled back"
            )
        skipped = await uow.reminders.settle(useless, Status.SKIPPED.value, None, now)
        late = sum(1 for r in due if r.id in handed and now - r.planned.due_at > LATE)
        return sent, skipped, late

    async def _group(
        self,
        uow: SqlUnitOfWork,
        conference: ConferenceId,
        kind: str,
        version: int,
        rows: Sequence[Reminder],
        meeting: Meeting,
        invitees: Mapping[int, Invitee],
        nudged: dict[int, int],
        now: datetime,
    ) -> tuple[tuple[Batch, list[Outbound], list[int]] | None, list[int]]:
        """What to send of one group (the batch, its messages, the reminders it carries) and
        the reminders no longer useful."""
        plan = await uow.plans.get(conference) if is_plan_kind(kind) else None
        request = await uow.conferences.get(conference) if plan is not None else None
        voting = not is_plan_kind(kind) and kind_of(kind) is Kind.VOTE
        slots = await uow.meetings.slots(conference) if voting else ()
        ballots = await uow.meetings.ballots(conference) if voting else {}
        slot_ids = {s.id for s in slots}
        useful: list[tuple[Reminder, Invitee]] = []
        useless: list[int] = []
        nudging = not is_plan_kind(kind) and kind_of(kind) in (Kind.VOTE, Kind.NO_ANSWER)
        for reminder in rows:
            person = invitees.get(reminder.planned.invitee_id)
            if person is not None and person.conference_id != conference:
                person = None
            voted_all = person is not None and slot_ids <= set(ballots.get(person.id, {}))
            if is_plan_kind(kind):  # after the meeting: the plan decides
                useful_now = person is not None and plan_ping_useful(kind, person, plan, version)
            else:
                useful_now = (
                    person is not None
                    and still_useful(kind, person, meeting, version, now, voted_all)
                    and not (nudging and person.nudges + nudged[person.id] >= MAX_NUDGES)
                )
            if person is None or not useful_now:
                useless.append(reminder.id)
                if (
                    not is_plan_kind(kind)
                    and meeting.starts_at is not None
                    and (now >= meeting.starts_at)
                ):
                    log.info("reminder %d skipped: its moment passed (meeting began)", reminder.id)
                continue
            useful.append((reminder, person))
        if not useful:
            return None, useless
        messages = []
        for _reminder, person in useful:
            assert person.person_id is not None
            parts = (
                plan_reminder_parts(kind, person, plan, self.zone, self.i18n, now, request)
                if plan is not None
                else reminder_parts(
                    kind,
                    person,
                    meeting,
                    self.zone,
                    self.i18n,
                    now,
                    slots,
                    ballots.get(person.id, {}),
                )
            )
            messages.append(Outbound(person.person_id, person.id, parts))
            if nudging:
                await uow.invitees.count_nudge(person.id)
                nudged[person.id] += 1
        batch = Batch(
            kind="reminder",
            created_by=None,
            conference_id=conference,
            key=f"reminder:{conference}:{kind}:{version}:{useful[0][0].id}",
        )
        return (batch, messages, [r.id for r, _ in useful]), useless

    async def next_due_in(self) -> float | None:
        """Real seconds until the next reminder falls due (None: nothing pending)."""
        async with SqlUnitOfWork(self.sessions) as uow:
            due = await uow.reminders.next_due()
        return None if due is None else self.clock.seconds_until(due)
