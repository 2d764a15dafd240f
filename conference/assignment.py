"""Matching a request with a coordinator, and assigning it (the regional manager's work)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime, timedelta, tzinfo

from conference.access import known_account, known_rows, regional_manager
from conference.errors import AccessDenied, AlreadyAssigned, NotFound
from conference.model.audit import OnBehalfOf
from conference.model.ids import ConferenceId, PersonId
from conference.model.people import Gender, StaffMember, StaffRole
from conference.model.request import (
    Assigned,
    Candidate,
    ConferenceRequest,
    Fit,
    Overdue,
    Status,
)
from conference.ports import UnitOfWork

_GENDER_WORDS = {
    Gender.FEMALE: ("vrouw", "woman", "female", "dame"),
    Gender.MALE: ("man", "male", "heer"),
}


def meets_preference(
    coordinator: StaffMember, preference: str | None, language_names: dict[str, set[str]]
) -> bool:
    """Does the coordinator meet what the family typed? Gender words and language names are
    understood (in any shipped language); anything else is for the manager to read."""
    if not preference:
        return False
    words = set(re.findall(r"\w+", preference.lower()))
    asked: list[bool] = []
    for gender, gender_words in _GENDER_WORDS.items():
        if words & set(gender_words):
            asked.append(coordinator.gender is gender)
    for code, names in language_names.items():
        if any(name in preference.lower() for name in names):
            asked.append(code in coordinator.languages)
    return bool(asked) and all(asked)


def rank(
    request: ConferenceRequest,
    coordinators: Sequence[tuple[StaffMember, int]],
    language_names: dict[str, set[str]],
) -> list[Candidate]:
    """Best first: the family's own preference and a shared language, then the region, then
    who has the fewest open conferences."""
    region = (request.region or "").strip().lower()
    candidates = []
    for member, load in coordinators:
        fits = set()
        if meets_preference(member, request.coordinator_preference, language_names):
            fits.add(Fit.PREFERENCE)
        if set(member.languages) & set(request.family_languages):
            fits.add(Fit.LANGUAGE)
        if region and member.region and member.region.strip().lower() in region:
            fits.add(Fit.REGION)
        candidates.append(Candidate(member, load, frozenset(fits)))
    return sorted(
        candidates,
        key=lambda c: (
            -((Fit.PREFERENCE in c.fits) + (Fit.LANGUAGE in c.fits)),
            Fit.REGION not in c.fits,
            c.open_conferences,
            c.coordinator.name,
        ),
    )


async def open_requests(uow: UnitOfWork, actor: PersonId) -> Sequence[ConferenceRequest]:
    """The new requests, as the manager's list shows them (one audit record for the list)."""
    await regional_manager(uow, actor)
    await uow.audit.record(actor, "request.listed", None, on_behalf_of=OnBehalfOf.MANAGER)
    return await uow.conferences.with_status(Status.NEW)


async def candidates(
    uow: UnitOfWork,
    actor: PersonId,
    conference_id: ConferenceId,
    language_names: dict[str, set[str]],
) -> list[Candidate]:
    await regional_manager(uow, actor)
    known_rows(conference_id)
    request = await uow.conferences.get(conference_id)
    if request is None:
        raise NotFound("no such request")
    coordinators = await uow.staff.list(StaffRole.COORDINATOR)
    loads = await uow.conferences.open_count_by_coordinator()
    return rank(request, [(c, loads.get(c.person_id, 0)) for c in coordinators], language_names)


async def assign(
    uow: UnitOfWork,
    actor: PersonId,
    conference_id: ConferenceId,
    coordinator_id: PersonId,
    now: datetime,
) -> Assigned:
    """Both ids come from a button: check the actor, the request and the coordinator."""
    await regional_manager(uow, actor)
    known_rows(conference_id)
    try:
        known_account(coordinator_id)
    except AccessDenied as error:
        raise NotFound("no such coordinator") from error
    request = await uow.conferences.get(conference_id)
    if request is None:
        raise NotFound("no such request")
    coordinator = await uow.staff.get(coordinator_id)
    if coordinator is None or coordinator.role is not StaffRole.COORDINATOR:
        raise NotFound("no such coordinator")
    if request.status is not Status.NEW or request.coordinator_id is not None:
        raise AlreadyAssigned(request.reference)
    updated = await uow.conferences.assign(conference_id, coordinator_id, now)
    await uow.audit.record(actor, "request.assigned", conference_id)
    return Assigned(updated, coordinator)


ASSIGN_WITHIN_WORKING_DAYS = 2


def working_days_between(start: date, end: date) -> int:
    """Monday to Friday days passed from `start` to `end` (public holidays not counted out)."""
    days, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days += 1
    return days


def overdue(request: ConferenceRequest, now: datetime, zone: tzinfo) -> bool:
    """Still waiting for a coordinator after two working days (dates in the office's zone)."""
    if request.status is not Status.NEW or request.coordinator_id is not None:
        return False
    created = request.created_at.astimezone(zone).date()
    return working_days_between(created, now.astimezone(zone).date()) >= (
        ASSIGN_WITHIN_WORKING_DAYS
    )


async def flag_overdue(uow: UnitOfWork, now: datetime, zone: tzinfo) -> Overdue:
    """Requests not assigned within two working days, each flagged to the managers once."""
    waiting = [
        r
        for r in await uow.conferences.with_status(Status.NEW)
        if overdue(r, now, zone) and not r.flagged
    ]
    for request in waiting:
        await uow.conferences.mark_flagged(request.id, now)
    managers = await uow.staff.list(StaffRole.MANAGER) if waiting else []
    return Overdue(waiting, managers)
