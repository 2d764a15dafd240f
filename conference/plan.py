"""The plan the family made: agreements (what, who, when), who keeps an eye on them, the next
get-together; a professional's acceptance where the law or the minimum requirement asks for it;
published to everyone who took part, and followed up after 4 weeks and 3 months.

The agreements stay in the family's own words: kring never translates or rewrites them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conference.access import coordinator_of, known_rows, own_invitation
from conference.errors import AlreadyAnswered, NotFound, PlanError, PlanProblem
from conference.model.circle import Group, Invitee, Rsvp
from conference.model.ids import ConferenceId, PersonId
from conference.model.plan import Acceptance, Agreement, FollowUp, Plan, Who
from conference.model.reminders import Planned
from conference.model.request import Status
from conference.ports import UnitOfWork

MAX_ITEMS = 30
FOLLOW_UP_AFTER = timedelta(days=28)
CHECK_IN_AFTER = timedelta(days=91)


async def plan_of(uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId) -> Plan:
    """The coordinator's working copy (a new one starts from the conference question)."""
    request = await coordinator_of(uow, actor, conference_id)
    found = await uow.plans.get(conference_id)
    return found or Plan(conference_id, request.question or "")


async def view_plan(uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId) -> Plan:
    """The plan as shown to the coordinator: audited as one read."""
    plan = await plan_of(uow, actor, conference_id)
    await uow.audit.record(actor, "plan.viewed", conference_id)
    return plan


async def add_agreement(
    uow: UnitOfWork,
    actor: PersonId,
    conference_id: ConferenceId,
    what: str,
    who: Sequence[Who],
    on: date | None,
    when_text: str | None,
) -> Plan:
    plan = await plan_of(uow, actor, conference_id)
    if len(plan.agreements) >= MAX_ITEMS:
        raise PlanError(PlanProblem.TOO_MANY)
    people = {p.id for p in await uow.invitees.of_conference(conference_id)}
    who = tuple(w for w in who if w.invitee_id is None or w.invitee_id in people)
    item = Agreement(max((a.id for a in plan.agreements), default=0) + 1, what, who, on, when_text)
    return await _save(uow, replace(plan, agreements=(*plan.agreements, item)), actor)


async def remove_agreement(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, agreement_id: int
) -> Plan:
    plan = await plan_of(uow, actor, conference_id)
    kept = tuple(a for a in plan.agreements if a.id != agreement_id)
    if len(kept) == len(plan.agreements):
        raise NotFound("no such agreement")
    return await _save(uow, replace(plan, agreements=kept), actor)


async def set_monitor(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, who: Who
) -> Plan:
    plan = await plan_of(uow, actor, conference_id)
    if who.invitee_id is not None:  # someone of this circle, not of another
        known_rows(who.invitee_id)
        if all(p.id != who.invitee_id for p in await uow.invitees.of_conference(conference_id)):
            raise NotFound("not of this circle")
    return await _save(uow, replace(plan, monitor=who), actor)


async def set_next_meeting(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, moment: datetime | None
) -> Plan:
    plan = await plan_of(uow, actor, conference_id)
    return await _save(uow, replace(plan, next_meeting=moment), actor)


async def ask_acceptance(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, invitee_id: int
) -> tuple[Plan, Invitee]:
    """Forced care, or a plan against the minimum requirement: this professional must accept."""
    plan = await plan_of(uow, actor, conference_id)
    known_rows(invitee_id)
    professional = await uow.invitees.get(invitee_id)
    if professional is None or professional.conference_id != conference_id:
        raise NotFound("not of this circle")
    if not plan.agreements:
        raise PlanError(PlanProblem.EMPTY)
    if professional.group is not Group.PROFESSIONAL:
        raise PlanError(PlanProblem.NOT_PROFESSIONAL)
    saved = await _save(
        uow,
        replace(plan, acceptor=invitee_id, acceptance=Acceptance.PENDING, acceptance_reason=None),
        actor,
    )
    return saved, professional


async def answer_acceptance(
    uow: UnitOfWork, person: PersonId, invitee_id: int, accepted: bool, reason: str | None
) -> Plan:
    """The professional's answer, from their own phone, on the plan they were sent."""
    invitee = await own_invitation(uow, person, invitee_id)
    plan = await uow.plans.get(invitee.conference_id)
    if plan is None or plan.acceptor != invitee.id:
        raise NotFound("nothing to accept")
    return await _save(
        uow,
        replace(
            plan,
            acceptance=Acceptance.ACCEPTED if accepted else Acceptance.REJECTED,
            acceptance_reason=None if accepted else reason,
        ),
        person,
        "plan.acceptance_answered",
    )


def participants(people: Sequence[Invitee]) -> list[Invitee]:
    """Who took part: everyone who said they would come (yes) and can be reached."""
    return [p for p in people if p.rsvp is Rsvp.YES and p.person_id is not None and p.reachable]


def default_follow_up(plan: Plan, people: Sequence[Invitee]) -> tuple[int, ...]:
    """Asked after 4 weeks, unless the coordinator chose: the main person (must-attend family)
    and whoever keeps an eye on the agreements."""
    chosen = [p.id for p in people if p.must_attend and p.group is Group.FAMILY][:1]
    if plan.monitor and plan.monitor.invitee_id and plan.monitor.invitee_id not in chosen:
        chosen.append(plan.monitor.invitee_id)
    return tuple(chosen)


async def publish(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, now: datetime, zone: ZoneInfo
) -> tuple[Plan, list[Invitee]]:
    """Everyone who took part gets the plan (a new version each time); the follow-ups are
    planned. Refused while a professional who must accept has not answered."""
    plan = await plan_of(uow, actor, conference_id)
    if not plan.agreements:
        raise PlanError(PlanProblem.EMPTY)
    if plan.acceptance is Acceptance.PENDING:
        raise PlanError(PlanProblem.WAITING)
    people = await uow.invitees.of_conference(conference_id)
    follow_up = plan.follow_up or default_follow_up(plan, people)
    published = await _save(
        uow,
        replace(plan, version=plan.version + 1, follow_up=follow_up),
        actor,
        "plan.published",
    )
    meeting = await uow.meetings.get(conference_id)
    held = meeting.starts_at or now
    await uow.reminders.cancel_kinds(conference_id, PLAN_KINDS)
    await uow.reminders.add(follow_up_plan(published, participants(people), held, now, zone), now)
    request = await uow.conferences.get(conference_id)
    if request is not None and request.status in (Status.DATE_SET, Status.PREPARING, Status.NEW):
        await uow.conferences.set_status(conference_id, Status.FOLLOW_UP)
    return published, participants(people)


PLAN_KINDS = ("followup", "checkin", "agreement", "next")


def follow_up_plan(
    plan: Plan, people: Sequence[Invitee], held: datetime, now: datetime, zone: ZoneInfo
) -> list[Planned]:
    """4 weeks: the chosen people, per agreement. 3 months: a short check-in for everyone of
    the circle who took part (not the professionals). The day before a dated agreement: its
    people ("Tomorrow: ...")."""
    planned: list[Planned] = []
    coming = {p.id for p in people}
    at_4w, at_3m = held + FOLLOW_UP_AFTER, held + CHECK_IN_AFTER
    for invitee in plan.follow_up:
        if invitee in coming and at_4w > now:
            planned.append(Planned(plan.conference_id, invitee, "followup", plan.version, at_4w))
    family = {p.id for p in people if p.group is not Group.PROFESSIONAL}
    for invitee in family:  # the three-month question is the family's, not a professional's
        if at_3m > now:
            planned.append(Planned(plan.conference_id, invitee, "checkin", plan.version, at_3m))
    if plan.next_meeting is not None:  # the next get-together: reminded like a meeting
        for days in (3, 1):
            due = (plan.next_meeting.astimezone(zone) - timedelta(days=days)).astimezone(UTC)
            planned += [
                Planned(plan.conference_id, invitee, f"next_{days}d", plan.version, due)
                for invitee in coming
                if now < due
            ]
    for agreement in plan.agreements:
        if agreement.on is None:
            continue
        # the evening before (18:00 local): time enough to get ready
        due = datetime.combine(agreement.on - timedelta(days=1), time(18, 0), tzinfo=zone)
        for who in agreement.who:
            if who.invitee_id in coming and due > now:
                planned.append(
                    Planned(
                        plan.conference_id,
                        who.invitee_id,
                        f"agreement_{agreement.id}",
                        plan.version,
                        due,
                    )
                )
    return planned


def agreements_of(plan: Plan, invitee_id: int) -> list[Agreement]:
    """ "Your agreements": the ones this person is named in."""
    return [a for a in plan.agreements if any(w.invitee_id == invitee_id for w in a.who)]


async def answer_follow_up(
    uow: UnitOfWork,
    person: PersonId,
    invitee_id: int,
    agreement_id: int,
    answer: FollowUp,
    now: datetime,
) -> Agreement:
    invitee = await own_invitation(uow, person, invitee_id)
    plan = await uow.plans.get(invitee.conference_id)
    found = next((a for a in plan.agreements if a.id == agreement_id), None) if plan else None
    if plan is None or found is None or invitee.id not in plan.follow_up:
        raise NotFound("no such agreement to follow up")
    await uow.plans.record_follow_up(invitee.conference_id, agreement_id, invitee.id, answer, now)
    return found


async def comment_follow_up(
    uow: UnitOfWork, person: PersonId, invitee_id: int, agreement_id: int, comment: str
) -> Agreement:
    """An optional comment with a 4-week answer (their own words, for the coordinator)."""
    invitee = await own_invitation(uow, person, invitee_id)
    plan = await uow.plans.get(invitee.conference_id)
    found = next((a for a in plan.agreements if a.id == agreement_id), None) if plan else None
    if found is None or not await uow.plans.comment_follow_up(
        invitee.conference_id, agreement_id, invitee.id, comment
    ):
        raise NotFound("answer first")
    return found


@dataclass(frozen=True)
class FollowUpAsked:
    """What kring has asked this person after the meeting and they can still answer."""

    agreements: tuple[Agreement, ...]  # the 4-week question: their own agreements first
    answers: Mapping[int, FollowUp]  # agreement id -> their answer so far
    check_in: bool  # the 3-month question was asked
    checked_in: bool  # ... and answered (once only, without their name)


async def follow_up_asked(
    uow: UnitOfWork, person: PersonId, invitee_id: int
) -> FollowUpAsked | None:
    """The follow-up questions put to this person, for the web page: a question shows once
    kring has sent it (its reminder handed to the outbox, as the chat's buttons come) and while
    the use case that takes the answer would (`answer_follow_up`, `check_in`). None: nothing."""
    invitee = await own_invitation(uow, person, invitee_id)
    plan = await uow.plans.get(invitee.conference_id)
    if plan is None or not plan.published:
        return None
    asked = await uow.reminders.asked(invitee.id)
    following = "followup" in asked and invitee.id in plan.follow_up
    checking = "checkin" in asked and invitee.group is not Group.PROFESSIONAL
    if not following and not checking:
        return None
    agreements: tuple[Agreement, ...] = ()
    answers: dict[int, FollowUp] = {}
    if following:
        own = agreements_of(plan, invitee.id)
        agreements = (*own, *(a for a in plan.agreements if a not in own))
        for agreement, given in (await uow.plans.follow_ups(invitee.conference_id)).items():
            if invitee.id in given:
                answers[agreement] = given[invitee.id]
    checked = checking and await uow.plans.has_checked_in(invitee.id)
    return FollowUpAsked(agreements, answers, checking, checked)


async def set_follow_up(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, invitee_ids: Sequence[int]
) -> Plan:
    """Who the coordinator chose for the 4-week questions (from the circle only)."""
    plan = await plan_of(uow, actor, conference_id)
    people = {p.id for p in await uow.invitees.of_conference(conference_id)}
    chosen = tuple(i for i in dict.fromkeys(invitee_ids) if i in people)
    return await _save(uow, replace(plan, follow_up=chosen), actor)


async def check_in(
    uow: UnitOfWork,
    person: PersonId,
    invitee_id: int,
    still_used: str,
    wellbeing: int | None,
    now: datetime,
) -> None:
    """Three months on, for research: stored without who said it."""
    invitee = await own_invitation(uow, person, invitee_id)
    if invitee.group is Group.PROFESSIONAL:  # the question is the family's (follow_up_plan)
        raise NotFound("not asked")
    if still_used not in ("yes", "partly", "no") or (
        wellbeing is not None and not 1 <= wellbeing <= 5
    ):
        raise NotFound("not an answer")
    if not await uow.plans.claim_check_in(invitee.id):
        raise AlreadyAnswered("one answer per person")
    # the day only: with the moment, an answer could be matched to whoever tapped just then
    day = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    await uow.plans.record_check_in(invitee.conference_id, still_used, wellbeing, day)


async def _save(
    uow: UnitOfWork, plan: Plan, actor: PersonId, action: str = "plan.changed"
) -> Plan:
    """Save the plan; audited as one change by `actor` (the coordinator, unless `action`
    says otherwise)."""
    await uow.plans.save(plan)
    await uow.audit.record(actor, action, plan.conference_id)
    return plan


def plan_ping_useful(kind: str, person: Invitee, plan: Plan | None, version: int) -> bool:
    """A follow-up, check-in or "tomorrow" ping still fits when it falls due: the plan is the
    version it was planned for and, for a dated agreement, that agreement is still in it."""
    if (
        plan is None
        or plan.version != version
        or person.person_id is None
        or (not person.reachable)
    ):
        return False
    if kind.startswith("agreement_"):
        return any(str(a.id) == kind.split("_", 1)[1] for a in plan.agreements)
    if kind == "followup":
        return person.id in plan.follow_up
    if kind.startswith("next_"):
        return plan.next_meeting is not None
    return kind == "checkin" and person.group is not Group.PROFESSIONAL


def is_plan_kind(kind: str) -> bool:
    return kind.startswith(PLAN_KINDS)
