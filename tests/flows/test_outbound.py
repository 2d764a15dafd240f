"""Telegram's limits as the bot meets them: 429 waits, passing errors retry, nothing is lost."""

from __future__ import annotations

from emulator import BotApiEmulator
from tests.flows.steps import Running


async def test_a_429_is_waited_out_and_the_reply_still_arrives(
    emu: BotApiEmulator, kring: Running
):
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/start")
    emu.fail_next(2, error_code=429, retry_after=1, chat_id=edith.id, methods=["sendMessage"])
    await edith.send_text("/apply")
    assert "Wie doet de aanvraag?" in edith.last.text
    refused = [c for c in emu.calls_to("sendMessage") if c.status == 429]
    accepted = [c for c in emu.calls_to("sendMessage", ok=True)]
    assert len(refused) == 2
    assert accepted[-1].timestamp - refused[-1].timestamp >= 0.95  # waited retry_after
    assert sum("Wie doet de aanvraag?" in (m.text or "") for m in edith.messages) == 1


async def test_a_passing_server_error_is_retried(emu: BotApiEmulator, kring: Running):
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/start")
    emu.fail_next(1, error_code=502, chat_id=edith.id, methods=["sendMessage"])
    await edith.send_text("/apply")
    assert "Wie doet de aanvraag?" in edith.last.text


async def test_rate_limits_slow_a_busy_chat_down_without_losing_messages(
    emu: BotApiEmulator, kring: Running
):
    emu.set_limits(per_chat_per_second=1, retry_after=1)
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/apply")
    await edith.press("Familie of vriend(in)")  # answer + edit + new question in one second
    assert "Over wie gaat het?" in edith.last.text
    assert any(c.status == 429 for c in emu.calls)
