"""Use cases around a request: each takes plain data and a unit of work, and never commits:
the caller (one update, one CLI command) owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from conference.access import known_account, known_rows
from conference.errors import AccessDenied, Incomplete, NotFound
from conference.intake import is_complete
from conference.model.audit import OnBehalfOf
from conference.model.ids import ConferenceId, PersonId
from conference.model.people import Person, StaffMember, StaffRole
from conference.model.request import ConferenceRequest, RequestDraft, Submitted
from conference.ports import UnitOfWork
from conference.reference import format_reference
from conference.typed import plain


def choose_locale(language_code: str | None, shipped: Sequence[str], default: str) -> str:
    """Telegram's language_code ("nl-BE", "en") mapped to a shipped catalog, else the default."""
    if language_code:
        base = language_code.replace("_", "-").split("-")[0].lower()
        if base in shipped:
            return base
    return default


async def identify(
    uow: UnitOfWork,
    person_id: PersonId,
    first_name: str,
    language_code: str | None,
    shipped: Sequence[str],
    default_locale: str,
) -> Person:
    """Who is writing: create the person on first contact, keep their chosen language after.
    Their name as their Telegram profile has it, without invisible steering characters."""
    known_account(person_id)
    first_name = plain(first_name)
    person = await uow.persons.get(person_id)
    if person is not None and person.first_name == first_name[:64] and person.reachable:
        return person
    if person is not None and not person.reachable:
        await uow.persons.set_reachable(person_id, True)  # they wrote to us, so they unblocked
    return await uow.persons.upsert(
        person_id, first_name[:64], choose_locale(language_code, shipped, default_locale)
    )


async def recognise(
    uow: UnitOfWork,
    person_id: PersonId,
    first_name: str,
    language_code: str | None,
    shipped: Sequence[str],
    default_locale: str,
) -> Person:
    """Who pressed a button (or left a chat): the person if known, as `identify` keeps them;
    a stranger is not stored for that alone (nothing of theirs to keep), only when they write."""
    known_account(person_id)
    if await uow.persons.get(person_id) is not None:
        return await identify(uow, person_id, first_name, language_code, shipped, default_locale)
    locale = choose_locale(language_code, shipped, default_locale)
    return Person(person_id, plain(first_name)[:64], locale)


async def set_language(
    uow: UnitOfWork, person_id: PersonId, locale: str, shipped: Sequence[str]
) -> None:
    known_account(person_id)
    if locale not in shipped:
        raise NotFound(f"locale {locale!r} is not shipped")
    await uow.persons.set_locale(person_id, locale)


async def submit_request(
    uow: UnitOfWork,
    applicant_id: PersonId,
    applicant_locale: str,
    draft: RequestDraft,
    now: datetime,
) -> Submitted:
    known_account(applicant_id)
    if not is_complete(draft):
        raise Incomplete("the draft misses answers or consent")
    applicant = await uow.persons.get(applicant_id)
    if applicant is None:
        raise NotFound("unknown applicant")
    number = await uow.conferences.next_number(now.year)
    request = await uow.conferences.add(
        format_reference(now.year, number), applicant, applicant_locale, draft, now
    )
    await uow.audit.record(applicant_id, "request.submitted", request.id)
    managers = await uow.staff.list(StaffRole.MANAGER)
    return Submitted(request=request, managers=managers)


async def open_request(
    uow: UnitOfWork, actor_id: PersonId, conference_id: ConferenceId
) -> ConferenceRequest:
    """A request is shown to managers and to the coordinator it was assigned to; the id comes
    from a button, so check everything."""
    known_account(actor_id)
    known_rows(conference_id)
    member = await uow.staff.get(actor_id)
    if member is None:
        raise AccessDenied("only staff open requests")
    request = await uow.conferences.get(conference_id)
    if member.role is not StaffRole.MANAGER and (
        request is None or request.coordinator_id != actor_id
    ):
        raise AccessDenied("not this coordinator's conference")
    if request is None:
        raise NotFound("no such request")
    await uow.audit.record(
        actor_id, "request.opened", request.id, on_behalf_of=OnBehalfOf.staff(member.role)
    )
    return request


async def mark_unreachable(uow: UnitOfWork, person_id: PersonId) -> None:
    """Telegram said 403: the person blocked the bot or never opened it. Stop writing to them."""
    if await uow.persons.get(person_id) is not None:
        await uow.persons.set_reachable(person_id, False)


async def add_staff(uow: UnitOfWork, member: StaffMember) -> None:
    """The operator adds (or changes) a staff member on the server (`kring staff add`)."""
    await uow.staff.add(member)
    await uow.audit.record(None, "staff.added", None, subject=member.person_id)


async def remove_staff(uow: UnitOfWork, person_id: PersonId) -> bool:
    removed = await uow.staff.remove(person_id)
    if removed:
        await uow.audit.record(None, "staff.removed", None, subject=person_id)
    return removed


async def mark_reachable(uow: UnitOfWork, person_id: PersonId) -> None:
    """They pressed Restart after blocking the bot: writing to them works again."""
    if await uow.persons.get(person_id) is not None:
        await uow.persons.set_reachable(person_id, True)
