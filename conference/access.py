"""Who may do what to which conference. Ids come from buttons, so every use case checks the
actor here first: the coordinator of the conference, the person an invitation belongs to, a
regional manager. Deny by default: docs/security.md has the whole role matrix, and an id no
database column can hold names nothing (it is refused before any look-up)."""

from __future__ import annotations

from conference.errors import AccessDenied, NotFound
from conference.model.circle import Invitee
from conference.model.ids import ACCOUNT_IDS, ROW_IDS, ConferenceId, InviteeId, PersonId
from conference.model.people import StaffMember, StaffRole
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork


def known_account(actor: PersonId) -> None:
    """The actor's id is one a Telegram account can have."""
    if actor not in ACCOUNT_IDS:
        raise AccessDenied("no account has this id")


def known_rows(*ids: int) -> None:
    """Ids of conferences, invitees, dates, proposals, suggestions: each one a row can have."""
    if any(i not in ROW_IDS for i in ids):
        raise NotFound("no row has this id")


async def coordinator_of(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId
) -> ConferenceRequest:
    """The conference, if the actor is the coordinator it was assigned to."""
    known_account(actor)
    if conference_id not in ROW_IDS:
        raise AccessDenied("no conference has this id")
    member = await uow.staff.get(actor)
    request = await uow.conferences.get(conference_id)
    if (
        member is None
        or member.role is not StaffRole.COORDINATOR
        or request is None
        or (request.coordinator_id != actor)
    ):
        raise AccessDenied("not this coordinator's conference")
    return request


async def own_invitation(uow: UnitOfWork, person: PersonId, invitee_id: InviteeId) -> Invitee:
    """The invitee id comes from a button: it must be this person's own invitation."""
    known_account(person)
    known_rows(invitee_id)
    invitee = await uow.invitees.get(invitee_id)
    if invitee is None or invitee.person_id != person:
        raise NotFound("not your invitation")
    return invitee


async def regional_manager(uow: UnitOfWork, actor: PersonId) -> StaffMember:
    """The actor, if they are a regional manager."""
    known_account(actor)
    member = await uow.staff.get(actor)
    if member is None or member.role is not StaffRole.MANAGER:
        raise AccessDenied("only a regional manager does this")
    return member
