"""The coordinator's cockpit (a Telegram Mini App): the whole conference on one bigger screen.
Its coordinator works there with the same use cases as in chat; a regional manager may look."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conference.access import known_account, known_rows
from conference.circle import catering, needs_summary
from conference.errors import AccessDenied
from conference.model.audit import OnBehalfOf
from conference.model.circle import Allergen, Diet, Invitee, NeedsSummary, Rsvp
from conference.model.ids import ConferenceId, PersonId, on_the_web
from conference.model.meeting import Availability, Meeting, Voter
from conference.model.people import StaffRole
from conference.model.plan import Plan
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from conference.slots import rank


@dataclass(frozen=True)
class Cockpit:
    request: ConferenceRequest
    people: Sequence[Invitee]  # the whole circle, each with their state
    availability: Availability  # people x dates, must-attend marked, the ranking (best first)
    meeting: Meeting
    plan: Plan
    diets: dict[Diet, int]  # catering, over those who come or may come
    allergens: dict[Allergen, int]
    needs: NeedsSummary
    editable: bool  # the conference's coordinator; a manager only looks
    # on the web page only, without an e-mail address: nothing reaches them but a call
    page_only: frozenset[int] = frozenset()


async def open_cockpit(uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId) -> Cockpit:
    """Everything the cockpit shows, read at once and audited as one read."""
    known_account(actor)
    known_rows(conference_id)
    member = await uow.staff.get(actor)
    request = await uow.conferences.get(conference_id)
    if member is None or request is None:
        raise AccessDenied("not staff, or no such conference")
    coordinator = member.role is StaffRole.COORDINATOR and request.coordinator_id == actor
    if not coordinator and member.role is not StaffRole.MANAGER:
        raise AccessDenied("not this coordinator's conference")
    people = await uow.invitees.of_conference(conference_id)
    slots = await uow.meetings.slots(conference_id)
    ballots = await uow.meetings.ballots(conference_id)
    voters = [p for p in people if p.rsvp is not Rsvp.NO]
    scores = rank(slots, ballots, [Voter(p.id, p.must_attend) for p in voters])
    plan = await uow.plans.get(conference_id) or Plan(conference_id, request.question or "")
    diets, allergens = catering(people)
    page_only = set()
    for person in people:
        if person.person_id is not None and on_the_web(person.person_id):
            account = await uow.web_accounts.get(person.person_id)
            if account is None or not account.email:
                page_only.add(person.id)
    await uow.audit.record(
        actor,
        "cockpit.viewed",
        conference_id,
        on_behalf_of=OnBehalfOf.staff(member.role) if not coordinator else None,
    )
    return Cockpit(
        request,
        people,
        Availability(slots, scores, voters, ballots),
        await uow.meetings.get(conference_id),
        plan,
        diets,
        allergens,
        needs_summary(people),
        editable=coordinator,
        page_only=frozenset(page_only),
    )
