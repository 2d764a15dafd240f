"""The conference requests: what a family asked for and where it stands (ConferenceRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, select, update

from conference.intake import steps_for
from conference.model.ids import ConferenceId, PersonId
from conference.model.people import Person
from conference.model.request import (
    ApplicantRole,
    ConferenceModel,
    ConferenceRequest,
    Field,
    RequestDraft,
    RequestKind,
    Status,
)
from storage.repositories.base import Repository, dialect_insert, split_codes
from storage.tables import ConferenceRow, PersonRow, ReferenceCounterRow, core_table

_COUNTER = core_table(ReferenceCounterRow)
_NEXT_NUMBER = (
    update(_COUNTER)
    .where(_COUNTER.c.year == bindparam("counter_year"))
    .values(last=_COUNTER.c.last + 1)
    .returning(_COUNTER.c.last)
)


class SqlConferences(Repository):
    async def next_number(self, year: int) -> int:
        # Make sure the year's row exists (racing inserts are fine), then let the row lock of
        # the UPDATE (PostgreSQL) or the write lock (SQLite) hand out the numbers one by one.
        await self._s.execute(
            dialect_insert(self._s)(_COUNTER).on_conflict_do_nothing(), {"year": year, "last": 0}
        )
        result = await self._s.execute(_NEXT_NUMBER, {"counter_year": year})
        return int(result.scalar_one())

    async def add(
        self,
        reference: str,
        applicant: Person,
        applicant_locale: str,
        draft: RequestDraft,
        created_at: datetime,
    ) -> ConferenceRequest:
        asked = set(steps_for(draft))

        def kept(step: Field, value: Any) -> Any:
            return value if step in asked else None

        row = ConferenceRow(
            reference=reference,
            kind=draft.kind.value,
            status=Status.NEW.value,
            applicant_id=applicant.id,
            applicant_locale=applicant_locale,
            applicant_role=kept(Field.ROLE, draft.role and draft.role.value),
            subject_name=kept(Field.SUBJECT_NAME, draft.subject_name),
            subject_age=kept(Field.SUBJECT_AGE, draft.subject_age),
            question=kept(Field.QUESTION, draft.question),
            concerns=kept(Field.CONCERNS, draft.concerns),
            minimum_requirement=kept(Field.MINIMUM_REQUIREMENT, draft.minimum_requirement),
            model=kept(Field.MODEL, draft.model and draft.model.value),
            family_languages=",".join(draft.languages) if Field.LANGUAGES in asked else "",
            coordinator_preference=kept(
                Field.COORDINATOR_PREFERENCE, draft.coordinator_preference
            ),
            region=draft.region or "",
            contact_phone=draft.phone,
            consent_at=created_at,
            created_at=created_at,
        )
        # The applicant's row first, should it be new in this transaction: the session orders
        # its inserts by relationship(), which the tables do not declare.
        await self._s.flush()
        self._s.add(row)
        await self._s.flush()  # for the generated id
        return _request(row, applicant.first_name)

    def _select(self) -> Any:
        return select(ConferenceRow, PersonRow.first_name).join(
            PersonRow, PersonRow.id == ConferenceRow.applicant_id
        )

    async def get(self, conference_id: ConferenceId) -> ConferenceRequest | None:
        found = (
            await self._s.execute(self._select().where(ConferenceRow.id == conference_id))
        ).first()
        return _request(found[0], found[1]) if found else None

    async def with_status(self, status: Status) -> Sequence[ConferenceRequest]:
        rows = await self._s.execute(
            self._select()
            .where(ConferenceRow.status == status.value)
            .order_by(ConferenceRow.created_at.desc(), ConferenceRow.id.desc())
        )
        return [_request(row, name) for row, name in rows]

    async def open_count_by_coordinator(self) -> dict[PersonId, int]:
        rows = await self._s.execute(
            select(ConferenceRow.coordinator_id, func.count())
            .where(
                ConferenceRow.coordinator_id.is_not(None),
                ConferenceRow.status != Status.CLOSED.value,
            )
            .group_by(ConferenceRow.coordinator_id)
        )
        return {PersonId(int(cid)): int(count) for cid, count in rows if cid is not None}

    async def of_coordinator(self, coordinator: PersonId) -> Sequence[ConferenceRequest]:
        rows = await self._s.execute(
            self._select()
            .where(ConferenceRow.coordinator_id == coordinator)
            .order_by(ConferenceRow.created_at.desc())
        )
        return [_request(row, name) for row, name in rows]

    async def mark_flagged(self, conference_id: ConferenceId, at: datetime) -> None:
        await self._s.execute(
            update(ConferenceRow).where(ConferenceRow.id == conference_id).values(flagged_at=at)
        )

    async def set_status(self, conference_id: ConferenceId, status: Status) -> None:
        row = await self._s.get(ConferenceRow, conference_id)
        assert row is not None
        row.status = status.value

    async def set_minimum_requirement(self, conference_id: ConferenceId, text: str) -> None:
        row = await self._s.get(ConferenceRow, conference_id)
        assert row is not None
        row.minimum_requirement = text

    async def assign(
        self, conference_id: ConferenceId, coordinator: PersonId, at: datetime
    ) -> ConferenceRequest:
        await self._s.execute(
            update(ConferenceRow)
            .where(ConferenceRow.id == conference_id)
            .values(coordinator_id=coordinator, assigned_at=at, status=Status.PREPARING.value)
        )
        request = await self.get(conference_id)
        assert request is not None
        return request


def _request(row: ConferenceRow, applicant_name: str) -> ConferenceRequest:
    return ConferenceRequest(
        id=ConferenceId(row.id),
        reference=row.reference,
        kind=RequestKind(row.kind),
        status=Status(row.status),
        applicant_id=PersonId(row.applicant_id),
        applicant_name=applicant_name,
        applicant_locale=row.applicant_locale,
        created_at=row.created_at,
        region=row.region,
        applicant_role=ApplicantRole(row.applicant_role) if row.applicant_role else None,
        subject_name=row.subject_name,
        subject_age=row.subject_age,
        question=row.question,
        concerns=row.concerns,
        minimum_requirement=row.minimum_requirement,
        model=ConferenceModel(row.model) if row.model else None,
        family_languages=split_codes(row.family_languages),
        coordinator_preference=row.coordinator_preference,
        contact_phone=row.contact_phone,
        coordinator_id=PersonId(row.coordinator_id) if row.coordinator_id else None,
        flagged=row.flagged_at is not None,
    )
