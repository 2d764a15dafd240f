"""Polling loses nothing and one slow conversation holds up no other."""

from __future__ import annotations

import asyncio
import gc
import logging
import time

import pytest
from aiogram.types import Update

from emulator import BotApiEmulator
from tests.flows.steps import Running, running_kring, started, unreadable_message


def text_update(update_id: int, user_id: int, text: str) -> Update:
    return Update.model_validate(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 0,
                "text": text,
                "chat": {"id": user_id, "type": "private"},
                "from": {
                    "id": user_id,
                    "is_bot": False,
                    "first_name": "Wim",
                    "language_code": "nl",
                },
            },
        }
    )


async def test_updates_left_in_the_inbox_are_handled_after_a_restart(
    emu: BotApiEmulator, kring: Running
):
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    await kring.kill()
    # Fetched and committed to the inbox, offset confirmed to Telegram, then the crash:
    update = text_update(50_000, wim.id, "/apply")
    async with kring.uow() as uow:
        assert await uow.updates.receive([(50_000, wim.id, update.model_dump_json())]) == [50_000]
        await uow.commit()
    await kring.start()
    await wim.wait_for("Wie doet de aanvraag?")
    assert kring.app is not None
    await kring.app.poller.lanes.drain()
    async with kring.uow() as uow:
        assert await uow.updates.inbox() == []
        assert await uow.updates.seen(50_000)
        # fetched again (Telegram never got the offset): recognised, not handled twice
        assert await uow.updates.receive([(50_000, wim.id, update.model_dump_json())]) == []


async def test_a_slow_conversation_does_not_hold_up_others(emu: BotApiEmulator, kring: Running):
    edith = emu.user("Edith", language_code="nl")
    herman = emu.user("Herman", language_code="nl")
    await edith.send_text("/start")
    await herman.send_text("/start")
    emu.fail_next(1, error_code=429, retry_after=3, chat_id=edith.id, methods=["sendMessage"])
    slow = await edith.send_text("/apply", wait=False)
    await asyncio.sleep(0.3)  # Edith's reply is now waiting out its 429
    began = time.monotonic()
    await herman.send_text("/apply", wait=False)
    await herman.wait_for("Wie doet de aanvraag?")
    assert time.monotonic() - began < 2  # Herman did not wait for Edith's 3 seconds
    await emu.wait_confirmed(slow)
    await edith.wait_for("Wie doet de aanvraag?")


async def test_the_start_turns_the_garbage_collector_on_once_polling(
    emu: BotApiEmulator, migrated_url: str
):
    gc.disable()  # `kring run` builds the bot with it off (bot/__main__.py)
    try:
        async with started(running_kring(emu, migrated_url)) as running:
            assert running.app is not None and running.app.ready.is_set()
            assert gc.isenabled()
    finally:
        gc.enable()


async def test_an_update_that_does_not_parse_is_set_aside_and_the_bot_goes_on(
    emu: BotApiEmulator, kring: Running, caplog: pytest.LogCaptureFixture
):
    """One update aiogram cannot read (here a date that is no date) used to fail the whole
    batch, again after every restart, its content in the log each time."""
    wim = emu.user("Wim", language_code="nl")
    message = unreadable_message(wim, "Mijn adres is Dorpsstraat 1")
    caplog.set_level(logging.INFO)
    bad = emu.enqueue({"message": message})
    await wim.send_text("/start")  # after it, in the same batch or the next
    assert emu.bot().is_confirmed(bad)
    assert wim.last is not None and "Hallo Wim" in wim.last.text
    assert f"update {bad} does not parse: set aside" in caplog.text
    assert "Dorpsstraat" not in caplog.text and "gisteren" not in caplog.text
    assert kring.app is not None
    assert kring.app.metrics.registry.get_sample_value("kring_updates_set_aside_total") == 1
