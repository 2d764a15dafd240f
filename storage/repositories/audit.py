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

    async def count_recent(
        self, action_prefix: str, within: timedelta, actor: PersonId | None = None
    ) -> int:
        """How often the action was recorded of late: by this account, or by all (None)."""
        query = select(func.count()).where(
            AuditRow.at >= utc_now() - within,
            AuditRow.action.startswith(action_prefix, autoescape=True),
        )
        if actor is not None:
            query = query.where(AuditRow.actor_id == actor)
        return int(await self._s.scalar(query) or 0)
