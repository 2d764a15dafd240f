"""A copy of what kring holds: a person's own data (/mydata, `kring export --person`) and a
conference's (`kring export --conference`, for staff answering a request for access). Every
copy is audited as `personal_data.exported`."""

from __future__ import annotations

from typing import Any

from conference.access import known_account
from conference.errors import NotFound
from conference.model.audit import OnBehalfOf
from conference.model.ids import PersonId
from conference.ports import UnitOfWork


async def my_data(uow: UnitOfWork, person: PersonId) -> dict[str, Any]:
    """What kring holds about the asking person, and nothing about anyone else."""
    known_account(person)
    data = await uow.personal_data.of_person(person) or {"telegram_id": person}
    await uow.audit.record(
        person, "personal_data.exported", None, on_behalf_of=OnBehalfOf.SELF, subject=person
    )
    return data


async def export_person(uow: UnitOfWork, person: PersonId) -> dict[str, Any]:
    data = await uow.personal_data.of_person(person)
    if data is None:
        raise NotFound("kring holds nothing about this person")
    await uow.audit.record(
        None, "personal_data.exported", None, on_behalf_of=OnBehalfOf.OPERATOR, subject=person
    )
    return data


async def export_conference(uow: UnitOfWork, reference: str) -> dict[str, Any]:
    conference_id = await uow.personal_data.by_reference(reference)
    data = await uow.personal_data.of_conference(conference_id) if conference_id else None
    if conference_id is None or data is None:
        raise NotFound("no such conference")
    await uow.audit.record(
        None, "personal_data.exported", conference_id, on_behalf_of=OnBehalfOf.OPERATOR
    )
    return data
