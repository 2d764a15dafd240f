"""Coordinators and the other staff, and the links that invite them (StaffRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, delete, select, update

from conference.model.ids import PersonId
from conference.model.people import Gender, StaffInvite, StaffMember, StaffRole
from storage.repositories.base import Repository, split_codes, utc_now
from storage.tables import PersonRow, StaffInviteRow, StaffRow, core_table

_STAFF = core_table(StaffRow)
_PERSON = core_table(PersonRow)
_STAFF_WITH_LOCALE = select(_STAFF, _PERSON.c.locale).outerjoin(
    _PERSON, _PERSON.c.id == _STAFF.c.person_id
)
_STAFF_ONE = _STAFF_WITH_LOCALE.where(_STAFF.c.person_id == bindparam("staff_id"))
_STAFF_ALL = _STAFF_WITH_LOCALE.order_by(_STAFF.c.role, _STAFF.c.name)
_STAFF_OF_ROLE = _STAFF_ALL.where(_STAFF.c.role == bindparam("staff_role"))


class SqlStaff(Repository):
    def _member(self, row: Any, locale: str | None) -> StaffMember:
        return StaffMember(
            PersonId(row.person_id),
            StaffRole(row.role),
            row.name,
            split_codes(row.languages),
            row.region,
            locale,
            Gender(row.gender) if row.gender else None,
        )

    async def add(self, member: StaffMember) -> None:
        row = await self._s.get(StaffRow, member.person_id)
        if row is None:
            row = StaffRow(person_id=member.person_id, created_at=utc_now())
            self._s.add(row)
        row.role = member.role.value
        row.name = member.name
        row.languages = ",".join(member.languages)
        row.region = member.region
        row.gender = member.gender.value if member.gender else None
        await self._s.flush()

    async def get(self, person_id: PersonId) -> StaffMember | None:
        found = (await self._s.execute(_STAFF_ONE, {"staff_id": person_id})).first()
        return self._member(found, found.locale) if found else None

    async def remove(self, person_id: PersonId) -> bool:
        result = await self._s.execute(delete(StaffRow).where(StaffRow.person_id == person_id))
        return bool(getattr(result, "rowcount", 0))

    async def list(self, role: StaffRole | None = None) -> Sequence[StaffMember]:
        rows = await (
            self._s.execute(_STAFF_ALL)
            if role is None
            else self._s.execute(_STAFF_OF_ROLE, {"staff_role": role.value})
        )
        return [self._member(row, row.locale) for row in rows]

    async def add_invite(self, digest: str, invite: StaffInvite, at: datetime) -> None:
        self._s.add(
            StaffInviteRow(
                token_hash=digest,
                role=invite.role.value,
                name=invite.name,
                languages=",".join(invite.languages),
                region=invite.region,
                gender=invite.gender.value if invite.gender else None,
                created_at=at,
                expires_at=invite.expires_at,
            )
        )

    async def invite(self, digest: str) -> StaffInvite | None:
        row = await self._s.get(StaffInviteRow, digest)
        if row is None:
            return None
        return StaffInvite(
            StaffRole(row.role),
            row.name,
            split_codes(row.languages),
            row.region,
            Gender(row.gender) if row.gender else None,
            row.expires_at,
            row.used_at,
        )

    async def use_invite(self, digest: str, person: PersonId, at: datetime) -> bool:
        # one conditional UPDATE: of two phones opening the link at once, one wins
        result = await self._s.execute(
            update(StaffInviteRow)
            .where(StaffInviteRow.token_hash == digest, StaffInviteRow.used_at.is_(None))
            .values(used_at=at, used_by=person)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
