"""The plan table behind conference/plan.py: agreements kept as JSON in the family's words."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import select, update

from conference.model.ids import ConferenceId
from conference.model.plan import Acceptance, Agreement, FollowUp, Plan, Who
from storage.repositories.base import Repository, dialect_insert, utc_now
from storage.tables import CheckInGivenRow, CheckInRow, FollowUpRow, PlanRow, core_table

FOLLOW_UP = core_table(FollowUpRow)
CHECK_IN_GIVEN = core_table(CheckInGivenRow)


def _who(value: dict[str, Any]) -> Who:
    return Who(value.get("i"), value.get("n", ""))


def _who_json(who: Who) -> dict[str, Any]:
    return {"i": who.invitee_id, "n": who.name}


def _agreements(text: str) -> tuple[Agreement, ...]:
    return tuple(
        Agreement(
            item["id"],
            item["what"],
            tuple(_who(w) for w in item.get("who", [])),
            date.fromisoformat(item["on"]) if item.get("on") else None,
            item.get("when"),
        )
        for item in json.loads(text or "[]")
    )


def _agreements_json(agreements: tuple[Agreement, ...]) -> str:
    return json.dumps(
        [
            {
                "id": a.id,
                "what": a.what,
                "who": [_who_json(w) for w in a.who],
                "on": a.on.isoformat() if a.on else None,
                "when": a.when_text,
            }
            for a in agreements
        ],
        ensure_ascii=False,
    )


class SqlPlans(Repository):
    async def _row(self, conference_id: ConferenceId) -> PlanRow | None:
        return await self._by_key(PlanRow, conference_id)

    async def get(self, conference_id: ConferenceId) -> Plan | None:
        row = await self._row(conference_id)
        if row is None:
            return None
        return Plan(
            ConferenceId(row.conference_id),
            row.question,
            _agreements(row.agreements),
            _who(json.loads(row.monitor)) if row.monitor else None,
            row.next_meeting_at,
            row.acceptor_id,
            Acceptance(row.acceptance) if row.acceptance else None,
            row.acceptance_reason,
            row.version or 0,
            tuple(int(i) for i in (row.follow_up or "").split(",") if i),
        )

    async def save(self, plan: Plan) -> None:
        row = await self._row(plan.conference_id)
        if row is None:
            row = PlanRow(conference_id=plan.conference_id)
            self._s.add(row)
        row.question = plan.question
        row.agreements = _agreements_json(plan.agreements)
        row.monitor = json.dumps(_who_json(plan.monitor)) if plan.monitor else None
        row.next_meeting_at = plan.next_meeting
        row.acceptor_id = plan.acceptor
        row.acceptance = plan.acceptance.value if plan.acceptance else None
        row.acceptance_reason = plan.acceptance_reason
        row.follow_up = ",".join(str(i) for i in plan.follow_up)
        row.version = plan.version
        row.updated_at = utc_now()

    async def record_follow_up(
        self,
        conference_id: ConferenceId,
        agreement_id: int,
        invitee_id: int,
        answer: FollowUp,
        at: datetime,
    ) -> None:
        insert = dialect_insert(self._s)
        statement = insert(FOLLOW_UP).values(
            conference_id=conference_id,
            agreement_id=agreement_id,
            invitee_id=invitee_id,
            answer=answer.value,
            at=at,
        )
        await self._s.execute(
            statement.on_conflict_do_update(
                index_elements=["conference_id", "agreement_id", "invitee_id"],
                set_={"answer": answer.value, "at": at},
            )
        )

    async def comment_follow_up(
        self, conference_id: ConferenceId, agreement_id: int, invitee_id: int, comment: str
    ) -> bool:
        done = await self._s.execute(
            update(FOLLOW_UP)
            .where(
                FOLLOW_UP.c.conference_id == conference_id,
                FOLLOW_UP.c.agreement_id == agreement_id,
                FOLLOW_UP.c.invitee_id == invitee_id,
            )
            .values(comment=comment)
        )
        return bool(getattr(done, "rowcount", 0))

    async def follow_ups(self, conference_id: ConferenceId) -> dict[int, dict[int, FollowUp]]:
        rows = await self._s.execute(
            select(FollowUpRow.agreement_id, FollowUpRow.invitee_id, FollowUpRow.answer).where(
                FollowUpRow.conference_id == conference_id
            )
        )
        answers: dict[int, dict[int, FollowUp]] = {}
        for agreement, invitee, answer in rows:
            answers.setdefault(agreement, {})[invitee] = FollowUp(answer)
        return answers

    async def claim_check_in(self, invitee_id: int) -> bool:
        insert = dialect_insert(self._s)
        done = await self._s.execute(
            insert(CHECK_IN_GIVEN)
            .values(invitee_id=invitee_id)
            .on_conflict_do_nothing(index_elements=["invitee_id"])
        )
        return bool(getattr(done, "rowcount", 0))

    async def has_checked_in(self, invitee_id: int) -> bool:
        found = await self._s.scalar(
            select(CHECK_IN_GIVEN.c.invitee_id).where(CHECK_IN_GIVEN.c.invitee_id == invitee_id)
        )
        return found is not None

    async def record_check_in(
        self, conference_id: ConferenceId, still_used: str, wellbeing: int | None, at: datetime
    ) -> None:
        self._s.add(
            CheckInRow(
                conference_id=conference_id, still_used=still_used, wellbeing=wellbeing, at=at
            )
        )
