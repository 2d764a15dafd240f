"""The family's circle: the invitees of a conference and the people they suggest
(InviteeRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update

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
from storage.repositories.base import Repository, split_codes
from storage.tables import InviteeRow, PersonRow, SuggestionRow


class SqlInvitees(Repository):
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
        return invitee_from_row(row, None)

    def _select(self) -> Any:
        # whether the bound person can still be reached (they may have blocked the bot)
        return select(InviteeRow, PersonRow.reachable).outerjoin(
            PersonRow, PersonRow.id == InviteeRow.person_id
        )

    async def _one(self, *where: Any) -> tuple[Invitee, datetime] | None:
        found = (await self._s.execute(self._select().where(*where))).first()
        return (invitee_from_row(found[0], found[1]), found[0].token_expires_at) if found else None

    async def get(self, invitee_id: int) -> Invitee | None:
        found = await self._one(InviteeRow.id == invitee_id)
        return found[0] if found else None

    async def by_token(self, token_hash: str) -> tuple[Invitee, datetime] | None:
        return await self._one(InviteeRow.token_hash == token_hash)

    async def of_conference(self, conference_id: ConferenceId) -> Sequence[Invitee]:
        rows = await self._s.execute(
            self._select().where(InviteeRow.conference_id == conference_id).order_by(InviteeRow.id)
        )
        return [invitee_from_row(row, reachable) for row, reachable in rows]

    async def of_person(self, person: PersonId) -> Sequence[Invitee]:
        rows = await self._s.execute(
            self._select().where(InviteeRow.person_id == person).order_by(InviteeRow.id)
        )
        return [invitee_from_row(row, reachable) for row, reachable in rows]

    async def bind(self, invitee_id: int, person: PersonId, at: datetime) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.person_id = person
        row.opened_at = row.opened_at or at
        return invitee_from_row(row, True)  # they are writing to us right now

    async def tell_second_phone(
        self, invitee_id: int, told_before: datetime, at: datetime
    ) -> bool:
        """Note that the coordinator is told now, unless they were told after `told_before`;
        True if they are to be told. One statement, so two instances never both tell."""
        told = await self._s.scalar(
            update(InviteeRow)
            .where(
                InviteeRow.id == invitee_id,
                or_(
                    InviteeRow.second_phone_told_at.is_(None),
                    InviteeRow.second_phone_told_at <= told_before,
                ),
            )
            .values(second_phone_told_at=at)
            .returning(InviteeRow.id)
        )
        return told is not None

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
        return invitee_from_row(row, True)

    async def set_food(self, invitee_id: int, food: Food) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.food_consent = food.consent
        row.diet = food.diet.value if food.diet else None
        row.allergens = ",".join(sorted(a.value for a in food.allergens))
        return invitee_from_row(row, True)

    async def new_token(self, invitee_id: int, token_hash: str, expires_at: datetime) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.token_hash, row.token_expires_at = token_hash, expires_at
        row.person_id, row.opened_at = None, None
        return invitee_from_row(row, True)

    async def set_rsvp(self, invitee_id: int, rsvp: Rsvp, reason: NoReason | None) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.rsvp = rsvp.value
        row.no_reason = reason.value if reason else None
        if rsvp is not Rsvp.NO:
            row.no_reason_text = None
        return invitee_from_row(row, True)

    async def set_locale(self, invitee_id: int, locale: str) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.locale = locale
        return invitee_from_row(row, True)

    async def set_no_reason_text(self, invitee_id: int, text: str) -> Invitee:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.no_reason_text = text
        return invitee_from_row(row, True)

    async def count_nudge(self, invitee_id: int) -> None:
        row = await self._s.get(InviteeRow, invitee_id)
        assert row is not None
        row.nudges = (row.nudges or 0) + 1


def invitee_from_row(row: InviteeRow, reachable: bool | None) -> Invitee:
    """`reachable`: whether the bound person can still be reached (None: nobody bound)."""
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
            frozenset(Allergen(a) for a in split_codes(row.allergens or "")),
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
