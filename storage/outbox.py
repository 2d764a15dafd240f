"""The outbox tables behind conference/model/outbox.py.

`enqueue` writes inside an update's unit of work: its messages are sent once that commits. The
sender's methods (`recover`, `claim`, `record`, `open_batches`, ...) run in short transactions
of their own: the sender never holds a transaction open while it talks to Telegram."""

from __future__ import annotations

import base64
import hashlib
import json
import time
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, exists, func, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncSession

from conference.model.ids import ConferenceId, PersonId
from conference.model.outbox import (
    Batch,
    BatchReport,
    Claimed,
    DeliveryState,
    Document,
    OpenBatch,
    Outbound,
    Outcome,
    Part,
    Photo,
    Text,
    Unconfirmed,
    Venue,
)
from storage.repositories import _insert, _now, _Repository, _table
from storage.tables import (
    InviteeRow,
    OutboxBatchRow,
    OutboxDeliveryRow,
    OutboxPayloadRow,
    PersonRow,
)

BATCH = _table(OutboxBatchRow)
DELIVERY = _table(OutboxDeliveryRow)
PAYLOAD = _table(OutboxPayloadRow)
INVITEE = _table(InviteeRow)
PERSON = _table(PersonRow)
ERROR_LENGTH = 200
SMALL_BATCH = 50  # pending deliveries: claim() reads such batches together
# `state` as a plain value, not through its index: SQLite (no statistics) would otherwise scan
# every pending delivery by ix_outbox_delivery_state rather than look a few up by key.
PLAIN_STATE = DELIVERY.c.state.concat("")
# A payload's body once its text is no longer kept (forget_settled); enqueueing the same
# text again restores it.
FORGOTTEN = ""
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
FINAL = tuple(
    state.value
    for state in (
        DeliveryState.SENT,
        DeliveryState.BLOCKED,
        DeliveryState.FAILED,
        DeliveryState.UNKNOWN,
    )
)


def encode_parts(parts: Sequence[Part]) -> str:
    return json.dumps(
        [_encode(part) for part in parts],
        ensure_ascii=False,
        separators=(",", ":"),
        sort_keys=True,
    )


def _encode(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {
            "t": "text",
            "text": part.text,
            "protect": part.protect_content,
            "buttons": [[list(button) for button in row] for row in part.buttons],
        }
    if isinstance(part, Document):
        return {
            "t": "document",
            "filename": part.filename,
            "caption": part.caption,
            "data": base64.b64encode(part.data).decode(),
            "protect": part.protect_content,
        }
    if isinstance(part, Venue):
        return {
            "t": "venue",
            "lat": part.latitude,
            "lon": part.longitude,
            "title": part.title,
            "address": part.address,
            "protect": part.protect_content,
        }
    return {
        "t": "photo",
        "caption": part.caption,
        "data": base64.b64encode(part.data).decode(),
        "protect": part.protect_content,
    }


def decode_parts(body: str) -> tuple[Part, ...]:
    return tuple(_decode(item) for item in json.loads(body))


def _decode(item: dict[str, Any]) -> Part:
    kind, protect = item["t"], bool(item.get("protect"))
    if kind == "text":
        rows = tuple(
            tuple((str(label), str(data)) for label, data in row)
            for row in item.get("buttons", [])
        )
        return Text(item["text"], rows, protect)
    if kind == "document":
        return Document(
            item["filename"], base64.b64decode(item["data"]), item.get("caption"), protect
        )
    if kind == "venue":
        return Venue(
            float(item["lat"]), float(item["lon"]), item["title"], item["address"], protect
        )
    if kind == "photo":
        return Photo(base64.b64decode(item["data"]), item.get("caption"), protect)
    raise ValueError(f"unknown part kind {kind!r}")


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _ids(text: str) -> tuple[int, ...]:
    return tuple(int(i) for i in text.split(",") if i)


class SqlOutbox(_Repository):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        # what this transaction knows of keyed batches: key -> batch id (None: no such batch),
        # and batch id -> the persons it has
        self._keys: dict[str, int | None] = {}
        self._planned: dict[int, set[int]] = {}
        self._last_batch = 0  # the highest batch id this transaction knows of
        self._new: dict[int, dict[str, Any]] = {}  # batches this transaction added

    # the use cases' side

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
            insert_ = _insert(self._s)(PAYLOAD)
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
                    {"digest": digest, "body": body, "created_at": _now()}
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
            await self._s.execute(_insert(self._s)(DELIVERY).on_conflict_do_nothing(), deliveries)
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
        # Rising in the order of enqueueing: microseconds since 1970, or one more than the
        # highest id so far.
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
            (await self._counts([batch_id])).get(batch_id, {}),
            int(row.skipped),
            int(row.unreachable),
        )

    # the sender's side (the caller commits)

    async def recover(self) -> tuple[int, int]:
        """At start, what a stopped sender held: a delivery only in hand (claimed, its next
        request never marked) goes back to PENDING, at its next part; one whose request may
        have left (the attempt mark, no outcome recorded) becomes UNKNOWN and is never sent
        again. Returns (handed back, unknown)."""
        sending = DELIVERY.c.state == DeliveryState.SENDING.value
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

    async def claim(self, limit: int) -> list[Claimed]:
        """Take up to `limit` pending deliveries (a fair share from every open batch, oldest
        batch first) and mark them SENDING. A person's delivery waits while an older batch still
        has one pending for them: one person's messages leave in the order they were queued."""
        if limit <= 0:
            return []
        pending = DELIVERY.c.state == DeliveryState.PENDING.value
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
            chosen = await self._choose(small, share)
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
                .where(DELIVERY.c.batch_id == batch_id, plainly_pending, first)
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

    async def _choose(self, batches: Sequence[int], share: int) -> list[tuple[int, int]]:
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
                            DELIVERY.c.batch_id.in_(batches[start : start + 400]), pending
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
        now = _now()
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
        counts = await self._counts([row.id for row in rows]) if rows else {}
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

    async def _counts(self, batch_ids: Sequence[int]) -> dict[int, dict[DeliveryState, int]]:
        counts: dict[int, dict[DeliveryState, int]] = {}
        for batch_id, state, count in await self._s.execute(
            select(DELIVERY.c.batch_id, DELIVERY.c.state, func.count())
            .where(DELIVERY.c.batch_id.in_(batch_ids))
            .group_by(DELIVERY.c.batch_id, DELIVERY.c.state)
        ):
            counts.setdefault(int(batch_id), {})[DeliveryState(state)] = int(count)
        return counts
