"""The outbox and its one sender against the emulator, with Telegram's limits switched on."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.config import LOCALES_DIR
from bot.i18n import CatalogI18n
from bot.outbox.report_texts import report_text
from bot.outbox.sender import OutboxSender, outbox_bot
from bot.pace import is_message_method
from conference.model.ids import PersonId
from conference.model.outbox import (
    Batch,
    BatchReport,
    DeliveryState,
    Document,
    Outbound,
    Outcome,
    Part,
    Text,
    Venue,
)
from emulator import BotApiEmulator, Person
from emulator.server import Call
from storage.db import create_engine, session_factory
from storage.tables import OutboxDeliveryRow
from storage.uow import SqlUnitOfWork
from tests.flows.steps import TOKEN, Running, running_kring, started

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
RATE = 20


def notice(name: str) -> tuple[Part, ...]:
    """The fixed-meeting notice: text with buttons, the venue, the calendar file."""
    return (
        Text(
            f"Beste {name}, de conferentie is op 3 juli om 10:00.",
            ((("Ik kom", "rsvp:yes"), ("Ik kom niet", "rsvp:no")),),
            protect_content=True,
        ),
        Venue(52.09, 5.12, "Buurthuis De Kring", "Dorpsstraat 1, Zeist"),
        Document("conferentie.ics", b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n", "Zet in je agenda"),
    )


async def people(emu: BotApiEmulator, sessions, names: list[str]) -> list[Person]:
    """Participants who opened the bot once (Telegram requires that), known to kring."""
    persons = [emu.user(name, language_code="nl") for name in names]
    async with SqlUnitOfWork(sessions) as uow:
        for person in persons:
            person.chat.started = True
            await uow.persons.upsert(PersonId(person.id), person.first_name, "nl")
        await uow.commit()
    return persons


async def finished(sessions, batch_id: int, timeout: float = 20) -> BatchReport:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        async with SqlUnitOfWork(sessions) as uow:
            still_open = {b.id for b in await uow.outbox_sending.open_batches()}
            report = await uow.outbox.report(batch_id)
        if batch_id not in still_open:
            assert report is not None
            return report
        await asyncio.sleep(0.1)
    raise AssertionError(f"batch {batch_id} was not finished within {timeout}s")


async def states(sessions, batch_id: int) -> dict[int, tuple[str, int]]:
    async with SqlUnitOfWork(sessions) as uow:
        rows = await uow.session.execute(
            select(
                OutboxDeliveryRow.person_id, OutboxDeliveryRow.state, OutboxDeliveryRow.parts_done
            ).where(OutboxDeliveryRow.batch_id == batch_id)
        )
        return {int(p): (s, int(d)) for p, s, d in rows}


def sends(emu: BotApiEmulator) -> list[Call]:
    return sorted(
        (c for c in emu.calls if c.token == TOKEN and is_message_method(c.method)),
        key=lambda c: c.timestamp,
    )


def assert_within_limits(calls: list[Call], global_rate: int) -> None:
    """Every attempt counts (refused ones too): never more than the limit in any second, and
    never two in one chat within a second."""
    times = [c.timestamp for c in calls]
    for i, t in enumerate(times):
        in_window = sum(1 for u in times[: i + 1] if u > t - 1.0)
        assert in_window <= global_rate, f"{in_window} requests in the second before {t}"
    by_chat: dict[object, list[float]] = defaultdict(list)
    for call in calls:
        by_chat[call.params.get("chat_id")].append(call.timestamp)
    for chat, moments in by_chat.items():
        gaps = [b - a for a, b in itertools.pairwise(moments)]
        assert all(gap >= 0.98 for gap in gaps), f"chat {chat}: gaps {gaps}"


@pytest.fixture
async def paced(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    """kring as `kring run` builds it, sending at most RATE messages a second."""
    async with started(running_kring(emu, migrated_url, send_rate=RATE)) as running:
        yield running


async def test_a_broadcast_reaches_everyone_once_within_telegrams_limits(
    emu: BotApiEmulator, paced: Running
):
    assert paced.app is not None
    sessions = paced.app.sessions
    paced.app.outbox.progress.every = 1.0  # the batch takes about 3 s: see it count up
    emu.set_limits(per_chat_per_second=1, global_per_second=RATE, retry_after=1)
    sanne, *circle = await people(
        emu,
        sessions,
        [
            "Sanne",
            "Edith",
            "Herman",
            "Wim",
            "Johan",
            "Opa Kees",
            "Oma Riet",
            "Buurvrouw Ans",
            "Tante Els",
            "Oom Piet",
            "Meester Joost",
        ],
    )
    edith, herman, wim, johan, kees, riet, ans, els, piet, joost = circle
    wim.block()  # 403
    emu.fail_next(1, error_code=500, chat_id=herman.id)  # a passing server error
    emu.fail_next(1, error_code=429, retry_after=1, chat_id=kees.id)  # Telegram says: wait
    messages = [Outbound(PersonId(p.id), None, notice(p.first_name)) for p in (edith, herman, ans)]
    messages += [
        Outbound(PersonId(p.id), None, (Text(f"Hallo {p.first_name}!"),))
        for p in (wim, kees, riet, els, piet, joost)
    ]
    messages.append(Outbound(PersonId(johan.id), None, (Text("x" * 5000),)))  # 400: too long

    async with paced.uow() as uow:
        batch = Batch(
            "broadcast",
            PersonId(sanne.id),
            report_chat=PersonId(sanne.id),
            report_locale="nl",
            skipped=2,
        )
        batch_id = await uow.outbox.enqueue(batch, messages, NOW)
        await uow.commit()
    report = await finished(sessions, batch_id)

    assert report == BatchReport(total=10, delivered=8, blocked=1, failed=1, skipped=2)
    for person in (edith, herman, ans):
        # the parts of one notice arrive whole and in the order they were queued
        text, venue, calendar = person.messages
        assert (text.kind, venue.kind, calendar.kind) == ("text", "venue", "document")
        assert text.buttons == [["Ik kom", "Ik kom niet"]] and text.protect_content
        assert calendar.document.filename == "conferentie.ics"
    for person in (kees, riet, els, piet, joost):
        assert person.texts == [f"Hallo {person.first_name}!"]
    assert wim.messages == [] and johan.messages == []

    calls = sends(emu)
    assert_within_limits(calls, RATE)
    assert sum(c.status == 429 for c in calls) <= 2  # the scripted one; no storm
    to = lambda person: [c for c in calls if c.params.get("chat_id") == person.id]  # noqa: E731
    assert [c.status for c in to(herman)][:2] == [500, 200]  # retried
    assert [c.status for c in to(johan)] == [400]  # never retried
    assert [c.status for c in to(wim)] == [403]
    refused, accepted = to(kees)
    assert (refused.status, accepted.status) == (429, 200)
    assert accepted.timestamp - refused.timestamp >= 1.0  # waited retry_after

    rows = await states(sessions, batch_id)
    assert rows[wim.id][0] == DeliveryState.BLOCKED and rows[johan.id][0] == DeliveryState.FAILED
    async with paced.uow() as uow:
        blocked = await uow.persons.get(PersonId(wim.id))
        fine = await uow.persons.get(PersonId(edith.id))
    assert blocked is not None and not blocked.reachable
    assert fine is not None and fine.reachable

    # the coordinator saw one message counting up, which became the report
    (progress,) = sanne.messages
    assert progress.edited
    edits = [c for c in to(sanne) if c.method == "editMessageText"]
    assert all(c.params["message_id"] == progress.message_id for c in edits)
    assert len(edits) >= 2 and edits[0].params["text"].startswith("Versturen: ")
    with paced.app.i18n.context(), paced.app.i18n.use_locale("nl"):
        assert progress.text == report_text(report)
    assert progress.text.startswith("Klaar: 8 van de 12 hebben het bericht ontvangen.")
    assert "1 heeft de bot geblokkeerd" in progress.text and "onzeker" not in progress.text


async def test_twice_the_same_batch_reaches_nobody_twice(emu: BotApiEmulator, paced: Running):
    assert paced.app is not None
    edith, wim = await people(emu, paced.app.sessions, ["Edith", "Wim"])
    batch = Batch("meeting", None, key="meeting:1:v1")
    ids = []
    for _round in range(2):  # a double-tapped "send"
        async with paced.uow() as uow:
            ids.append(
                await uow.outbox.enqueue(
                    batch,
                    [
                        Outbound(PersonId(p.id), None, (Text("De datum staat vast."),))
                        for p in (edith, wim, edith)
                    ],
                    NOW,
                )
            )
            await uow.commit()
    assert ids[0] == ids[1]
    await finished(paced.app.sessions, ids[0])
    (newcomer,) = await people(emu, paced.app.sessions, ["Herman"])
    async with paced.uow() as uow:  # later a newcomer: only they get it
        again = await uow.outbox.enqueue(
            batch,
            [
                Outbound(PersonId(p.id), None, (Text("De datum staat vast."),))
                for p in (edith, wim, newcomer)
            ],
            NOW,
        )
        await uow.commit()
    assert again == ids[0]
    await finished(paced.app.sessions, again)
    assert [len(p.messages) for p in (edith, wim, newcomer)] == [1, 1, 1]


# the sender on its own: crash, restart, clean stop


@pytest.fixture
async def sessions(migrated_url: str):
    engine = create_engine(migrated_url)
    yield session_factory(engine)
    await engine.dispose()


def sender(emu: BotApiEmulator, sessions, rate: float = RATE) -> OutboxSender:
    i18n = CatalogI18n(path=LOCALES_DIR, default_locale="nl")
    return OutboxSender(outbox_bot(TOKEN, emu.base_url), sessions, i18n, rate=rate)


async def send_until_finished(
    emu: BotApiEmulator, sessions, batch_id: int, rate: float = RATE
) -> tuple[BatchReport, OutboxSender]:
    """A sender starts, works until the batch is finished, and stops."""
    running = sender(emu, sessions, rate=rate)
    await running.start()
    try:
        return await finished(sessions, batch_id), running
    finally:
        await running.stop()
        await running.bot.session.close()


async def test_a_crash_loses_only_what_was_tried_and_the_rest_goes_on_once(
    emu: BotApiEmulator, sessions
):
    sanne, *circle = await people(emu, sessions, ["Sanne", "Edith", "Herman", "Wim", "Johan"])
    edith, herman, wim, johan = circle
    parts = (Text("Hallo"), Text("Tot zaterdag"))
    async with SqlUnitOfWork(sessions) as uow:
        batch_id = await uow.outbox.enqueue(
            Batch(
                "broadcast", PersonId(sanne.id), report_chat=PersonId(sanne.id), report_locale="nl"
            ),
            [Outbound(PersonId(p.id), None, parts) for p in circle],
            NOW,
        )
        await uow.commit()
    # a sender took three, then the process died: Edith's was only in hand; Herman's first
    # request may have left (its mark was committed); Wim had the first part (recorded) and
    # was in hand for the second
    async with SqlUnitOfWork(sessions) as uow:
        taken = {c.person_id: c for c in await uow.outbox_sending.claim(3)}
        await uow.commit()
    assert sorted(taken) == sorted(p.id for p in (edith, herman, wim))
    async with SqlUnitOfWork(sessions) as uow:
        await uow.outbox_sending.record(
            [
                Outcome(batch_id, PersonId(herman.id), DeliveryState.SENDING, 0, attempted=True),
                Outcome(batch_id, PersonId(wim.id), DeliveryState.SENDING, 1, (1,)),
            ]
        )
        await uow.commit()

    report, _ = await send_until_finished(emu, sessions, batch_id)
    assert report == BatchReport(total=4, delivered=3, unknown=1)
    assert edith.texts == johan.texts == ["Hallo", "Tot zaterdag"]
    assert herman.messages == []  # maybe it arrived before the crash: never sent again
    assert wim.texts == ["Tot zaterdag"]  # went on at its next part
    assert "1 onzeker" in sanne.last.text  # the report (4 recipients: no progress message)

    second = sender(emu, sessions)  # and again: nothing more goes out
    await second.start()
    await asyncio.sleep(0.5)
    await second.stop()
    await second.bot.session.close()
    assert sum(len(p.messages) for p in circle) == 5 and len(sanne.messages) == 1


async def test_every_request_leaves_only_after_its_attempt_is_recorded(
    emu: BotApiEmulator, sessions
):
    """What the database says at the moment each request reaches Telegram: a crash right then
    would find that part marked as tried (so unknown, never repeated), and the parts before
    it as done."""
    circle = await people(emu, sessions, [f"Neef {i}" for i in range(12)])
    ids = {p.id for p in circle}
    async with SqlUnitOfWork(sessions) as uow:
        batch_id = await uow.outbox.enqueue(
            Batch("nudge", None),
            [Outbound(PersonId(p.id), None, notice(p.first_name)) for p in circle],
            NOW,
        )
        await uow.commit()
    seen: list[tuple[int, str, int, bool]] = []
    dispatch = emu.server.dispatch

    async def watched(
        token: str, method: str, params: dict, files: dict, source: str = "http"
    ) -> tuple[int, dict]:
        chat = int(params.get("chat_id", 0) or 0)
        if chat in ids:
            async with SqlUnitOfWork(sessions) as uow:
                row = (
                    await uow.session.execute(
                        select(
                            OutboxDeliveryRow.state,
                            OutboxDeliveryRow.parts_done,
                            OutboxDeliveryRow.attempted_at,
                        ).where(
                            OutboxDeliveryRow.batch_id == batch_id,
                            OutboxDeliveryRow.person_id == chat,
                        )
                    )
                ).one()
            seen.append((chat, row.state, row.parts_done, row.attempted_at is not None))
        return await dispatch(token, method, params, files, source)

    emu.server.dispatch = watched  # type: ignore[method-assign]
    report, running = await send_until_finished(emu, sessions, batch_id)
    assert report == BatchReport(total=12, delivered=12)
    assert len(seen) == 36
    for person in circle:
        assert [
            (state, done, tried) for chat, state, done, tried in seen if chat == person.id
        ] == [("sending", 0, True), ("sending", 1, True), ("sending", 2, True)]
        assert [m.kind for m in person.messages] == ["text", "venue", "document"]
    assert 1 <= running.stats.marks <= running.stats.marked == 36
    rows = await states(sessions, batch_id)
    assert set(rows.values()) == {("sent", 3)}


async def test_a_clean_stop_hands_back_what_it_did_not_send_and_a_restart_finishes(
    emu: BotApiEmulator, sessions
):
    circle = await people(emu, sessions, [f"Neef {i}" for i in range(8)])
    async with SqlUnitOfWork(sessions) as uow:
        batch_id = await uow.outbox.enqueue(
            Batch("nudge", None),
            [
                Outbound(PersonId(p.id), None, (Text("Kom je ook?"), Text("Laat het even weten.")))
                for p in circle
            ],
            NOW,
        )
        await uow.commit()
    first = sender(emu, sessions, rate=4)  # slow, so the stop comes mid-way
    await first.start()
    await asyncio.sleep(1.2)
    await first.stop()
    await first.bot.session.close()
    rows = await states(sessions, batch_id)
    assert {state for state, _ in rows.values()} <= {"sent", "pending"}
    assert "pending" in {state for state, _ in rows.values()}
    half = [p for p in circle if rows[p.id] == ("pending", 1)]
    assert all(len(p.messages) == 1 for p in half)

    report, _ = await send_until_finished(emu, sessions, batch_id)
    assert report == BatchReport(total=8, delivered=8)
    assert all(p.texts == ["Kom je ook?", "Laat het even weten."] for p in circle)


async def test_two_batches_for_one_person_keep_a_second_apart(emu: BotApiEmulator, sessions):
    emu.set_limits(per_chat_per_second=1, retry_after=1)
    (edith,) = await people(emu, sessions, ["Edith"])
    batch_ids = []
    for kind, text in (("change", "De tijd is veranderd: 10:30."), ("broadcast", "Tot zaterdag!")):
        async with SqlUnitOfWork(sessions) as uow:
            batch_ids.append(
                await uow.outbox.enqueue(
                    Batch(kind, None), [Outbound(PersonId(edith.id), None, (Text(text),))], NOW
                )
            )
            await uow.commit()
    running = sender(emu, sessions)
    await running.start()
    for batch_id in batch_ids:
        await finished(sessions, batch_id)
    await running.stop()
    await running.bot.session.close()
    assert edith.texts == ["De tijd is veranderd: 10:30.", "Tot zaterdag!"]
    calls = sends(emu)
    assert [c.status for c in calls] == [200, 200]
    assert_within_limits(calls, RATE)
