"""`kring serve`: Telegram (the emulator) posts updates to kring's webhook on 127.0.0.1; only
requests with the secret token are taken, and an update is stored before the answer 200."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select, text

from conference.model.ids import PersonId
from conference.model.outbox import Batch, Outbound, Text
from emulator import BotApiEmulator
from storage.db import create_engine
from storage.instance_lock import LeaderLock
from storage.tables import InboxRow, ProcessedUpdateRow
from tests.flows.steps import WEBHOOK_SECRET, Running, serving_kring, started

SECRET = WEBHOOK_SECRET


@pytest.fixture
async def served(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    async with started(serving_kring(emu, migrated_url)) as running:
        yield running


def update_json(update_id: int, user_id: int, text: str) -> dict[str, object]:
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": 0,
            "text": text,
            "chat": {"id": user_id, "type": "private"},
            "from": {"id": user_id, "is_bot": False, "first_name": "Wim", "language_code": "nl"},
        },
    }


def command_json(update_id: int, user_id: int, command: str) -> dict[str, object]:
    update = update_json(update_id, user_id, command)
    message = update["message"]
    assert isinstance(message, dict)
    message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(command)}]
    return update


async def post(
    running: Running, body: dict[str, object], secret: str | None
) -> aiohttp.ClientResponse:
    headers = {"X-Telegram-Bot-Api-Secret-Token": secret} if secret is not None else {}
    assert running.settings.webhook_url is not None
    async with aiohttp.ClientSession() as http:
        async with http.post(running.settings.webhook_url, json=body, headers=headers) as resp:
            await resp.read()
            return resp


async def handled_ids(running: Running) -> list[int]:
    async with running.uow() as uow:
        return list(await uow.session.scalars(select(ProcessedUpdateRow.update_id)))


async def test_a_conversation_runs_over_the_webhook(emu: BotApiEmulator, served: Running):
    config = emu.bot().webhook
    assert config is not None and config.secret_token == SECRET
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    await wim.send_text("/apply")
    await wim.wait_for("Wie doet de aanvraag?")
    assert emu.webhook_deliveries and all(d.status == 200 for d in emu.webhook_deliveries)
    assert len(await handled_ids(served)) == 2
    async with served.uow() as uow:
        assert await uow.updates.inbox() == []  # handled, nothing left to recover


async def test_a_request_without_the_secret_is_refused_and_changes_nothing(served: Running):
    same_length = SECRET[:-1] + ("x" if SECRET[-1] != "x" else "y")
    for secret in (None, "", "wrong-secret-0123456789", SECRET[:-1], same_length):
        resp = await post(served, update_json(70_000, 4242, "/start"), secret)
        assert resp.status == 401
    assert 70_000 not in await handled_ids(served)
    async with served.uow() as uow:
        assert list(await uow.session.scalars(select(InboxRow.update_id))) == []
    assert served.app is not None
    await served.app.poller.lanes.drain()
    assert 70_000 not in await handled_ids(served)


async def test_an_update_that_cannot_be_stored_is_answered_503_and_not_handled(
    served: Running,
):
    async with served.uow() as uow:  # the inbox is gone: storing fails for real
        await uow.session.execute(text("ALTER TABLE inbox RENAME TO inbox_away"))
        await uow.commit()
    resp = await post(served, update_json(70_001, 4243, "/start"), SECRET)
    assert resp.status == 503  # Telegram delivers it again later
    assert served.app is not None
    await served.app.poller.lanes.drain()
    assert 70_001 not in await handled_ids(served)
    async with served.uow() as uow:
        await uow.session.execute(text("ALTER TABLE inbox_away RENAME TO inbox"))
        await uow.commit()
    resp = await post(served, update_json(70_001, 4243, "/start"), SECRET)
    assert resp.status == 200
    await served.app.poller.lanes.drain()
    assert 70_001 in await handled_ids(served)


async def test_health_and_readiness_answer_in_json(served: Running):
    host_port = served.settings.listen
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://{host_port}/healthz") as resp:
            assert resp.status == 200
            assert await resp.json() == {"status": "ok"}
        async with http.get(f"http://{host_port}/readyz") as resp:
            assert resp.status == 200
            body = await resp.json()
    assert body["status"] == "ready"
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["migrations"] == "at head"
    assert body["checks"]["inbox"] == {"waiting": 0, "oldest_s": 0.0}
    assert body["checks"]["outbox"] == {"waiting": 0, "oldest_s": 0.0}


async def test_not_ready_while_nothing_leaves_the_outbox(emu: BotApiEmulator, migrated_url: str):
    """Another instance holds the leader lock and sends nothing: after a quarter of an hour
    with a message waiting, /readyz says so (monitoring pages someone)."""
    lock = LeaderLock(create_engine(migrated_url), migrated_url)
    assert await lock.try_acquire()
    try:
        async with started(serving_kring(emu, migrated_url)) as follower:
            message = Outbound(PersonId(4242), None, (Text("Tot morgen!"),))
            async with follower.uow() as uow:
                await uow.outbox.enqueue(
                    Batch("broadcast", None), [message], datetime.now(UTC) - timedelta(minutes=20)
                )
                await uow.commit()
            async with aiohttp.ClientSession() as http:
                async with http.get(f"http://{follower.settings.listen}/readyz") as resp:
                    assert resp.status == 503
                    body = await resp.json()
            assert body["status"] == "not ready"
            assert body["checks"]["outbox"]["waiting"] == 1
            assert body["checks"]["outbox"]["oldest_s"] >= 1200
    finally:
        await lock.release()
        await lock.engine.dispose()


async def test_metrics_count_what_was_handled_in_prometheus_text(
    emu: BotApiEmulator, served: Running
):
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    await wim.send_text("/apply")
    await wim.wait_for("Wie doet de aanvraag?")
    assert served.app is not None
    await asyncio.wait_for(served.app.leadership.leading.wait(), 10)
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://{served.settings.listen}/metrics") as resp:
            assert resp.status == 200
            assert resp.content_type == "text/plain"
            body = await resp.text()
    samples = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in body.splitlines()
        if line and not line.startswith("#")
    }
    assert samples["kring_updates_handled_total"] == 2
    assert samples["kring_updates_failed_total"] == 0
    assert samples["kring_update_handling_seconds_count"] == 2
    assert samples["kring_inbox_waiting"] == 0
    assert samples["kring_outbox_waiting"] == 0
    assert samples["kring_reminders_overdue"] == 0
    assert samples["kring_reminders_sent_total"] == samples["kring_reminders_late_total"] == 0
    assert samples["kring_leader"] == 1
    assert samples["kring_telegram_429_total"] == 0
    assert "Wim" not in body and SECRET not in body  # ids and counts, never names or secrets


async def test_a_persons_earlier_update_held_elsewhere_is_handled_first(
    emu: BotApiEmulator, served: Running
):
    """Another instance took Wim's /apply in and stopped before handling it; this one gets his
    /start after it: /apply is handled first, then /start, each once."""
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    welcome = wim.texts[-1]
    assert welcome
    earlier = command_json(80_000, wim.id, "/apply")
    async with served.uow() as uow:
        await uow.updates.receive([(80_000, wim.id, json.dumps(earlier))])
        await uow.commit()
    resp = await post(served, command_json(80_001, wim.id, "/start"), SECRET)
    assert resp.status == 200
    assert served.app is not None
    await served.app.poller.lanes.drain()
    texts = wim.texts
    # /apply first (the intake's first question), then /start finds the intake under way;
    # the other way round, /start would have greeted him again before the question
    assert len(texts) == 3, texts
    assert texts[0] == welcome
    assert texts[1] is not None and "Wie doet de aanvraag?" in texts[1]
    assert texts[2] == "Je was nog bezig met een aanvraag. Wat wil je doen?"
    assert {80_000, 80_001} <= set(await handled_ids(served))


async def test_requests_at_once_leave_each_other_the_handled_rows_to_clear(served: Running):
    """Each webhook request clears the inbox rows of updates handled since. On PostgreSQL a
    request that finds rows another one is clearing leaves them to it: before, forty requests
    at once (Telegram's default) queued on the same rows, each waiting for the commit of the
    one before, and deadlocked."""
    if served.settings.database_url.startswith("sqlite"):
        pytest.skip("SQLite takes one writer at a time")
    async with served.uow() as uow:
        await uow.updates.receive([(90_000, 1, "{}"), (90_001, 2, "{}")])
        assert await uow.updates.claim(90_000) and await uow.updates.claim(90_001)
        await uow.commit()
    async with served.uow() as first, served.uow() as second:
        await first.updates.receive([(90_002, 3, "{}")])  # clears both, until its commit
        await asyncio.wait_for(second.updates.receive([(90_003, 4, "{}")]), 5)
        await second.commit()
        await first.commit()
    async with served.uow() as uow:
        assert [update_id for update_id, _ in await uow.updates.inbox()] == [90_002, 90_003]
