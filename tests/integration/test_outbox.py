"""The outbox tables behind the repository (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from conference.model import PersonId
from conference.outbox import (
    Batch,
    BatchReport,
    DeliveryState,
    Document,
    Outbound,
    Outcome,
    Photo,
    Text,
    Venue,
)
from storage.db import create_engine, session_factory
from storage.outbox import decode_parts, encode_parts
from storage.tables import OutboxDeliveryRow, OutboxPayloadRow
from storage.uow import SqlUnitOfWork

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
HELLO = (Text("Hallo allemaal"),)


@pytest.fixture
async def sessions(migrated_url):
    engine = create_engine(migrated_url)
    yield session_factory(engine)
    await engine.dispose()


def to(*people: int, parts=HELLO) -> list[Outbound]:
    return [Outbound(PersonId(p), None, parts) for p in people]


async def enqueue(sessions, batch: Batch, messages: list[Outbound]) -> int:
    async with SqlUnitOfWork(sessions) as uow:
        batch_id = await uow.outbox.enqueue(batch, messages, NOW)
        await uow.commit()
    return batch_id


async def count(sessions, model, *where) -> int:
    async with SqlUnitOfWork(sessions) as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(model).where(*where))
                   or 0)


def test_every_kind_of_part_survives_the_round_trip():
    parts = (
        Text("<b>Welkom</b>", ((("Ja", "rsvp:y"), ("Nee", "rsvp:n")), (("Later", "later"),)),
             protect_content=True),
        Document("plan.ics", b"BEGIN:VCALENDAR\r\n\x00\xff", caption="Agenda"),
        Venue(52.0907, 5.1214, "De Kring", "Dorpsstraat 1, Zeist"),
        Photo(b"\xff\xd8\xff\xe0 jpeg", caption=None, protect_content=True),
    )
    assert decode_parts(encode_parts(parts)) == parts


def test_a_message_has_parts():
    with pytest.raises(ValueError):
        Outbound(PersonId(1), None, ())


async def test_a_batch_commits_with_the_work_or_not_at_all(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        await uow.outbox.enqueue(Batch("broadcast", PersonId(1)), to(11, 12), NOW)
        # no commit: leaving the block rolls back
    assert await count(sessions, OutboxDeliveryRow) == 0
    batch_id = await enqueue(sessions, Batch("broadcast", PersonId(1), skipped=3), to(11, 12))
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.outbox.report(batch_id) == BatchReport(total=2, skipped=3, pending=2)
        assert await uow.outbox.report(batch_id + 1) is None


async def test_nobody_is_in_one_batch_twice(sessions):
    batch = Batch("meeting", None, key="meeting:7:v2")
    first = await enqueue(sessions, batch, to(11, 12, 11))
    second = await enqueue(sessions, batch, to(12, 13))  # a double tap, and a newcomer
    assert first == second
    assert await count(sessions, OutboxDeliveryRow) == 3
    assert await count(sessions, OutboxPayloadRow) == 1  # the same parts are stored once
    other = await enqueue(sessions, Batch("meeting", None, key="meeting:7:v3"), to(11))
    assert other != first
    async with SqlUnitOfWork(sessions) as uow:  # and the database itself refuses it
        with pytest.raises(IntegrityError):
            await uow.session.execute(insert(OutboxDeliveryRow).values(
                batch_id=first, person_id=11, payload=(await uow.session.scalar(
                    select(OutboxPayloadRow.digest))), state="pending"))


async def test_waves_are_taken_fairly_and_recorded_in_one_go(sessions):
    big = await enqueue(sessions, Batch("broadcast", PersonId(1)), to(*range(100, 130)))
    small = await enqueue(sessions, Batch("change", PersonId(1)), to(200, 201))
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox.claim(10)
        await uow.commit()
    assert {c.batch_id for c in wave} == {big, small}  # the small one is not stuck behind
    assert sum(c.batch_id == small for c in wave) == 2 and len(wave) == 7
    async with SqlUnitOfWork(sessions) as uow:
        await uow.outbox.record([
            Outcome(c.batch_id, c.person_id, DeliveryState.SENT, 1, (c.person_id + 5,))
            for c in wave if c.batch_id == small])
        await uow.commit()
        # what another wave is still sending is not taken twice
        again = await uow.outbox.claim(100)
        await uow.commit()
    assert not {(c.batch_id, c.person_id) for c in wave} & {
        (c.batch_id, c.person_id) for c in again}
    assert len(again) == 25
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.outbox.recover() == 30  # a restart: in hand becomes unknown
        await uow.commit()
        assert await uow.outbox.report(big) == BatchReport(total=30, unknown=30)
        assert await uow.outbox.report(small) == BatchReport(total=2, delivered=2)
        assert await uow.outbox.claim(10) == []


async def test_a_delivery_handed_back_goes_on_at_its_next_part(sessions):
    parts = (Text("Een"), Text("Twee"), Text("Drie"))
    batch_id = await enqueue(sessions, Batch("nudge", None), to(11, parts=parts))
    async with SqlUnitOfWork(sessions) as uow:
        taken, = await uow.outbox.claim(5)
        await uow.outbox.record([Outcome(batch_id, PersonId(11), DeliveryState.PENDING, 1,
                                         (501,))])
        await uow.commit()
        again, = await uow.outbox.claim(5)
        await uow.commit()
    assert taken.parts == parts and taken.parts_done == 0
    assert (again.parts_done, again.message_ids) == (1, (501,))


async def test_one_persons_messages_leave_in_the_order_they_were_queued(sessions):
    notice = await enqueue(sessions, Batch("meeting", PersonId(1)), to(*range(100, 110), 500))
    cancel = await enqueue(sessions, Batch("cancel", PersonId(1)), to(500, 501))
    assert cancel > notice
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox.claim(4)  # 2 of each batch: but 500 waits for the notice
        await uow.commit()
        assert [(c.batch_id, c.person_id) for c in wave] == [
            (notice, 100), (notice, 101), (cancel, 501)]
        rest = await uow.outbox.claim(20)
        await uow.commit()
    # the notice for 500 is taken first, in the same wave: the cancellation follows it
    order = [(c.batch_id, c.person_id) for c in rest]
    assert len(order) == 10
    assert order.index((notice, 500)) < order.index((cancel, 500))


async def test_many_small_batches_are_taken_a_share_each_in_one_go(sessions):
    # a minute in which thousands of reminders fall due: a batch each
    singles = [await enqueue(sessions, Batch("reminder", None, key=f"r{i}"), to(1000 + i))
               for i in range(30)]
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox.claim(20)
        await uow.commit()
    assert [c.batch_id for c in wave] == singles[:20]  # the oldest first, one each
    triples = [await enqueue(sessions, Batch("reminder", None, key=f"t{i}"),
                             to(*range(2000 + 3 * i, 2003 + 3 * i))) for i in range(5)]
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox.claim(30)
        await uow.commit()
    assert [c.batch_id for c in wave] == singles[20:] + [b for b in triples for _ in (1, 2)]
    assert [c.person_id for c in wave[10:12]] == [2000, 2001]  # the lowest first


async def test_a_silent_batch_finishes_with_its_last_delivery(sessions):
    silent = await enqueue(sessions, Batch("reminder", None, key="r1"), to(11, 12))
    reported = await enqueue(sessions, Batch("broadcast", PersonId(1),
                                             report_chat=PersonId(1)), to(11))
    empty = await enqueue(sessions, Batch("reminder", None, key="r2"), [])
    async with SqlUnitOfWork(sessions) as uow:
        assert [b.id for b in await uow.outbox.open_batches(reported_only=True)] == [reported]
        wave = await uow.outbox.claim(10)
        await uow.commit()
        first, second = (c for c in wave if c.batch_id == silent)
        await uow.outbox.record([Outcome(silent, first.person_id, DeliveryState.SENT, 1, (5,))])
        assert await uow.outbox.finish_silent(NOW, {silent}) == 0  # one still in hand
        await uow.outbox.record([Outcome(silent, second.person_id, DeliveryState.BLOCKED, 0,
                                         ())])
        assert await uow.outbox.finish_silent(NOW, {silent, reported}) == 1
        await uow.commit()
        assert await uow.outbox.finish_silent(NOW) == 1  # the empty one, swept up
        await uow.commit()
        assert await uow.outbox.finish_silent(NOW) == 0
        assert [b.id for b in await uow.outbox.open_batches()] == [reported]
    assert empty not in {silent, reported}
