"""What the sender claims and records: the outbox as bot/'s sender sees it.

The sender's methods run in short transactions of their own (the caller commits): the sender
never holds a transaction open while it talks to Telegram. Before each request it records an
attempt mark, so that after a crash a message whose request may have left is never sent again
(`recover`). The batches' reports are counted here too."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from conference.model.ids import WEB_ACCOUNT_IDS, PersonId
from conference.model.outbox import (
    FINAL_STATES,
    BatchReport,
    Claimed,
    DeliveryState,
    OpenBatch,
    Outcome,
)
from storage.repositories.base import Repository, utc_now
from storage.repositories.outbox_payloads import FORGOTTEN, decode_parts
from storage.tables import OutboxBatchRow, OutboxDeliveryRow, OutboxPayloadRow, core_table

BATCH = core_table(OutboxBatchRow)
DELIVERY = core_table(OutboxDeliveryRow)
PAYLOAD = core_table(OutboxPayloadRow)
ERROR_LENGTH = 200
SMALL_BATCH = 50  # pending deliveries: claim() reads such batches together
# `state` as a plain value, not through its index: SQLite (no statistics) would otherwise scan
# every pending delivery by ix_outbox_delivery_state rather than look a few up by key.
PLAIN_STATE = DELIVERY.c.state.concat("")
# one statement for every record the sender writes (before each request: built once)
_RECORD = (
    update(DELIVERY)
    .where(
        DELIVERY.c.batch_id == bindparam("b_batch"), DELIVERY.c.person_id == bindparam("b_person")
    )
    .values(
        state=bindparam("b_state"),
        parts_done=bindparam("b_done"),
        message_ids=bindparam("b_ids"),
        error=bindparam("b_error"),
        sent_at=bindparam("b_at"),
        attempted_at=bindparam("b_tried"),
    )
)
FINAL = tuple(sorted(state.value for state in FINAL_STATES))


def _channel(web: bool) -> Any:
    """The deliveries of one sender: web accounts' (e-mail) or Telegram accounts'. The person
    id through `+ 0`, for the reason of PLAIN_STATE: a range over every id is no index's job."""
    person = DELIVERY.c.person_id + 0
    return person >= WEB_ACCOUNT_IDS.start if web else person < WEB_ACCOUNT_IDS.start


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(i) for i in text.split(",") if i)


async def delivery_counts(
    session: AsyncSession, batch_ids: Sequence[int]
) -> dict[int, dict[DeliveryState, int]]:
    """How many deliveries of each batch are in each state (for the batches' reports)."""
    counts: dict[int, dict[DeliveryState, int]] = {}
    for batch_id, state, count in await session.execute(
        select(DELIVERY.c.batch_id, DELIVERY.c.state, func.count())
        .where(DELIVERY.c.batch_id.in_(batch_ids))
        .group_by(DELIVERY.c.batch_id, DELIVERY.c.state)
    ):
        counts.setdefault(int(batch_id), {})[DeliveryState(state)] = int(count)
    return counts


class SqlOutboxSending(Repository):
    async def recover(self, web: bool = False) -> tuple[int, int]:
        """At start, what a stopped sender held: a delivery only in hand (claimed, its next
        request never marked) goes back to PENDING, at its next part; one whose request may
        have left (the attempt mark, no outcome recorded) becomes UNKNOWN and is never sent
        again. `web`: the e-mail sender's (web accounts), else the Telegram sender's.
        Returns (handed back, unknown)."""
        sending = (DELIVERY.c.state == DeliveryState.SENDING.value) & _channel(web)
        if await self._s.scalar(select(DELIVERY.c.batch_id).where(sending).limit(1)) is None:
            return 0, 0  # read only: nothing to recover takes no write lock
        back = await self._s.execute(
            update(DELIVERY)
            .where(sending, DELIVERY.c.attempted_at.is_(None))
            .values(state=DeliveryState.PENDING.value)
        )
        lost = await self._s.execute(
            update(DELIVERY)
            .where(sending, DELIVERY.c.attempted_at.is_not(None))
            .values(state=DeliveryState.UNKNOWN.value)
        )
        return (int(getattr(back, "rowcount", 0) or 0), int(getattr(lost, "rowcount", 0) or 0))

    async def backlog(self) -> tuple[int, datetime | None]:
        """Deliveries not yet taken by the sender, and when the oldest one's batch was made."""
        waiting, oldest = (
            await self._s.execute(
                select(func.count(), func.min(OutboxBatchRow.created_at))
                .select_from(OutboxDeliveryRow)
                .join(OutboxBatchRow, OutboxBatchRow.id == OutboxDeliveryRow.batch_id)
                .where(OutboxDeliveryRow.state == DeliveryState.PENDING.value)
            )
        ).one()
        return int(waiting), oldest

    async def claim(self, limit: int, web: bool = False) -> list[Claimed]:
        """Take up to `limit` pending deliveries (a fair share from every open batch, oldest
        batch first) and mark them SENDING. A person's delivery waits while an older batch still
        has one pending for them: one person's messages leave in the order they were queued.
        `web`: web accounts' deliveries (the e-mail sender's), else Telegram accounts' only."""
        if limit <= 0:
            return []
        channel = _channel(web)
        pending = (DELIVERY.c.state == DeliveryState.PENDING.value) & channel
        batches = (
            await self._s.execute(
                select(DELIVERY.c.batch_id, func.count())
                .where(pending)
                .group_by(DELIVERY.c.batch_id)
                .order_by(DELIVERY.c.batch_id)
                .limit(limit)
            )
        ).all()
        if not batches:
            return []  # read only: an idle sender takes no write lock
        # the guards on state below make the read-then-write safe
        share = max(1, -(-limit // len(batches)))
        plainly_pending = PLAIN_STATE == DeliveryState.PENDING.value
        older = DELIVERY.alias("older")
        first = ~exists().where(
            older.c.person_id == DELIVERY.c.person_id,
            older.c.state == DeliveryState.PENDING.value,
            older.c.batch_id < DELIVERY.c.batch_id,
        )
        taken = (
            DELIVERY.c.batch_id,
            DELIVERY.c.person_id,
            DELIVERY.c.payload,
            DELIVERY.c.parts_done,
            DELIVERY.c.message_ids,
        )
        rows: list[Any] = []
        # Small batches (many reminders falling due at once are a batch each): their pending
        # rows are read together and taken in one statement. Big ones (a broadcast) one by one,
        # their share picked by the database.
        small = [batch for batch, count in batches if count <= SMALL_BATCH]
        if small:
            chosen = await self._choose(small, share, channel)
            for start in range(0, len(chosen), 400):
                result = await self._s.execute(
                    update(DELIVERY)
                    .where(
                        tuple_(DELIVERY.c.batch_id, DELIVERY.c.person_id).in_(
                            chosen[start : start + 400]
                        ),
                        plainly_pending,
                    )
                    .values(state=DeliveryState.SENDING.value)
                    .returning(*taken)
                )
                rows.extend(result.all())
        for batch_id in (batch for batch, count in batches if count > SMALL_BATCH):
            chosen_query = (
                select(DELIVERY.c.person_id)
                .where(DELIVERY.c.batch_id == batch_id, plainly_pending, channel, first)
                .order_by(DELIVERY.c.person_id)
                .limit(share)
            )
            result = await self._s.execute(
                update(DELIVERY)
                .where(
                    DELIVERY.c.batch_id == batch_id,
                    DELIVERY.c.person_id.in_(chosen_query),
                    plainly_pending,
                )
                .values(state=DeliveryState.SENDING.value)
                .returning(*taken)
            )
            rows.extend(sorted(result.all(), key=lambda row: row.person_id))
        rows.sort(key=lambda row: (row.batch_id, row.person_id))  # in the order chosen
        digests = {row.payload for row in rows}
        texts = dict(
            (
                await self._s.execute(
                    select(PAYLOAD.c.digest, PAYLOAD.c.body).where(PAYLOAD.c.digest.in_(digests))
                )
            ).all()
        )
        if gone := [
            (row.batch_id, row.person_id) for row in rows if texts[row.payload] == FORGOTTEN
        ]:
            # cannot happen on SQLite (one writer); on PostgreSQL only if forget_settled
            # raced a new batch with the same text: never send an empty message
            await self._s.execute(
                update(DELIVERY)
                .where(tuple_(DELIVERY.c.batch_id, DELIVERY.c.person_id).in_(gone))
                .values(state=DeliveryState.FAILED.value, error="its text is no longer kept")
            )
            rows = [row for row in rows if texts[row.payload] != FORGOTTEN]
        bodies = {
            digest: decode_parts(body) for digest, body in texts.items() if body != FORGOTTEN
        }
        return [
            Claimed(
                int(row.batch_id),
                PersonId(int(row.person_id)),
                bodies[row.payload],
                int(row.parts_done),
                _ids(row.message_ids),
            )
            for row in rows
        ]

    async def _choose(
        self, batches: Sequence[int], share: int, channel: Any
    ) -> list[tuple[int, int]]:
        """Up to `share` pending deliveries of each of these (small) batches, lowest person
        first, skipping a person who has one pending in an older batch that is not taken in
        this same claim."""
        pending = PLAIN_STATE == DeliveryState.PENDING.value
        candidates: list[tuple[int, int]] = []
        for start in range(0, len(batches), 400):
            candidates.extend(
                (
                    await self._s.execute(
                        select(DELIVERY.c.batch_id, DELIVERY.c.person_id).where(
                            DELIVERY.c.batch_id.in_(batches[start : start + 400]),
                            pending,
                            channel,
                        )
                    )
                ).all()
            )
        candidates.sort()
        persons = sorted({person for _, person in candidates})
        waiting: dict[int, list[int]] = {}  # person -> their pending batches
        for start in range(0, len(persons), 900):
            for person, batch_id in await self._s.execute(
                select(DELIVERY.c.person_id, DELIVERY.c.batch_id).where(
                    DELIVERY.c.person_id.in_(persons[start : start + 900]), pending
                )
            ):
                waiting.setdefault(int(person), []).append(int(batch_id))
        chosen: list[tuple[int, int]] = []
        taken: set[tuple[int, int]] = set()
        counts: dict[int, int] = {}
        for batch_id, person in candidates:
            if counts.get(batch_id, 0) >= share or any(
                older < batch_id and (older, person) not in taken
                for older in waiting.get(person, ())
            ):
                continue
            counts[batch_id] = counts.get(batch_id, 0) + 1
            taken.add((batch_id, person))
            chosen.append((batch_id, person))
        return chosen

    async def record(self, outcomes: Sequence[Outcome]) -> None:
        """Write the sender's records (attempt marks, progress, outcomes) as they are: each
        says everything about its delivery; give at most one per delivery."""
        if not outcomes:
            return
        now = utc_now()
        await self._s.execute(
            _RECORD,
            [
                {
                    "b_batch": o.batch_id,
                    "b_person": o.person_id,
                    "b_state": o.state.value,
                    "b_done": o.parts_done,
                    "b_ids": ",".join(map(str, o.message_ids))[:200],
                    "b_error": o.error[:ERROR_LENGTH] if o.error else None,
                    "b_at": now if o.state is DeliveryState.SENT else None,
                    "b_tried": now if o.attempted else None,
                }
                for o in outcomes
            ],
        )

    async def forget_settled(self, before: datetime) -> int:
        """Empty the texts of messages settled before `before` (privacy: the rendered
        messages hold names, places and plans that live on in their own tables): every
        delivery of that text final, and every batch it went out in finished before then.
        Who got what kind of message, when, and how it went, stays. Returns how many texts."""
        unsettled = exists().where(
            DELIVERY.c.payload == PAYLOAD.c.digest,
            or_(
                DELIVERY.c.state.not_in(FINAL),
                exists().where(
                    BATCH.c.id == DELIVERY.c.batch_id,
                    or_(BATCH.c.finished_at.is_(None), BATCH.c.finished_at >= before),
                ),
            ),
        )
        where = (PAYLOAD.c.body != FORGOTTEN, PAYLOAD.c.created_at < before, ~unsettled)
        if await self._s.scalar(select(PAYLOAD.c.digest).where(*where).limit(1)) is None:
            return 0  # read only: nothing to forget takes no write lock
        result = await self._s.execute(update(PAYLOAD).where(*where).values(body=FORGOTTEN))
        return int(getattr(result, "rowcount", 0) or 0)

    async def open_batches(self, reported_only: bool = False) -> list[OpenBatch]:
        """Batches whose report is not out yet, oldest first, with their counts (reported_only:
        only those with a report chat; silent ones are finished by `finish_silent`)."""
        query = select(
            BATCH.c.id,
            BATCH.c.kind,
            BATCH.c.report_chat,
            BATCH.c.report_locale,
            BATCH.c.progress_message_id,
            BATCH.c.skipped,
            BATCH.c.unreachable,
        ).where(BATCH.c.finished_at.is_(None))
        if reported_only:
            query = query.where(BATCH.c.report_chat.is_not(None))
        rows = list(await self._s.execute(query.order_by(BATCH.c.created_at, BATCH.c.id)))
        counts = await delivery_counts(self._s, [row.id for row in rows]) if rows else {}
        return [
            OpenBatch(
                int(row.id),
                row.kind,
                PersonId(int(row.report_chat)) if row.report_chat is not None else None,
                row.report_locale,
                int(row.progress_message_id) if row.progress_message_id is not None else None,
                BatchReport.from_counts(
                    counts.get(int(row.id), {}), int(row.skipped), int(row.unreachable)
                ),
            )
            for row in rows
        ]

    async def set_progress_message(self, batch_id: int, message_id: int | None) -> None:
        await self._s.execute(
            update(BATCH).where(BATCH.c.id == batch_id).values(progress_message_id=message_id)
        )

    async def finish(self, batch_id: int, at: datetime) -> None:
        await self._s.execute(update(BATCH).where(BATCH.c.id == batch_id).values(finished_at=at))

    async def finish_silent(self, at: datetime, batch_ids: Collection[int] | None = None) -> int:
        """Silent batches (no report chat) with nothing left to send are finished: those among
        `batch_ids`, or all. Returns how many."""
        unsettled = exists().where(
            DELIVERY.c.batch_id == BATCH.c.id,
            DELIVERY.c.state.in_((DeliveryState.PENDING.value, DeliveryState.SENDING.value)),
        )
        where = [BATCH.c.finished_at.is_(None), BATCH.c.report_chat.is_(None), ~unsettled]
        if batch_ids is not None and not batch_ids:
            return 0
        if (
            batch_ids is None
            and await self._s.scalar(select(BATCH.c.id).where(*where).limit(1)) is None
        ):
            return 0  # read only: an idle sender takes no write lock
        chunks = (
            [None]
            if batch_ids is None
            else [list(batch_ids)[start : start + 900] for start in range(0, len(batch_ids), 900)]
        )
        finished = 0
        for chunk in chunks:
            result = await self._s.execute(
                update(BATCH)
                .where(
                    *where,
                    *([] if chunk is None else [BATCH.c.id.in_(chunk)]),
                )
                .values(finished_at=at)
            )
            finished += int(getattr(result, "rowcount", 0) or 0)
        return finished
