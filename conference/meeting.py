"""The meeting: dates proposed and voted on, the family's own proposals, the date and venue
fixed, changed or cancelled, and who is asked, nudged or told."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from conference.access import coordinator_of, known_account, known_rows, own_invitation
from conference.errors import (
    AccessDenied,
    MeetingError,
    MeetingProblem,
    NotFound,
    SlotError,
    SlotProblem,
)
from conference.model.circle import Group, Invitee, Rsvp
from conference.model.ids import ConferenceId, InviteeId, PersonId
from conference.model.meeting import (
    Audience,
    Availability,
    Meeting,
    Proposal,
    Slot,
    Venue,
    Vote,
    Voter,
)
from conference.model.reminders import Policy
from conference.model.request import Status
from conference.ports import UnitOfWork
from conference.reminders import plan_vote, replan
from conference.slots import MAX_SLOTS, parse_slot, parse_slots, rank

MAX_NUDGES = 2  # saying no is as easy as saying yes: no more than two nudges, ever


def coming(people: Sequence[Invitee]) -> list[Invitee]:
    """Who hears about the date and venue: those who said yes or maybe."""
    return [p for p in people if p.rsvp in (Rsvp.YES, Rsvp.MAYBE)]


def audience(
    people: Sequence[Invitee], who: Audience, group: Group | None = None
) -> list[Invitee]:
    if who is Audience.YES:
        return [p for p in people if p.rsvp is Rsvp.YES]
    if who is Audience.MAYBE:
        return [p for p in people if p.rsvp is Rsvp.MAYBE]
    if who is Audience.NOT_ANSWERED:
        return [p for p in people if p.rsvp is None]
    if who is Audience.GROUP:
        return [p for p in people if p.group is group]
    return list(people)


def reachable(people: Sequence[Invitee]) -> tuple[list[Invitee], list[Invitee]]:
    """Who the bot can write to (opened their link, not blocked), and who not."""
    can = [p for p in people if p.person_id is not None and p.reachable]
    return can, [p for p in people if p not in can]


def left_out(cannot: Sequence[Invitee]) -> tuple[int, int]:
    """Of those the bot cannot write to: how many never opened their link, how many blocked
    the bot (they opened it once; Telegram refused a message to them since)."""
    blocked = sum(1 for p in cannot if p.person_id is not None)
    return len(cannot) - blocked, blocked


def may_propose(invitee: Invitee) -> bool:
    """The conference belongs to the family: the main person (and the parents), marked
    must-attend in the family group, may suggest dates and a place."""
    return invitee.group is Group.FAMILY and invitee.must_attend


def _voters(people: Sequence[Invitee]) -> list[Invitee]:
    return [p for p in people if p.rsvp is not Rsvp.NO]


async def availability(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId
) -> Availability:
    """Who can when: the coordinator's view of the votes (audited as one read)."""
    await coordinator_of(uow, actor, conference_id)
    await uow.audit.record(actor, "availability.viewed", conference_id)
    slots = await uow.meetings.slots(conference_id)
    people = _voters(await uow.invitees.of_conference(conference_id))
    ballots = await uow.meetings.ballots(conference_id)
    scores = rank(slots, ballots, [Voter(p.id, p.must_attend) for p in people])
    return Availability(slots, scores, people, ballots)


def unvoted(
    slots: Sequence[Slot], people: Sequence[Invitee], ballots: dict[int, dict[int, Vote]]
) -> list[Invitee]:
    """Everyone still coming into question who has not voted on every slot."""
    ids = {s.id for s in slots}
    return [p for p in _voters(people) if not ids <= set(ballots.get(p.id, {}))]


async def propose_slots(
    uow: UnitOfWork,
    actor: PersonId,
    conference_id: ConferenceId,
    text: str,
    now: datetime,
    zone: ZoneInfo,
    locales: Sequence[str],
) -> tuple[Sequence[Slot], list[Invitee]]:
    """Add 2-8 dates (typed, one per line); returns the new slots and whom to ask."""
    await coordinator_of(uow, actor, conference_id)
    await _closed_if_fixed(uow, conference_id)
    existing = await uow.meetings.slots(conference_id)
    starts = parse_slots(text, now, zone, locales, [s.starts_at for s in existing])
    added = await uow.meetings.add_slots(conference_id, starts, now)
    await uow.audit.record(actor, "slots.proposed", conference_id)
    slots = [*existing, *added]
    people = await uow.invitees.of_conference(conference_id)
    ask = unvoted(slots, people, await uow.meetings.ballots(conference_id))
    first = min(s.starts_at for s in slots)
    await uow.reminders.add(plan_vote(conference_id, ask, now, first), now)
    return added, ask


async def _closed_if_fixed(uow: UnitOfWork, conference_id: ConferenceId) -> Meeting:
    meeting = await uow.meetings.get(conference_id)
    if meeting.fixed:
        raise MeetingError(MeetingProblem.CLOSED)
    return meeting


async def my_ballot(
    uow: UnitOfWork, person: PersonId, invitee_id: InviteeId
) -> tuple[Invitee, Sequence[Slot], dict[int, Vote]]:
    invitee = await own_invitation(uow, person, invitee_id)
    slots = await uow.meetings.slots(invitee.conference_id)
    ballots = await uow.meetings.ballots(invitee.conference_id)
    return invitee, slots, ballots.get(invitee.id, {})


async def vote(
    uow: UnitOfWork,
    person: PersonId,
    invitee_id: InviteeId,
    slot_id: int,
    choice: Vote,
    now: datetime,
) -> Invitee:
    """One vote, changed as often as they like until the date is fixed."""
    invitee = await own_invitation(uow, person, invitee_id)
    known_rows(slot_id)
    if await uow.meetings.slot_conference(slot_id) != invitee.conference_id:
        raise NotFound("not a slot of this conference")
    await _closed_if_fixed(uow, invitee.conference_id)
    await uow.meetings.vote(invitee.id, slot_id, choice, now)
    return invitee


async def fix_meeting(
    uow: UnitOfWork,
    actor: PersonId,
    conference_id: ConferenceId,
    starts_at: datetime,
    venue: Venue,
    now: datetime,
    policy: Policy | None = None,
) -> tuple[Meeting, Meeting]:
    """Fix (or change) date, time and venue; returns the meeting before and after."""
    request = await coordinator_of(uow, actor, conference_id)
    if starts_at <= now:
        raise SlotError(SlotProblem.PAST, text="")
    before = await uow.meetings.get(conference_id)
    after = Meeting(conference_id, starts_at, venue, before.sequence + 1, cancelled=False)
    await uow.meetings.save(after)
    if request.status in (Status.NEW, Status.PREPARING):
        await uow.conferences.set_status(conference_id, Status.DATE_SET)
    await uow.audit.record(
        actor, "meeting.changed" if before.fixed else "meeting.fixed", conference_id
    )
    await replan(uow, after, policy, now)  # every pending ping follows the new version
    return before, after


async def cancel_meeting(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, now: datetime
) -> Meeting:
    await coordinator_of(uow, actor, conference_id)
    before = await uow.meetings.get(conference_id)
    if not before.fixed:
        raise MeetingError(MeetingProblem.NOT_FIXED)
    after = replace(before, sequence=before.sequence + 1, cancelled=True)
    await uow.meetings.save(after)
    await uow.conferences.set_status(conference_id, Status.PREPARING)
    await uow.audit.record(actor, "meeting.cancelled", conference_id)
    await replan(uow, after, None, now)  # nothing more about this meeting
    return after


async def slot_time(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, slot_id: int
) -> datetime:
    await coordinator_of(uow, actor, conference_id)
    for slot in await uow.meetings.slots(conference_id):
        if slot.id == slot_id:
            return slot.starts_at
    raise NotFound("not a date of this conference")


async def nudge(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId
) -> tuple[list[Invitee], list[Invitee]]:
    """Those who have not answered yet get a gentle question, at most MAX_NUDGES times each.
    Returns (nudged now, not reachable through the bot: never opened their link, blocked)."""
    await coordinator_of(uow, actor, conference_id)
    people = await uow.invitees.of_conference(conference_id)
    open_ = [p for p in people if p.rsvp is None and p.nudges < MAX_NUDGES]
    can, cannot = reachable(open_)
    for person in can:
        await uow.invitees.count_nudge(person.id)
    if can:
        await uow.audit.record(actor, "circle.nudged", conference_id)
    return can, cannot


async def propose_by_family(
    uow: UnitOfWork,
    person: PersonId,
    invitee_id: InviteeId,
    text: str,
    now: datetime,
    zone: ZoneInfo,
    locales: Sequence[str],
) -> Proposal:
    """The main person suggests a date (typed like the coordinator types one) or a place."""
    invitee = await own_invitation(uow, person, invitee_id)
    if not may_propose(invitee):
        raise AccessDenied("only the main person and the parents propose")
    await _closed_if_fixed(uow, invitee.conference_id)
    try:
        starts_at: datetime | None = parse_slot(text, now, zone, locales)
        place = None
    except SlotError as error:
        if error.code is not SlotProblem.UNREADABLE:
            raise
        starts_at, place = None, text
    return await uow.meetings.add_proposal(
        invitee.conference_id, invitee.id, starts_at, place, now
    )


async def decide_proposal(
    uow: UnitOfWork, actor: PersonId, proposal_id: int, accept: bool, now: datetime
) -> tuple[Proposal, Slot | None]:
    """One tap: a date joins the vote, a place becomes the venue for when the date is fixed."""
    known_account(actor)
    known_rows(proposal_id)
    found = await uow.meetings.proposal(proposal_id)
    if found is None:
        raise NotFound("no such proposal")
    await coordinator_of(uow, actor, found.conference_id)
    added: Slot | None = None
    if accept:  # once the date is fixed, changes go through "change date or venue"
        await _closed_if_fixed(uow, found.conference_id)
    if accept and found.starts_at is not None:
        slots = await uow.meetings.slots(found.conference_id)
        if len(slots) >= MAX_SLOTS:
            raise SlotError(SlotProblem.TOO_MANY, text="")
        if found.starts_at <= now:
            raise SlotError(SlotProblem.PAST, text="")
        if all(s.starts_at != found.starts_at for s in slots):
            (added,) = await uow.meetings.add_slots(found.conference_id, [found.starts_at], now)
    elif accept and found.place:
        meeting = await uow.meetings.get(found.conference_id)
        await uow.meetings.save(replace(meeting, venue=Venue(found.place)))
    await uow.meetings.decide_proposal(proposal_id, accept)
    await uow.audit.record(actor, "proposal.decided", found.conference_id)
    return found, added
