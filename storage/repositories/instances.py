"""The `kring serve` instances sharing this database, and the messages a second each sent of
late: what the leader leaves out of its own allowance (bot/presence.py)."""

from __future__ import annotations

from sqlalchemy import delete, func, select

from storage.repositories.base import Repository, dialect_insert
from storage.tables import InstanceRow, core_table


class SqlInstances(Repository):
    async def report(self, instance: str, seen_at: float, send_rate: float) -> None:
        table = core_table(InstanceRow)
        insert = dialect_insert(self._s)(table).values(
            id=instance, seen_at=seen_at, send_rate=send_rate
        )
        await self._s.execute(
            insert.on_conflict_do_update(
                index_elements=[table.c.id],
                set_={"seen_at": insert.excluded.seen_at, "send_rate": insert.excluded.send_rate},
            )
        )

    async def others(self, instance: str, seen_since: float) -> tuple[int, float]:
        """How many other instances reported since `seen_since`, and their send rates' sum."""
        count, rate = (
            await self._s.execute(
                select(func.count(), func.coalesce(func.sum(InstanceRow.send_rate), 0.0)).where(
                    InstanceRow.id != instance, InstanceRow.seen_at >= seen_since
                )
            )
        ).one()
        return int(count), float(rate)

    async def forget(self, instance: str) -> None:
        await self._s.execute(delete(InstanceRow).where(InstanceRow.id == instance))

    async def forget_unseen(self, before: float) -> None:
        """Instances gone without saying so (a crash)."""
        await self._s.execute(delete(InstanceRow).where(InstanceRow.seen_at < before))
