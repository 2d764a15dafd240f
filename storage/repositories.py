from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from conference.intake import Field, RequestDraft, steps_for
from conference.model import (
    ApplicantRole,
    ConferenceId,
    ConferenceModel,
    ConferenceRequest,
    Person,
    PersonId,
    RequestKind,
    StaffMember,
    StaffRole,
    Status,
)
from storage.tables import (
    AuditRow,
    ConferenceRow,
    ConversationRow,
    PersonRow,
    ProcessedUpdateRow,
    ReferenceCounterRow,
    StaffRow,
)


def _now() -> datetime:
    return datetime.now(UTC)


WriteNow = Callable[[], Awaitable[None]]


class _Repository:
    """Writes are changes to ORM objects, flushed at the commit. A repository that must write
    earlier (to learn a generated id) first calls `write_now`, which queues it as SQLite's one
    writer."""

    def __init__(self, session: AsyncSession, write_now: WriteNow) -> None:
        self._s = session
        self._write_now = write_now


def _person(row: PersonRow) -> Person:
    return Person(PersonId(row.id), row.first_name, row.locale, row.reachable)


class SqlPersons(_Repository):
    def __init__(self, session: AsyncSession, write_now: WriteNow) -> None:
        super().__init__(session, write_now)
        self._new: dict[int, PersonRow] = {}  # added in this unit of work, not yet flushed

    async def _row(self, person_id: PersonId) -> PersonRow | None:
        return self._new.get(person_id) or await self._s.get(PersonRow, person_id)

    async def get(self, person_id: PersonId) -> Person | None:
        row = await self._row(person_id)
        return _person(row) if row else None

    async def upsert(self, person_id: PersonId, first_name: str, locale: str | None) -> Person:
        row = await self._row(person_id)
        if row is None:
            row = PersonRow(
                id=person_id, first_name=first_name, locale=locale, reachable=True,
                created_at=_now(),
            )
            self._s.add(row)
            self._new[person_id] = row
        else:
            row.first_name = first_name
            row.locale = row.locale or locale
        return _person(row)

    async def set_locale(self, person_id: PersonId, locale: str) -> None:
        if (row := await self._row(person_id)) is not None:
            row.locale = locale

    async def set_reachable(self, person_id: PersonId, reachable: bool) -> None:
        if (row := await self._row(person_id)) is not None:
            row.reachable = reachable


def _split(codes: str) -> tuple[str, ...]:
    return tuple(c for c in codes.split(",") if c)


class SqlStaff(_Repository):

    def _member(self, row: StaffRow, locale: str | None) -> StaffMember:
        return StaffMember(
            PersonId(row.person_id), StaffRole(row.role), row.name, _split(row.languages),
            row.region, locale,
        )

    async def add(self, member: StaffMember) -> None:
        await self._write_now()
        row = await self._s.get(StaffRow, member.person_id)
        if row is None:
            row = StaffRow(person_id=member.person_id, created_at=_now())
            self._s.add(row)
        row.role = member.role.value
        row.name = member.name
        row.languages = ",".join(member.languages)
        row.region = member.region
        await self._s.flush()

    async def get(self, person_id: PersonId) -> StaffMember | None:
        found = (
            await self._s.execute(
                select(StaffRow, PersonRow.locale)
                .outerjoin(PersonRow, PersonRow.id == StaffRow.person_id)
                .where(StaffRow.person_id == person_id)
            )
        ).first()
        return self._member(found[0], found[1]) if found else None

    async def remove(self, person_id: PersonId) -> bool:
        await self._write_now()
        result = await self._s.execute(delete(StaffRow).where(StaffRow.person_id == person_id))
        return bool(getattr(result, "rowcount", 0))

    async def list(self, role: StaffRole | None = None) -> Sequence[StaffMember]:
        query = (
            select(StaffRow, PersonRow.locale)
            .outerjoin(PersonRow, PersonRow.id == StaffRow.person_id)
            .order_by(StaffRow.role, StaffRow.name)
        )
        if role is not None:
            query = query.where(StaffRow.role == role.value)
        return [self._member(row, locale) for row, locale in (await self._s.execute(query))]


class SqlConferences(_Repository):

    async def next_number(self, year: int) -> int:
        # Make sure the year's row exists (racing inserts are fine), then let the row lock of
        # the UPDATE (PostgreSQL) or the write lock (SQLite) hand out the numbers one by one.
        insert = pg_insert if self._s.get_bind().dialect.name == "postgresql" else sqlite_insert
        await self._write_now()
        await self._s.execute(
            insert(ReferenceCounterRow).values(year=year, last=0).on_conflict_do_nothing()
        )
        result = await self._s.execute(
            update(ReferenceCounterRow)
            .where(ReferenceCounterRow.year == year)
            .values(last=ReferenceCounterRow.last + 1)
            .returning(ReferenceCounterRow.last)
        )
        return int(result.scalar_one())

    async def add(
        self,
        reference: str,
        applicant: Person,
        applicant_locale: str,
        draft: RequestDraft,
        created_at: datetime,
    ) -> ConferenceRequest:
        await self._write_now()
        await self._s.flush()  # the applicant's row first: rows are flushed in no FK order
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
        self._s.add(row)
        await self._s.flush()  # for the generated id
        return _request(row, applicant.first_name)

    async def get(self, conference_id: ConferenceId) -> ConferenceRequest | None:
        found = (
            await self._s.execute(
                select(ConferenceRow, PersonRow.first_name)
                .join(PersonRow, PersonRow.id == ConferenceRow.applicant_id)
                .where(ConferenceRow.id == conference_id)
            )
        ).first()
        return _request(found[0], found[1]) if found else None


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
        family_languages=_split(row.family_languages),
        coordinator_preference=row.coordinator_preference,
        contact_phone=row.contact_phone,
    )


class SqlConversations(_Repository):
    def __init__(self, session: AsyncSession, write_now: WriteNow) -> None:
        super().__init__(session, write_now)
        self._rows: dict[str, ConversationRow | None] = {}

    async def _load(self, key: str) -> ConversationRow | None:
        if key not in self._rows:
            self._rows[key] = await self._s.get(ConversationRow, key)
        return self._rows[key]

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = await self._load(key)
        if row is None:
            return None, {}
        return row.state, json.loads(row.data or "{}")

    async def _row(self, key: str) -> ConversationRow:
        row = await self._load(key)
        if row is None:
            row = ConversationRow(key=key, state=None, data="{}", updated_at=_now())
            self._s.add(row)
            self._rows[key] = row
        return row

    async def set_state(self, key: str, state: str | None) -> None:
        row = await self._row(key)
        row.state = state
        row.updated_at = _now()

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        row = await self._row(key)
        row.data = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        row.updated_at = _now()


class SqlUpdateLog(_Repository):

    async def seen(self, update_id: int) -> bool:
        return await self._s.get(ProcessedUpdateRow, update_id) is not None

    async def record(self, update_id: int) -> None:
        # Written with the update's other changes at its commit; a concurrent duplicate fails
        # there on the primary key and is rolled back whole.
        self._s.add(ProcessedUpdateRow(update_id=update_id, processed_at=_now()))

    async def claim(self, update_id: int) -> bool:
        if await self.seen(update_id):
            return False
        await self.record(update_id)
        return True


class SqlAudit(_Repository):

    async def record(
        self, actor: PersonId, action: str, conference_id: ConferenceId | None
    ) -> None:
        self._s.add(AuditRow(at=_now(), actor_id=actor, action=action,
                             conference_id=conference_id))
