"""Who becomes staff: an operator invites a regional manager or a coordinator by name with a
one-time link (`kring staff invite`), and whoever opens it becomes that staff member. Nobody
needs to look up a numeric Telegram id. Only a hash of the link's token is stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from conference.errors import JoinRefused, StaffLinkRefused
from conference.model.ids import ACCOUNT_IDS, PersonId
from conference.model.people import Gender, StaffInvite, StaffMember, StaffRole
from conference.ports import UnitOfWork

PREFIX = "staff-"  # tells a staff link from a relative's personal link at a glance
TOKEN_BYTES = 24  # 192 bits; with the prefix 38 of the 64 characters a deep link allows
VALID = timedelta(days=7)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def is_staff_token(text: str) -> bool:
    return text.startswith(PREFIX) and len(text) <= 64


async def invite_staff(
    uow: UnitOfWork,
    role: StaffRole,
    name: str,
    languages: tuple[str, ...],
    region: str | None,
    gender: Gender | None,
    now: datetime,
) -> tuple[str, StaffInvite]:
    """A new one-time link for a future staff member: the token is returned once, here."""
    name = name.strip()
    if not name:
        raise ValueError("a staff member needs a name")
    token = PREFIX + secrets.token_urlsafe(TOKEN_BYTES)
    invite = StaffInvite(role, name[:64], languages, region, gender, now + VALID)
    await uow.staff.add_invite(token_hash(token), invite, now)
    await uow.audit.record(None, "staff.invited", None)
    return token, invite


async def join_staff(uow: UnitOfWork, person: PersonId, token: str, now: datetime) -> StaffMember:
    """The person who opens the link becomes the staff member it names; the link is spent."""
    if person not in ACCOUNT_IDS:
        raise StaffLinkRefused(JoinRefused.UNKNOWN)
    digest = token_hash(token)
    invite = await uow.staff.invite(digest)
    if invite is None:
        raise StaffLinkRefused(JoinRefused.UNKNOWN)
    if invite.used_at is not None:
        raise StaffLinkRefused(JoinRefused.USED)
    if invite.expires_at <= now:
        raise StaffLinkRefused(JoinRefused.EXPIRED)
    if not await uow.staff.use_invite(digest, person, now):
        raise StaffLinkRefused(JoinRefused.USED)  # opened twice at once: the other won
    member = StaffMember(
        person, invite.role, invite.name, invite.languages, invite.region, gender=invite.gender
    )
    await uow.staff.add(member)
    await uow.audit.record(person, "staff.joined", None)
    return await uow.staff.get(person) or member
