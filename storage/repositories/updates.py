"""The updates from Telegram: those handled (so none is handled twice) and those fetched but
not yet handled, the inbox (UpdateLog)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, exists, func, select

from storage.repositories.base import Repository, dialect_insert, utc_now
from storage.tables import InboxRow, ProcessedUpdateRow, core_table

# an inbox row whose update was handled (a look-up by primary key per inbox row)
_handled = exists().where(ProcessedUpdateRow.update_id == InboxRow.update_id)
# those of them that no other transaction is clearing (FOR UPDATE SKIP LOCKED on PostgreSQL;
# SQLite has one writer at a time). Under `kring serve` every webhook request clears them:
# with a plain DELETE, requests at once queued on the same rows, each waiting for the commit
# of the one before, and deadlocked (bench.scale, 40 at once)
_clearable = (
    select(InboxRow.update_id).where(_handled).with_for_update(skip_locked=True).scalar_subquery()
)


class SqlUpdateLog(Repository):
    async def seen(self, update_id: int) -> bool:
        return await self._s.get(ProcessedUpdateRow, update_id) is not None

    async def claim(self, update_id: int) -> bool:
        """Mark the update handled in the current transaction, in one statement; False if it
        was handled before. On PostgreSQL a second instance claiming the same update waits for
        the first one's transaction and then finds it taken."""
        claimed = await self._s.scalar(
            dialect_insert(self._s)(core_table(ProcessedUpdateRow))
            .values(update_id=update_id, processed_at=utc_now())
            .on_conflict_do_nothing()
            .returning(core_table(ProcessedUpdateRow).c.update_id)
        )
        return claimed is not None

    async def take_turn(self, sender: int) -> None:
        """Until this transaction ends, this person's other updates wait (on PostgreSQL, where
        several instances may hold them; on SQLite one process's lanes keep a person in order)."""
        if self._s.get_bind().dialect.name == "postgresql":
            # negative keys: Telegram's user ids are positive, kring's own locks too
            await self._s.execute(select(func.pg_advisory_xact_lock(-sender)))

    async def waiting_before(self, sender: int, update_id: int) -> list[tuple[int, str]]:
        """This person's updates in the inbox, not handled yet, that came before `update_id`."""
        rows = await self._s.execute(
            select(InboxRow.update_id, InboxRow.payload)
            .where(InboxRow.sender == sender, InboxRow.update_id < update_id, ~_handled)
            .order_by(InboxRow.update_id)
        )
        return [(int(earlier), payload) for earlier, payload in rows]

    async def receive(self, batch: Sequence[tuple[int, int | None, str]]) -> list[int]:
        """Put fetched updates (id, sender, JSON) in the inbox; returns the ids still to handle.
        The inbox rows of updates handled since the last batch go (handling only claims)."""
        await self._s.execute(delete(InboxRow).where(InboxRow.update_id.in_(_clearable)))
        ids = [update_id for update_id, _, _ in batch]
        handled = set(
            await self._s.scalars(
                select(ProcessedUpdateRow.update_id).where(ProcessedUpdateRow.update_id.in_(ids))
            )
        )
        fresh = [row for row in batch if row[0] not in handled]
        if fresh:
            now = utc_now()
            await self._s.execute(
                dialect_insert(self._s)(core_table(InboxRow)).on_conflict_do_nothing(),
                [
                    {
                        "update_id": update_id,
                        "sender": sender,
                        "payload": payload,
                        "received_at": now,
                    }
                    for update_id, sender, payload in fresh
                ],
            )
        return [update_id for update_id, _, _ in fresh]

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

    async def inbox_lag(self) -> tuple[int, datetime | None]:
        """How many fetched updates wait to be handled, and since when the oldest."""
        waiting, oldest = (
            await self._s.execute(
                select(func.count(), func.min(InboxRow.received_at)).where(~_handled)
            )
        ).one()
        return int(waiting), oldest

    async def inbox(self, received_before: datetime | None = None) -> list[tuple[int, str]]:
        """The updates taken in and not handled (those taken in before a moment: strays)."""
        query = select(InboxRow.update_id, InboxRow.payload).where(~_handled)
        if received_before is not None:
            query = query.where(InboxRow.received_at < received_before)
        rows = await self._s.execute(query.order_by(InboxRow.update_id))
        return [(int(update_id), payload) for update_id, payload in rows]
