"""The outbox tables behind the repository (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from conference.assignment import assign
from conference.circle import invite, open_invitation
from conference.model.circle import Group, Invitee, InviteeDraft
from conference.model.ids import ConferenceId, PersonId
from conference.model.outbox import (
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
from conference.model.people import StaffMember, StaffRole
from conference.requests import identify, submit_request
from storage.db import create_engine, session_factory
from storage.repositories.outbox_payloads import decode_parts, encode_parts
from storage.tables import OutboxDeliveryRow, OutboxPayloadRow
from storage.uow import SqlUnitOfWork
from tests.unit.examples import complete_info_talk

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


async def conference_with(sessions, *names: str) -> tuple[ConferenceId, list[Invitee]]:
    """A conference of coordinator Ayse with these people invited, each bound to a phone."""
    people = []
    async with SqlUnitOfWork(sessions) as uow:
        await uow.staff.add(StaffMember(PersonId(9001), StaffRole.MANAGER, "Marieke", ("nl",)))
        await uow.staff.add(StaffMember(PersonId(7001), StaffRole.COORDINATOR, "Ayse", ("nl",)))
        await identify(uow, PersonId(8000), "Edith", "nl", ("nl",), "nl")
        request = (
            await submit_request(uow, PersonId(8000), "nl", complete_info_talk(), NOW)
        ).request
        await assign(uow, PersonId(9001), request.id, PersonId(7001), NOW)
        for number, name in enumerate(names):
            _invitee, token = await invite(
                uow,
                PersonId(7001),
                request.id,
                InviteeDraft(name, "familie", Group.FAMILY, "nl", False),
                NOW,
            )
            await identify(uow, PersonId(100 + number), name, "nl", ("nl",), "nl")
            people.append(await open_invitation(uow, PersonId(100 + number), token, NOW))
        await uow.commit()
    return request.id, people


async def count(sessions, model, *where) -> int:
    async with SqlUnitOfWork(sessions) as uow:
        return int(
            await uow.session.scalar(select(func.count()).select_from(model).where(*where)) or 0
        )


def test_every_kind_of_part_survives_the_round_trip():
    parts = (
        Text(
            "<b>Welkom</b>",
            ((("Ja", "rsvp:y"), ("Nee", "rsvp:n")), (("Later", "later"),)),
            protect_content=True,
        ),
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
            await uow.session.execute(
                insert(OutboxDeliveryRow).values(
                    batch_id=first,
                    person_id=11,
                    payload=(await uow.session.scalar(select(OutboxPayloadRow.digest))),
                    state="pending",
                )
            )


async def test_waves_are_taken_fairly_and_recorded_in_one_go(sessions):
    big = await enqueue(sessions, Batch("broadcast", PersonId(1)), to(*range(100, 130)))
    small = await enqueue(sessions, Batch("change", PersonId(1)), to(200, 201))
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox_sending.claim(10)
        await uow.commit()
    assert {c.batch_id for c in wave} == {big, small}  # the small one is not stuck behind
    assert sum(c.batch_id == small for c in wave) == 2 and len(wave) == 7
    async with SqlUnitOfWork(sessions) as uow:
        await uow.outbox_sending.record(
            [
                Outcome(c.batch_id, c.person_id, DeliveryState.SENT, 1, (c.person_id + 5,))
                for c in wave
                if c.batch_id == small
            ]
        )
        await uow.commit()
        # what another wave is still sending is not taken twice
        again = await uow.outbox_sending.claim(100)
        await uow.commit()
    assert not {(c.batch_id, c.person_id) for c in wave} & {
        (c.batch_id, c.person_id) for c in again
    }
    assert len(again) == 25
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.outbox_sending.recover() == (30, 0)  # a restart: never tried, so pending
        await uow.commit()
        assert await uow.outbox.report(big) == BatchReport(total=30, pending=30)
        assert await uow.outbox.report(small) == BatchReport(total=2, delivered=2)
        assert len(await uow.outbox_sending.claim(10)) == 10


async def attempt(sessions, claimed, done: int = 0, ids: tuple[int, ...] = ()) -> None:
    """The sender's mark just before the request for part `done` leaves."""
    async with SqlUnitOfWork(sessions) as uow:
        await uow.outbox_sending.record(
            [
                Outcome(
                    claimed.batch_id,
                    claimed.person_id,
                    DeliveryState.SENDING,
                    done,
                    ids,
                    attempted=True,
                )
            ]
        )
        await uow.commit()


async def test_a_crash_hands_back_what_was_only_in_hand_and_loses_only_what_was_tried(sessions):
    parts = (
        Text("De datum staat vast."),
        Venue(52.09, 5.12, "De Linde", "Dorpsstraat 1"),
        Document("conferentie.ics", b"BEGIN:VCALENDAR"),
    )
    batch_id = await enqueue(
        sessions, Batch("meeting", None, key="meeting:1:v1"), to(11, 12, 13, 14, 15, parts=parts)
    )
    async with SqlUnitOfWork(sessions) as uow:
        wave = {c.person_id: c for c in await uow.outbox_sending.claim(10)}
        await uow.commit()
    assert sorted(wave) == [11, 12, 13, 14, 15]
    # 11: only in hand. 12: its first request may have left. 13: the first part arrived, the
    # second may have left. 14: two parts arrived (recorded), the third never tried. 15: all
    # three arrived and that was recorded.
    await attempt(sessions, wave[12])
    await attempt(sessions, wave[13])
    await attempt(sessions, wave[13], 1, (701,))
    await attempt(sessions, wave[14])
    async with SqlUnitOfWork(sessions) as uow:
        await uow.outbox_sending.record(
            [
                Outcome(batch_id, PersonId(14), DeliveryState.SENDING, 2, (801, 802)),
                Outcome(batch_id, PersonId(15), DeliveryState.SENT, 3, (901, 902, 903)),
            ]
        )
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:  # the process died; the next one starts
        assert await uow.outbox_sending.recover() == (2, 2)
        await uow.commit()
        assert await uow.outbox_sending.recover() == (0, 0)  # nothing left to recover
        assert await uow.outbox.report(batch_id) == BatchReport(
            total=5, delivered=1, unknown=2, pending=2
        )
        again = {c.person_id: c for c in await uow.outbox_sending.claim(10)}
        await uow.commit()
    # the two in hand go on where they were; the two that may have left are never taken again
    assert sorted(again) == [11, 14]
    assert (again[11].parts_done, again[11].message_ids) == (0, ())
    assert (again[14].parts_done, again[14].message_ids) == (2, (801, 802))
    async with SqlUnitOfWork(sessions) as uow:
        rows = {
            row.person_id: row
            for row in await uow.session.execute(
                select(
                    OutboxDeliveryRow.person_id,
                    OutboxDeliveryRow.state,
                    OutboxDeliveryRow.parts_done,
                    OutboxDeliveryRow.message_ids,
                    OutboxDeliveryRow.attempted_at,
                ).where(OutboxDeliveryRow.batch_id == batch_id)
            )
        }
    assert (rows[13].state, rows[13].parts_done, rows[13].message_ids) == ("unknown", 1, "701")
    assert rows[12].attempted_at is not None and rows[11].attempted_at is None
    await attempt(sessions, again[14], 2, (801, 802))
    async with SqlUnitOfWork(sessions) as uow:  # the answer came and was recorded: not lost
        await uow.outbox_sending.record(
            [Outcome(batch_id, PersonId(14), DeliveryState.SENT, 3, (801, 802, 803))]
        )
        await uow.commit()
        assert await uow.outbox_sending.recover() == (1, 0)  # 11, still only in hand
        await uow.commit()
        assert await uow.outbox.report(batch_id) == BatchReport(
            total=5, delivered=2, unknown=2, pending=1
        )


async def test_the_coordinator_learns_which_silent_messages_may_not_have_arrived(sessions):
    conference, (frank, sandra) = await conference_with(sessions, "Frank", "Sandra")
    reminder = await enqueue(
        sessions,
        Batch("reminder", None, conference_id=conference, key="reminder:x"),
        [
            Outbound(PersonId(frank.person_id), frank.id, HELLO),
            Outbound(PersonId(sandra.person_id), sandra.id, HELLO),
        ],
    )
    broadcast = await enqueue(
        sessions,
        Batch("broadcast", PersonId(1), conference_id=conference, report_chat=PersonId(1)),
        [Outbound(PersonId(frank.person_id), frank.id, HELLO)],
    )
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox_sending.claim(10)
        await uow.commit()
    for claimed in wave:
        if claimed.batch_id == broadcast or claimed.person_id == frank.person_id:
            await attempt(sessions, claimed)
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.outbox.unconfirmed(conference) == []
        assert await uow.outbox_sending.recover() == (1, 2)
        await uow.commit()
        found = await uow.outbox.unconfirmed(conference)
    # the broadcast's report chat was told; the silent reminder only shows here
    assert [(u.kind, u.name, u.at) for u in found] == [("reminder", frank.name, NOW)]
    assert reminder != broadcast


async def test_a_delivery_handed_back_goes_on_at_its_next_part(sessions):
    parts = (Text("Een"), Text("Twee"), Text("Drie"))
    batch_id = await enqueue(sessions, Batch("nudge", None), to(11, parts=parts))
    async with SqlUnitOfWork(sessions) as uow:
        (taken,) = await uow.outbox_sending.claim(5)
        await uow.outbox_sending.record(
            [Outcome(batch_id, PersonId(11), DeliveryState.PENDING, 1, (501,))]
        )
        await uow.commit()
        (again,) = await uow.outbox_sending.claim(5)
        await uow.commit()
    assert taken.parts == parts and taken.parts_done == 0
    assert (again.parts_done, again.message_ids) == (1, (501,))


async def test_one_persons_messages_leave_in_the_order_they_were_queued(sessions):
    notice = await enqueue(sessions, Batch("meeting", PersonId(1)), to(*range(100, 110), 500))
    cancel = await enqueue(sessions, Batch("cancel", PersonId(1)), to(500, 501))
    assert cancel > notice
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox_sending.claim(4)  # 2 of each batch: but 500 waits for the notice
        await uow.commit()
        assert [(c.batch_id, c.person_id) for c in wave] == [
            (notice, 100),
            (notice, 101),
            (cancel, 501),
        ]
        rest = await uow.outbox_sending.claim(20)
        await uow.commit()
    # the notice for 500 is taken first, in the same wave: the cancellation follows it
    order = [(c.batch_id, c.person_id) for c in rest]
    assert len(order) == 10
    assert order.index((notice, 500)) < order.index((cancel, 500))


async def test_many_small_batches_are_taken_a_share_each_in_one_go(sessions):
    # a minute in which thousands of reminders fall due: a batch each
    singles = [
        await enqueue(sessions, Batch("reminder", None, key=f"r{i}"), to(1000 + i))
        for i in range(30)
    ]
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox_sending.claim(20)
        await uow.commit()
    assert [c.batch_id for c in wave] == singles[:20]  # the oldest first, one each
    triples = [
        await enqueue(
            sessions, Batch("reminder", None, key=f"t{i}"), to(*range(2000 + 3 * i, 2003 + 3 * i))
        )
        for i in range(5)
    ]
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox_sending.claim(30)
        await uow.commit()
    assert [c.batch_id for c in wave] == singles[20:] + [b for b in triples for _ in (1, 2)]
    assert [c.person_id for c in wave[10:12]] == [2000, 2001]  # the lowest first


async def test_a_silent_batch_finishes_with_its_last_delivery(sessions):
    silent = await enqueue(sessions, Batch("reminder", None, key="r1"), to(11, 12))
    reported = await enqueue(
        sessions, Batch("broadcast", PersonId(1), report_chat=PersonId(1)), to(11)
    )
    empty = await enqueue(sessions, Batch("reminder", None, key="r2"), [])
    async with SqlUnitOfWork(sessions) as uow:
        assert [b.id for b in await uow.outbox_sending.open_batches(reported_only=True)] == [
            reported
        ]
        wave = await uow.outbox_sending.claim(10)
        await uow.commit()
        first, second = (c for c in wave if c.batch_id == silent)
        await uow.outbox_sending.record(
            [Outcome(silent, first.person_id, DeliveryState.SENT, 1, (5,))]
        )
        assert await uow.outbox_sending.finish_silent(NOW, {silent}) == 0  # one still in hand
        await uow.outbox_sending.record(
            [Outcome(silent, second.person_id, DeliveryState.BLOCKED, 0, ())]
        )
        assert await uow.outbox_sending.finish_silent(NOW, {silent, reported}) == 1
        await uow.commit()
        assert await uow.outbox_sending.finish_silent(NOW) == 1  # the empty one, swept up
        await uow.commit()
        assert await uow.outbox_sending.finish_silent(NOW) == 0
        assert [b.id for b in await uow.outbox_sending.open_batches()] == [reported]
    assert empty not in {silent, reported}


async def texts(sessions) -> list[str]:
    async with SqlUnitOfWork(sessions) as uow:
        return list(await uow.session.scalars(select(OutboxPayloadRow.body)))


async def test_the_texts_of_settled_messages_are_forgotten_and_nothing_else(sessions):
    """Privacy: a rendered message (names, places, the plan) is not kept once it is settled
    for KRING_KEEP_SENT_DAYS; what happened to it is. The same text queued again (a newcomer
    to a keyed batch) is stored again, and goes out whole."""
    plan = (Text("Hallo Frank, het plan: opa haalt Johan op woensdag"),)
    done = await enqueue(
        sessions, Batch("plan", PersonId(1), key="plan:1:v1"), to(11, 12, parts=plan)
    )
    await enqueue(sessions, Batch("broadcast", PersonId(1)), to(13, parts=(Text("Nog onderweg"),)))
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox_sending.claim(10)
        await uow.commit()
        await uow.outbox_sending.record(
            [
                Outcome(c.batch_id, c.person_id, DeliveryState.SENT, 1, (5,))
                if c.batch_id == done
                else Outcome(c.batch_id, c.person_id, DeliveryState.PENDING, 0)
                for c in wave
            ]
        )
        await uow.outbox_sending.finish(done, NOW)
        await uow.commit()
    later = max(NOW, datetime.now(UTC)) + timedelta(minutes=1)
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.outbox_sending.forget_settled(NOW - timedelta(days=1)) == 0  # too recent
        assert await uow.outbox_sending.forget_settled(later) == 1
        await uow.commit()
        assert await uow.outbox_sending.forget_settled(later) == 0  # once
    kept = await texts(sessions)
    assert not any("opa haalt Johan" in body for body in kept)
    assert any("Nog onderweg" in body for body in kept)  # still to be sent: kept
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.outbox.report(done) == BatchReport(total=2, delivered=2)
    assert await count(sessions, OutboxDeliveryRow) == 3
    await enqueue(sessions, Batch("plan", PersonId(1), key="plan:1:v1"), to(14, parts=plan))
    async with SqlUnitOfWork(sessions) as uow:
        wave = await uow.outbox_sending.claim(10)
        await uow.commit()
    newcomer = next(c for c in wave if c.person_id == 14)
    assert newcomer.batch_id == done and newcomer.parts == plan


async def test_a_forgotten_text_is_never_sent_empty(sessions):
    """Should forgetting ever race a new batch with the same text (PostgreSQL, two
    transactions), the delivery fails instead of sending nothing."""
    batch = await enqueue(sessions, Batch("broadcast", PersonId(1)), to(11, 12))
    async with SqlUnitOfWork(sessions) as uow:
        await uow.session.execute(OutboxPayloadRow.__table__.update().values(body=""))
        await uow.session.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.outbox_sending.claim(10) == []
        await uow.commit()
        assert await uow.outbox.report(batch) == BatchReport(total=2, failed=2)


async def test_batches_enqueued_at_once_by_several_units_of_work_get_distinct_rising_ids(
    migrated_url: str,
):
    """As several `kring serve` instances would: each enqueues in its own transaction at the
    same moment; no id is taken twice, and later batches get higher ids."""
    engine = create_engine(migrated_url)
    sessions = session_factory(engine)
    try:

        async def enqueue(n: int) -> int:
            async with SqlUnitOfWork(sessions) as uow:
                (batch_id,) = await uow.outbox.enqueue_many(
                    [(Batch("broadcast", None, key=f"same-moment-{n}"), [])], datetime.now(UTC)
                )
                await uow.commit()
                return batch_id

        first = await asyncio.gather(*(enqueue(n) for n in range(8)))
        later = await enqueue(99)
        assert len(set(first)) == 8
        assert later > max(first)
    finally:
        await engine.dispose()
