"""Which pings are due when: reminders before the meeting, nudges for those who have not
answered, a question for those who said maybe. Pure rules; storage keeps the planned rows
(unique per person, kind and meeting version) and bot/ sends them when they fall due.

Days count in the conference's wall-clock time (a reminder "1 day before" a 10:00 meeting is at
10:00 the day before, also across a DST change); hours count elapsed time."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from conference.model.circle import Invitee, Rsvp
from conference.model.ids import ConferenceId
from conference.model.meeting import Meeting
from conference.model.reminders import Kind, Offset, Planned, Policy
from conference.ports import UnitOfWork

DEFAULT_OFFSETS = "3d,1d,3h"
WEEK_BEFORE = timedelta(days=7)
DECIDE_BEFORE = timedelta(days=3)
_OFFSET = re.compile(r"^\s*(\d{1,3})\s*([dhm])\s*$")


def parse_offsets(text: str) -> tuple[Offset, ...]:
    """ "3d,1d,3h" -> the offsets, largest first. ValueError names what is wrong."""
    offsets = []
    for piece in text.split(","):
        found = _OFFSET.match(piece)
        if not found or int(found.group(1)) == 0:
            raise ValueError(f"expected offsets like 3d,1d,3h, not {piece.strip()!r}")
        offsets.append(Offset(int(found.group(1)), found.group(2)))
    unique = {o.label: o for o in offsets}
    span = {"d": 1440, "h": 60, "m": 1}
    return tuple(sorted(unique.values(), key=lambda o: -o.amount * span[o.unit]))


def kind_of(key: str) -> Kind:
    return Kind(key.split("_", 1)[0] if key.startswith(Kind.BEFORE.value) else key)


def _coming(person: Invitee) -> bool:
    return person.rsvp in (Rsvp.YES, Rsvp.MAYBE)


def plan(
    meeting: Meeting,
    people: Sequence[Invitee],
    offsets: Sequence[Offset],
    zone: ZoneInfo,
    now: datetime,
) -> list[Planned]:
    """Everything to send for this version of the meeting, from now on. Nothing falls during
    the meeting itself, nothing in the past, nothing to someone the bot cannot write to."""
    if not meeting.fixed or meeting.starts_at is None or meeting.ends_at is None:
        return []
    start = meeting.starts_at
    planned: list[Planned] = []

    def add(person: Invitee, kind: str, due: datetime) -> None:
        if now < due < start:  # so never during the meeting, never in the past
            planned.append(Planned(meeting.conference_id, person.id, kind, meeting.sequence, due))

    for person in people:
        if person.person_id is None:
            continue
        if _coming(person):
            for offset in offsets:
                add(person, f"{Kind.BEFORE.value}_{offset.label}", offset.before(start, zone))
        if person.rsvp is Rsvp.MAYBE:
            add(person, Kind.DECIDE.value, Offset(3, "d").before(start, zone))
        if person.rsvp is None:
            add(person, Kind.NO_ANSWER.value, Offset(7, "d").before(start, zone))
    return planned


def days_until(start: datetime, now: datetime, zone: ZoneInfo) -> int:
    """Calendar days from now to the start, on the conference's wall calendar: 0 is today,
    1 tomorrow (also at 23:00 for a meeting at 00:30), whatever offset planned the ping."""
    return (start.astimezone(zone).date() - now.astimezone(zone).date()).days


def vote_nudge_at(opened: datetime, deadline: datetime) -> datetime | None:
    """Doodle's rule: 48 h before the deadline when it is more than 5 days after the poll
    opened, 36 h when 2-5 days, none under 2 days."""
    span = deadline - opened
    if span > timedelta(days=5):
        return deadline - timedelta(hours=48)
    if span >= timedelta(days=2):
        return deadline - timedelta(hours=36)
    return None


def vote_deadline(first_slot: datetime) -> datetime:
    """Votes are wanted a week before the earliest date: time to fix it and tell everyone."""
    return first_slot - WEEK_BEFORE


def plan_vote(
    conference_id: ConferenceId, people: Sequence[Invitee], opened: datetime, first_slot: datetime
) -> list[Planned]:
    """One nudge before the vote closes, for each person asked to vote (version 0: the
    meeting is not fixed yet; when it falls due, only those who still have not voted get it)."""
    due = vote_nudge_at(opened, vote_deadline(first_slot))
    if due is None or due <= opened:
        return []
    return [
        Planned(conference_id, p.id, Kind.VOTE.value, 0, due)
        for p in people
        if p.person_id is not None
    ]


def still_useful(
    kind: str,
    person: Invitee,
    meeting: Meeting,
    version: int,
    now: datetime,
    voted_all: bool = False,
) -> bool:
    """Checked again when a ping falls due: the world may have moved on since it was planned
    (an answer, a change of date, a bot that was down until after the meeting began)."""
    if person.person_id is None or not person.reachable:
        return False
    if kind_of(kind) is Kind.VOTE:
        return not meeting.fixed and not voted_all and person.rsvp is not Rsvp.NO
    if not meeting.fixed or meeting.sequence != version or meeting.starts_at is None:
        return False
    if now >= meeting.starts_at:
        return False
    match kind_of(kind):
        case Kind.BEFORE:
            return _coming(person)
        case Kind.DECIDE:
            return person.rsvp is Rsvp.MAYBE
        case Kind.NO_ANSWER:
            return person.rsvp is None
    return False


# The use cases' side: plan anew whenever what the plan depends on changes. Only the pings
# about the meeting: the plan's follow-ups (conference/plan.py) stay as they are.

ANSWER_KINDS = (Kind.BEFORE.value, Kind.DECIDE.value, Kind.NO_ANSWER.value)
MEETING_KINDS = (*ANSWER_KINDS, Kind.VOTE.value)


async def replan(uow: UnitOfWork, meeting: Meeting, policy: Policy | None, now: datetime) -> None:
    """A fixed, changed or cancelled meeting: whatever was pending goes, the new version's
    pings come in (cancelled or not fixed: none)."""
    await uow.reminders.cancel_kinds(meeting.conference_id, MEETING_KINDS)
    if policy is not None and meeting.fixed:
        people = await uow.invitees.of_conference(meeting.conference_id)
        await uow.reminders.add(plan(meeting, people, policy.offsets, policy.zone, now), now)


async def replan_person(
    uow: UnitOfWork, person: Invitee, policy: Policy | None, now: datetime | None
) -> None:
    """Someone answered: a no cancels their pings, a yes or maybe plans them. Planned again,
    a ping cancelled a moment ago comes back (storage revives it): whatever the order of the
    taps, a person ends with what `plan` gives for their last answer."""
    kinds = MEETING_KINDS if person.rsvp is Rsvp.NO else ANSWER_KINDS  # a no votes no more
    await uow.reminders.cancel_kinds(person.conference_id, kinds, person.id)
    meeting = await uow.meetings.get(person.conference_id)
    if policy is not None and now is not None and meeting.fixed:
        await uow.reminders.add(plan(meeting, [person], policy.offsets, policy.zone, now), now)
