"""Who did what to which conference (AuditLog)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

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
