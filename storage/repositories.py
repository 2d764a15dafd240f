from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar, cast

import orjson
from sqlalchemy import Table, bindparam, delete, func, inspect, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from conference.intake import steps_for
from conference.model.circle import (
    Allergen,
    Diet,
    Food,
    Group,
    Invitee,
    InviteeDraft,
    Needs,
    NoReason,
    Rsvp,
    Suggestion,
)
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Meeting, Proposal, Slot, Venue, Vote
from conference.model.people import Gender, Person, StaffInvite, StaffMember, StaffRole
from conference.model.request import (
    ApplicantRole,
    ConferenceModel,
    ConferenceRequest,
    Field,
    RequestDraft,
    RequestKind,
    Status,
)
from storage.tables import (
    AuditRow,
    ConferenceRow,
    ConversationRow,
    InboxRow,
    InviteeRow,
    PersonRow,
    ProcessedUpdateRow,
    ProposalRow,
    ReferenceCounterRow,
    SlotRow,
    StaffInviteRow,
    StaffRow,
    SuggestionRow,
    VoteRow,
)


def _now() -> datetime:
    return datetime.now(UTC)


R = TypeVar("R")


class _Repository:
    """Reads and writes go through the unit of work's one session. ORM changes are flushed at
    its commit (or where a method needs a generated id); statements run when called."""

    def __init__(self, session: AsyncSession) -> None:
        self._s = session
        # The rows this update has read, held: the session's identity map holds unchanged
        # rows only weakly, so without this every read of the same row (aiogram asks for the
        # conversation state once per router it passes) would go to the database again.
        self._held: dict[tuple[type[Any], Any], Any] = {}

    async def _by_key(self, model: type[R], key: Any) -> R | None:
        """The row with this primary key, also if it was added in this transaction and not
        flushed yet (then it is in the session's `new`, not in its identity map)."""
        for row in self._s.new:
            if isinstance(row, model) and list(
                inspect(row).mapper.primary_key_from_instance(row)
            ) == [key]:
                return row
        held: R | None = self._held.get((model, key))
        if held is None:
            held = await self._s.get(model, key)
            if held is not None:
                self._held[(model, key)] = held
        return held


def _table(model: type[Any]) -> Table:
    """The Core table of a mapped class."""
    return cast(Table, model.__table__)


_STAFF = _table(StaffRow)
_PERSON = _table(PersonRow)
_STAFF_WITH_LOCALE = select(_STAFF, _PERSON.c.locale).outerjoin(
    _PERSON, _PERSON.c.id == _STAFF.c.person_id
)
_STAFF_ONE = _STAFF_WITH_LOCALE.where(_STAFF.c.person_id == bindparam("staff_id"))
_STAFF_ALL = _STAFF_WITH_LOCALE.order_by(_STAFF.c.role, _STAFF.c.name)
_STAFF_OF_ROLE = _STAFF_ALL.where(_STAFF.c.role == bindparam("staff_role"))
_COUNTER = _table(ReferenceCounterRow)
_NEXT_NUMBER = (
    update(_COUNTER)
    .where(_COUNTER.c.year == bindparam("counter_year"))
    .values(last=_COUNTER.c.last + 1)
    .returning(_COUNTER.c.last)
)


def _insert(session: AsyncSession) -> Any:
    """INSERT with the dialect's ON CONFLICT clauses."""
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def _person(row: PersonRow) -> Person:
    return Person(PersonId(row.id), row.first_name, row.locale, row.reachable)


class SqlPersons(_Repository):
    async def get(self, person_id: PersonId) -> Person | None:
        row = await self._by_key(PersonRow, person_id)
        return _person(row) if row is not None else None

    async def upsert(self, person_id: PersonId, first_name: str, locale: str | None) -> Person:
        row = await self._by_key(PersonRow, person_id)
        if row is None:
            row = PersonRow(
                id=person_id,
                first_name=first_name,
                locale=locale,
                reachable=True,
                created_at=_now(),
            )
            self._s.add(row)
        else:
            row.first_name = first_name
            row.locale = row.locale or locale
        return _person(row)

    async def set_locale(self, person_id: PersonId, locale: str) -> None:
        if (row := await self._by_key(PersonRow, person_id)) is not None:
            row.locale = locale

    async def set_reachable(self, person_id: PersonId, reachable: bool) -> None:
        if (row := await self._by_key(PersonRow, person_id)) is not None:
            row.reachable = reachable


def _split(codes: str) -> tuple[str, ...]:
    return tuple(c for c in codes.split(",") if c)


class SqlStaff(_Repository):
    def _member(self, row: Any, locale: str | None) -> StaffMember:
        return StaffMember(
            PersonId(row.person_id),
            StaffRole(row.role),
            row.name,
            _split(row.languages),
            row.region,
            locale,
            Gender(row.gender) if row.gender else None,
        )

    async def add(self, member: StaffMember) -> None:
        row = await self._s.get(StaffRow, member.person_id)
        if row is None:
            row = StaffRow(person_id=member.person_id, created_at=_now())
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
            _split(row.languages),
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


class SqlConferences(_Repository):
    async def next_number(self, year: int) -> int:
        # Make sure the year's row exists (racing inserts are fine), then let the row lock of
        # the UPDATE (PostgreSQL) or the write lock (SQLite) hand out the numbers one by one.
        await self._s.execute(
            _insert(self._s)(_COUNTER).on_conflict_do_nothing(), {"year": year, "last": 0}
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


class SqlInvitees(_Repository):
    async def add(
        self,
        conference_id: ConferenceId,
        draft: InviteeDraft,
        token_hash: str,
        expires_at: datetime,
        now: datetime,
        person: PersonId | None = None,
    ) -> Invitee:
        row = InviteeRow(
            conference_id=conference_id,
            name=draft.name,
            relation=draft.relation,
            grp=draft.group.value,
            locale=draft.locale,
            must_attend=draft.must_attend,
            token_hash=token_hash,
            token_expires_at=expires_at,
            created_at=now,
            person_id=person,
        )
        self._s.add(row)
        await self._s.flush()  # for the id
        return _invitee(row, None)

    def _select(self) -> Any:
        # whether the bound person can still be reached (they may have blocked the bot)
        return select(InviteeRow, PersonRow.reachable).outerjoin(
            PersonRow, PersonRow.id == InviteeRow.person_id
        )

    async def _one(self, *where: Any) -> tuple[Invitee, datetime] | None:
        found = (await self._s.execute(self._select().where(*where))).first()
        return (_invitee(found[0], found[1]), found[0].token_expires_at) if found else None

    async def get(self, invitee_id: int) -> Invitee | None:
        found = await self._one(InviteeRow.id == invitee_id)
        return found[0] if found else None

    async def by_token(self, token_hash: str) -> tuple[Invitee, datetime] | None:
        return await self._one(InviteeRow.token_hash == token_hash)

    async def of_conference(self, conference_id: ConferenceId) -> Sequence[Invitee]:
        rows = await self._s.execute(
            self._select().where(InviteeRow.conference_id == conference_id).order_by(InviteeRow.id)
        )
        return [_invitee(row, reachable) for row, reachable in rows]

    async def of_person(self, person: PersonId) -> Sequence[Invitee]:
        rows = await self._s.execute(
            self._select().where(InviteeRow.person_id == person).order_by(InviteeRow.id)
        )
        return [_invitee(row, reachable) for row, reachable in rows]

    async def bind(self, invitee_id: int, person: PersonId, at: datetime) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.person_id = person
        row.opened_at = row.opened_at or at
        return _invitee(row, True)  # they are writing to us right now

    async def add_suggestion(
        self, by: Invitee, name: str, relation: str, reach: str | None, at: datetime
    ) -> Suggestion:
        row = SuggestionRow(
            conference_id=by.conference_id,
            invitee_id=by.id,
            name=name,
            relation=relation,
            reach=reach,
            status="pending",
            created_at=at,
        )
        self._s.add(row)
        await self._s.flush()
        return Suggestion(row.id, by.conference_id, by.name, name, relation, reach)

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        found = (
            await self._s.execute(
                select(SuggestionRow, InviteeRow.name)
                .join(InviteeRow, InviteeRow.id == SuggestionRow.invitee_id)
                .where(SuggestionRow.id == suggestion_id, SuggestionRow.status == "pending")
            )
        ).first()
        if found is None:
            return None
        row, by = found
        return Suggestion(
            row.id, ConferenceId(row.conference_id), by, row.name, row.relation, row.reach
        )

    async def decide_suggestion(self, suggestion_id: int, accept: bool) -> None:
        row = await self._s.get(SuggestionRow, suggestion_id)
        assert row is not None
        row.status = "accepted" if accept else "declined"

    async def set_needs(self, invitee_id: int, needs: Needs) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.interpreter, row.children = needs.interpreter, needs.children
        row.childcare, row.transport = needs.childcare, needs.transport
        row.accessibility = needs.accessibility
        return _invitee(row, True)

    async def set_food(self, invitee_id: int, food: Food) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.food_consent = food.consent
        row.diet = food.diet.value if food.diet else None
        row.allergens = ",".join(sorted(a.value for a in food.allergens))
        return _invitee(row, True)

    async def new_token(self, invitee_id: int, token_hash: str, expires_at: datetime) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.token_hash, row.token_expires_at = token_hash, expires_at
        row.person_id, row.opened_at = None, None
        return _invitee(row, True)

    async def set_rsvp(self, invitee_id: int, rsvp: Rsvp, reason: NoReason | None) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.rsvp = rsvp.value
        row.no_reason = reason.value if reason else None
        if rsvp is not Rsvp.NO:
            row.no_reason_text = None
        return _invitee(row, True)

    async def set_locale(self, invitee_id: int, locale: str) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.locale = locale
        return _invitee(row, True)

    async def set_no_reason_text(self, invitee_id: int, text: str) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.no_reason_text = text
        return _invitee(row, True)

    async def count_nudge(self, invitee_id: int) -> None:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.nudges = (row.nudges or 0) + 1


class SqlMeetings(_Repository):
    async def slots(self, conference_id: ConferenceId) -> Sequence[Slot]:
        rows = await self._s.scalars(
            select(SlotRow)
            .where(SlotRow.conference_id == conference_id)
            .order_by(SlotRow.starts_at, SlotRow.id)
        )
        return [Slot(row.id, row.starts_at) for row in rows]

    async def add_slots(
        self, conference_id: ConferenceId, starts: Sequence[datetime], at: datetime
    ) -> Sequence[Slot]:
        rows = [SlotRow(conference_id=conference_id, starts_at=s, created_at=at) for s in starts]
        self._s.add_all(rows)
        await self._s.flush()  # for the ids
        return [Slot(row.id, row.starts_at) for row in rows]

    async def slot_conference(self, slot_id: int) -> ConferenceId | None:
        found = await self._s.scalar(select(SlotRow.conference_id).where(SlotRow.id == slot_id))
        return ConferenceId(found) if found is not None else None

    async def ballots(self, conference_id: ConferenceId) -> dict[int, dict[int, Vote]]:
        rows = await self._s.execute(
            select(VoteRow.invitee_id, VoteRow.slot_id, VoteRow.vote)
            .join(SlotRow, SlotRow.id == VoteRow.slot_id)
            .where(SlotRow.conference_id == conference_id)
        )
        ballots: dict[int, dict[int, Vote]] = {}
        for invitee_id, slot_id, choice in rows:
            ballots.setdefault(invitee_id, {})[slot_id] = Vote(choice)
        return ballots

    async def vote(self, invitee_id: int, slot_id: int, vote: Vote, at: datetime) -> None:
        row = await self._s.get(VoteRow, (invitee_id, slot_id))
        if row is None:
            self._s.add(
                VoteRow(invitee_id=invitee_id, slot_id=slot_id, vote=vote.value, updated_at=at)
            )
        else:
            row.vote, row.updated_at = vote.value, at

    async def get(self, conference_id: ConferenceId) -> Meeting:
        row = await self._s.get(ConferenceRow, conference_id)
        assert row is not None
        venue = (
            Venue(row.venue_name, row.venue_address or "", row.venue_latitude, row.venue_longitude)
            if row.venue_name
            else None
        )
        return Meeting(
            conference_id,
            row.meeting_at,
            venue,
            row.meeting_sequence or 0,
            bool(row.meeting_cancelled),
        )

    async def save(self, meeting: Meeting) -> None:
        row = await self._s.get(ConferenceRow, meeting.conference_id)
        assert row is not None
        venue = meeting.venue
        row.meeting_at = meeting.starts_at
        row.venue_name = venue.name if venue else None
        row.venue_address = venue.address if venue else None
        row.venue_latitude = venue.latitude if venue else None
        row.venue_longitude = venue.longitude if venue else None
        row.meeting_sequence, row.meeting_cancelled = meeting.sequence, meeting.cancelled

    async def add_proposal(
        self,
        conference_id: ConferenceId,
        invitee_id: int,
        starts_at: datetime | None,
        place: str | None,
        at: datetime,
    ) -> Proposal:
        row = ProposalRow(
            conference_id=conference_id,
            invitee_id=invitee_id,
            starts_at=starts_at,
            place=place,
            status="pending",
            created_at=at,
        )
        self._s.add(row)
        await self._s.flush()
        found = await self.proposal(row.id)
        assert found is not None
        return found

    def _proposals(self) -> Any:
        return (
            select(ProposalRow, InviteeRow.name)
            .join(InviteeRow, InviteeRow.id == ProposalRow.invitee_id)
            .where(ProposalRow.status == "pending")
        )

    @staticmethod
    def _proposal(row: ProposalRow, by: str) -> Proposal:
        return Proposal(
            row.id, ConferenceId(row.conference_id), row.invitee_id, by, row.starts_at, row.place
        )

    async def proposal(self, proposal_id: int) -> Proposal | None:
        found = (
            await self._s.execute(self._proposals().where(ProposalRow.id == proposal_id))
        ).first()
        return self._proposal(*found) if found else None

    async def proposals(self, conference_id: ConferenceId) -> Sequence[Proposal]:
        rows = await self._s.execute(
            self._proposals()
            .where(ProposalRow.conference_id == conference_id)
            .order_by(ProposalRow.id)
        )
        return [self._proposal(row, by) for row, by in rows]

    async def decide_proposal(self, proposal_id: int, accept: bool) -> None:
        row = await self._s.get(ProposalRow, proposal_id)
        assert row is not None
        row.status = "accepted" if accept else "declined"


def _invitee(row: InviteeRow, reachable: bool | None) -> Invitee:
    return Invitee(
        id=row.id,
        conference_id=ConferenceId(row.conference_id),
        name=row.name,
        relation=row.relation,
        group=Group(row.grp),
        locale=row.locale,
        must_attend=row.must_attend,
        person_id=PersonId(row.person_id) if row.person_id else None,
        rsvp=Rsvp(row.rsvp) if row.rsvp else None,
        opened=row.opened_at is not None,
        no_reason=NoReason(row.no_reason) if row.no_reason else None,
        no_reason_text=row.no_reason_text,
        food=Food(
            bool(row.food_consent),
            Diet(row.diet) if row.diet else None,
            frozenset(Allergen(a) for a in _split(row.allergens or "")),
        ),
        needs=Needs(
            row.interpreter,
            row.children or 0,
            bool(row.childcare),
            bool(row.transport),
            bool(row.accessibility),
        ),
        reachable=reachable is not False,
        nudges=row.nudges or 0,
    )


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
        coordinator_id=PersonId(row.coordinator_id) if row.coordinator_id else None,
        flagged=row.flagged_at is not None,
    )


# orjson writes what json.dumps(ensure_ascii=False, separators=(",", ":")) wrote (keys that
# are not text become text) and, like it, refuses datetimes and dataclasses
_AS_JSON_DID = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
)


class SqlConversations(_Repository):
    """Conversation data is JSON, kept as text and parsed per read (so callers may change
    what they get)."""

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        row = await self._by_key(ConversationRow, key)
        if row is None:
            return None, {}
        return row.state, orjson.loads(row.data or "{}")

    async def set_state(self, key: str, state: str | None) -> None:
        await self._save(key, state=state)

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        await self._save(key, data=orjson.dumps(data, option=_AS_JSON_DID).decode())

    async def _save(self, key: str, **values: Any) -> None:
        row = await self._by_key(ConversationRow, key)
        if row is None:
            row = ConversationRow(key=key, state=None, data="{}")
            self._s.add(row)
        elif all(getattr(row, name) == value for name, value in values.items()):
            return  # nothing changed: nothing to write
        for name, value in values.items():
            setattr(row, name, value)
        row.updated_at = _now()


class SqlUpdateLog(_Repository):
    async def seen(self, update_id: int) -> bool:
        return await self._s.get(ProcessedUpdateRow, update_id) is not None

    async def record(self, update_id: int) -> None:
        # Written with the update's other changes at its commit; a concurrent duplicate fails
        # there on the primary key and is rolled back whole.
        self._s.add(ProcessedUpdateRow(update_id=update_id, processed_at=_now()))
        await self._s.execute(delete(InboxRow).where(InboxRow.update_id == update_id))

    async def claim(self, update_id: int) -> bool:
        if await self.seen(update_id):
            return False
        await self.record(update_id)
        return True

    async def receive(self, batch: Sequence[tuple[int, str]]) -> list[int]:
        """Put fetched updates (id, JSON) in the inbox; returns the ids still to handle."""
        fresh = [
            (update_id, payload) for update_id, payload in batch if not await self.seen(update_id)
        ]
        if fresh:
            now = _now()
            await self._s.execute(
                _insert(self._s)(_table(InboxRow)).on_conflict_do_nothing(),
                [
                    {"update_id": update_id, "payload": payload, "received_at": now}
                    for update_id, payload in fresh
                ],
            )
        return [update_id for update_id, _ in fresh]

    async def forget_before(self, before: datetime) -> int:
        """Forget the ids of updates handled before `before`. Telegram keeps an update for
        24 hours at most, so none of them can come again; the highest stays (it tells the
        next start where polling was)."""
        highest = select(func.max(ProcessedUpdateRow.update_id)).scalar_subquery()
        where = (ProcessedUpdateRow.processed_at < before, ProcessedUpdateRow.update_id < highest)
        if (
            await self._s.scalar(select(ProcessedUpdateRow.update_id).where(*where).limit(1))
            is None
        ):
            return 0
        result = await self._s.execute(delete(ProcessedUpdateRow).where(*where))
        return int(getattr(result, "rowcount", 0) or 0)

    async def inbox(self) -> list[tuple[int, str]]:
        rows = await self._s.execute(
            select(InboxRow.update_id, InboxRow.payload).order_by(InboxRow.update_id)
        )
        return [(int(update_id), payload) for update_id, payload in rows]


class SqlAudit(_Repository):
    async def record(
        self, actor: PersonId, action: str, conference_id: ConferenceId | None
    ) -> None:
        self._s.add(
            AuditRow(at=_now(), actor_id=actor, action=action, conference_id=conference_id)
        )
