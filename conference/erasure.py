"""Erasure: a person's own (/forget, `kring erase --person`), a whole conference's (`kring erase
--conference`), and the retention job's (closed conferences KRING_RETENTION_DAYS after they
closed; strangers who never took part after a day). A conference keeps an anonymised place for
each erased person, so its counts stay right (what stays and why: README, "What kring keeps").
The audit log keeps its rows, the erased person's id replaced by a pseudonym."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from conference.access import known_account
from conference.errors import NotFound, StillStaff
from conference.model.audit import OnBehalfOf
from conference.model.ids import ConferenceId, PersonId
from conference.model.privacy import Erased
from conference.model.request import ConferenceRequest, Status
from conference.ports import UnitOfWork

STRANGERS_AFTER = timedelta(days=1)


@dataclass(frozen=True)
class Forgotten:
    erased: Erased
    # the conferences the person was in that have a coordinator (other than the person):
    # each coordinator is told, without the person's name or contact data
    tell: tuple[ConferenceRequest, ...]


async def may_forget(uow: UnitOfWork, person: PersonId) -> None:
    """Staff ask their manager: raises StillStaff (with their open conferences, if any)."""
    known_account(person)
    if await uow.staff.get(person) is not None:
        raise StillStaff(await _open_conferences(uow, person))


async def _open_conferences(uow: UnitOfWork, person: PersonId) -> tuple[str, ...]:
    return tuple(
        c.reference
        for c in await uow.conferences.of_coordinator(person)
        if c.status is not Status.CLOSED
    )


async def forget_me(uow: UnitOfWork, person: PersonId) -> Forgotten:
    """The person's own wish, from the bot (after they confirmed)."""
    await may_forget(uow, person)
    return await _forget(uow, person, OnBehalfOf.SELF)


async def erase_person(uow: UnitOfWork, person: PersonId) -> Forgotten:
    """On the operator's command (a request by letter, say). A staff member with open
    conferences is refused: those go to a colleague first."""
    if open_ := await _open_conferences(uow, person):
        raise StillStaff(open_)
    return await _forget(uow, person, OnBehalfOf.OPERATOR)


async def _forget(uow: UnitOfWork, person: PersonId, by: OnBehalfOf) -> Forgotten:
    pseudonym = await uow.audit.pseudonymise(person, None)
    erased = await uow.personal_data.erase_person(person, pseudonym)
    actor = pseudonym if by is OnBehalfOf.SELF else None  # None: the operator
    for conference_id in erased.conferences or (None,):
        await uow.audit.record(
            actor, "personal_data.erased", conference_id, on_behalf_of=by, subject=pseudonym
        )
    tell = []
    for conference_id in erased.conferences:
        request = await uow.conferences.get(conference_id)
        if request is not None and request.coordinator_id is not None:
            tell.append(request)
    return Forgotten(erased, tuple(tell))


async def erase_conference(uow: UnitOfWork, reference: str, now: datetime) -> Erased:
    conference_id = await uow.personal_data.by_reference(reference)
    if conference_id is None:
        raise NotFound("no such conference")
    return await _erase_conference(uow, conference_id, now, OnBehalfOf.OPERATOR)


async def _erase_conference(
    uow: UnitOfWork, conference_id: ConferenceId, now: datetime, by: OnBehalfOf
) -> Erased:
    erased = await uow.personal_data.erase_conference(conference_id, now)
    await uow.audit.record(None, "personal_data.erased", conference_id, on_behalf_of=by)
    return erased


@dataclass(frozen=True)
class Retained:
    closed: int  # conferences closed now (their last follow-up done)
    conferences: int  # conferences whose personal data was erased now
    strangers: int  # person rows of people who never took part, removed


async def apply_retention(
    uow: UnitOfWork, now: datetime, keep: timedelta, stamped_now: datetime
) -> Retained:
    """The daily job: close what is done, erase what closed `keep` ago (by the clock, `now`),
    remove strangers (a person row is stamped by real time: `stamped_now`)."""
    closed = await uow.personal_data.close_finished(now)
    due = await uow.personal_data.closed_before(now - keep)
    for conference_id in due:
        await _erase_conference(uow, conference_id, now, OnBehalfOf.SYSTEM)
    strangers = await uow.personal_data.remove_strangers(stamped_now - STRANGERS_AFTER)
    return Retained(closed, len(due), strangers)
