"""What an update enqueues: the outbox as the use cases see it (OutboxRepository).

`enqueue` writes inside an update's unit of work: its messages are sent once that commits (by
the sender, through storage/repositories/outbox_sending.py). A batch's report and the messages
whose fate is unknown are read here too, for the coordinator."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conference.model.ids import ConferenceId
from conference.model.outbox import Batch, BatchReport, DeliveryState, Outbound, Unconfirmed
from storage.repositories.base import Repository, dialect_insert, utc_now
from storage.repositories.outbox_payloads import FORGOTTEN, encode_parts
from storage.repositories.outbox_sending import delivery_counts
from storage.tables import (
    InviteeRow,
    OutboxBatchRow,
    OutboxDeliveryRow,
    OutboxPayloadRow,
    PersonRow,
    core_table,
)

BATCH = core_table(OutboxBatchRow)
DELIVERY = core_table(OutboxDeliveryRow)
PAYLOAD = core_table(OutboxPayloadRow)
INVITEE = core_table(InviteeRow)
PERSON = core_table(PersonRow)


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


class SqlOutboxQueue(Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # what this transaction knows of keyed batches: key -> batch id (None: no such batch),
        # and batch id -> the persons it has
        self._keys: dict[str, int | None] = {}
        self._planned: dict[int, set[int]] = {}
        self._last_batch = 0  # the highest batch id this transaction knows of
        self._new: dict[int, dict[str, Any]] = {}  # batches this transaction added

    async def enqueue(self, batch: Batch, messages: Sequence[Outbound], at: datetime) -> int:
        return (await self.enqueue_many([(batch, messages)], at))[0]

    async def enqueue_many(
        self, batches: Sequence[tuple[Batch, Sequence[Outbound]]], at: datetime
    ) -> list[int]:
        """Several batches in a few statements (a wave of reminders); returns their ids."""
        await self._look_up([batch.key for batch, _ in batches if batch.key is not None])
        ids: list[int] = []
        new_batches: list[dict[str, Any]] = []
        reopened: dict[int, Batch] = {}
        payloads: dict[str, str] = {}
        deliveries: list[dict[str, Any]] = []
        for batch, messages in batches:
            batch_id = self._keys.get(batch.key) if batch.key is not None else None
            if batch_id is None:
                batch_id = await self._new_batch(batch, at)
                new_batches.append(self._new[batch_id])
            ids.append(batch_id)
            planned = self._planned[batch_id]
            for message in messages:
                if message.person_id in planned:
                    continue
                planned.add(message.person_id)
                body = encode_parts(message.parts)
                digest = hashlib.sha256(body.encode()).hexdigest()
                payloads.setdefault(digest, body)
                deliveries.append(
                    {
                        "batch_id": batch_id,
                        "person_id": message.person_id,
                        "invitee_id": message.invitee_id,
                        "payload": digest,
                        "state": DeliveryState.PENDING.value,
                        "parts_done": 0,
                        "message_ids": "",
                    }
                )
                if batch_id not in self._new:  # new people: a new report follows
                    reopened[batch_id] = batch
        if payloads:
            insert_ = dialect_insert(self._s)(PAYLOAD)
            await self._s.execute(
                insert_.on_conflict_do_update(
                    index_elements=["digest"],
                    where=PAYLOAD.c.body == FORGOTTEN,
                    set_={
                        "body": insert_.excluded.body,
                        "created_at": insert_.excluded.created_at,
                    },
                ),
                [
                    {"digest": digest, "body": body, "created_at": utc_now()}
                    for digest, body in payloads.items()
                ],
            )
        if new_batches:
            await self._s.execute(BATCH.insert(), new_batches)
        for batch_id, batch in reopened.items():
            await self._s.execute(
                update(BATCH)
                .where(BATCH.c.id == batch_id)
                .values(
                    finished_at=None,
                    progress_message_id=None,
                    skipped=batch.skipped,
                    unreachable=batch.unreachable,
                )
            )
        if deliveries:
            await self._s.execute(
                dialect_insert(self._s)(DELIVERY).on_conflict_do_nothing(), deliveries
            )
        return ids

    async def _look_up(self, keys: Sequence[str]) -> None:
        """The batches these keys name, if any, in one query (per 900 keys)."""
        wanted = [key for key in dict.fromkeys(keys) if key not in self._keys]
        for start in range(0, len(wanted), 900):
            chunk = wanted[start : start + 900]
            found = dict(
                (
                    await self._s.execute(
                        select(BATCH.c.key, BATCH.c.id).where(BATCH.c.key.in_(chunk))
                    )
                ).all()
            )
            for key in chunk:
                self._keys[key] = await self._known(int(found[key])) if key in found else None

    async def _known(self, batch_id: int) -> int:
        persons = await self._s.scalars(
            select(DELIVERY.c.person_id).where(DELIVERY.c.batch_id == batch_id)
        )
        self._planned[batch_id] = {int(p) for p in persons}
        return batch_id

    async def _new_batch(self, batch: Batch, at: datetime) -> int:
        # Rising in the order of enqueueing. PostgreSQL (where several instances may enqueue at
        # once): its sequence. SQLite (one writer at a time): microseconds since 1970, or one
        # more than the highest id so far.
        if self._s.get_bind().dialect.name == "postgresql":
            next_id = await self._s.scalar(select(func.nextval("outbox_batch_id")))
            if next_id is None:  # pragma: no cover - a sequence always answers
                raise RuntimeError("the outbox batch sequence gave no id")
            batch_id = int(next_id)
        else:
            if not self._last_batch:
                self._last_batch = int(await self._s.scalar(select(func.max(BATCH.c.id))) or 0)
            batch_id = self._last_batch = max(self._last_batch + 1, time.time_ns() // 1000)
        self._new[batch_id] = {
            "id": batch_id,
            "key": batch.key,
            "conference_id": batch.conference_id,
            "kind": batch.kind,
            "created_by": batch.created_by,
            "report_chat": batch.report_chat,
            "report_locale": batch.report_locale,
            "skipped": batch.skipped,
            "unreachable": batch.unreachable,
            "progress_message_id": None,
            "created_at": at,
            "finished_at": None,
        }
        self._planned[batch_id] = set()
        if batch.key is not None:
            self._keys[batch.key] = batch_id
        return batch_id

    async def report(self, batch_id: int) -> BatchReport | None:
        row = (
            await self._s.execute(
                select(BATCH.c.skipped, BATCH.c.unreachable).where(BATCH.c.id == batch_id)
            )
        ).first()
        if row is None:
            return None
        return BatchReport.from_counts(
            (await delivery_counts(self._s, [batch_id])).get(batch_id, {}),
            int(row.skipped),
            int(row.unreachable),
        )

    async def unconfirmed(self, conference_id: ConferenceId, limit: int = 5) -> list[Unconfirmed]:
        """The conference's messages in silent batches (reminders, nudges: no report chat)
        that ended UNKNOWN, newest first, at most `limit` (and one more, to say there are)."""
        query = (
            select(BATCH.c.kind, BATCH.c.created_at, INVITEE.c.name, PERSON.c.first_name)
            .select_from(
                DELIVERY.join(BATCH, BATCH.c.id == DELIVERY.c.batch_id)
                .outerjoin(INVITEE, INVITEE.c.id == DELIVERY.c.invitee_id)
                .outerjoin(PERSON, PERSON.c.id == DELIVERY.c.person_id)
            )
            .where(
                BATCH.c.conference_id == conference_id,
                BATCH.c.report_chat.is_(None),
                DELIVERY.c.state == DeliveryState.UNKNOWN.value,
                DELIVERY.c.acknowledged_at.is_(None),
            )
            .order_by(BATCH.c.created_at.desc(), BATCH.c.id.desc(), DELIVERY.c.person_id)
            .limit(limit + 1)
        )
        return [
            Unconfirmed(row.kind, row.name or row.first_name or "", _utc(row.created_at))
            for row in await self._s.execute(query)
        ]

    async def acknowledge_unconfirmed(self, conference_id: ConferenceId, at: datetime) -> int:
        silent = select(BATCH.c.id).where(
            BATCH.c.conference_id == conference_id, BATCH.c.report_chat.is_(None)
        )
        result = await self._s.execute(
            update(DELIVERY)
            .where(
                DELIVERY.c.batch_id.in_(silent),
                DELIVERY.c.state == DeliveryState.UNKNOWN.value,
                DELIVERY.c.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=at)
        )
        return int(getattr(result, "rowcount", 0) or 0)
