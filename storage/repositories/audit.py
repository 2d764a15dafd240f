"""Who did what to which conference (AuditLog)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update

from conference.model.ids import ConferenceId, PersonId
from storage.repositories.base import Repository, utc_now
from storage.tables import AuditRow


class SqlAudit(Repository):
    async def record(
        self, actor: PersonId, action: str, conference_id: ConferenceId | None
    ) -> None:
        self._s.add(
            AuditRow(at=utc_now(), actor_id=actor, action=action, conference_id=conference_id)
        )

    async def count_recent(self, action_prefix: str, within: timedelta, actor: PersonId) -> int:
        counted = await self._s.scalar(
            select(func.count()).where(
                AuditRow.actor_id == actor,
                AuditRow.at >= utc_now() - within,
                AuditRow.action.startswith(action_prefix, autoescape=True),
            )
        )
        return int(counted or 0)

    async def pseudonymise(self, actor: PersonId, conference_id: ConferenceId | None) -> PersonId:
        await self.record(actor, "personal_data.pseudonymised", conference_id)
        await self._s.flush()  # for the new row's id
        newest = await self._s.scalar(
            select(func.max(AuditRow.id)).where(AuditRow.actor_id == actor)
        )
        pseudonym = PersonId(-int(newest or 0))
        await self._s.execute(
            update(AuditRow)
            .where(AuditRow.actor_id == actor)
            .values(actor_id=pseudonym)
            .execution_options(synchronize_session=False)
        )
        return pseudonym
