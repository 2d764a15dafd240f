"""One clock everywhere: with KRING_CLOCK set, a request is received, and days pass, by the
app's clock, as the reminders and the overdue flags count them."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import TravellingClock
from emulator import BotApiEmulator
from tests.flows.steps import Running, fill_in_info_talk, ready_manager, running_kring, started

START = datetime(2027, 3, 1, 9, 0, tzinfo=ZoneInfo("Europe/Amsterdam"))


@pytest.fixture
async def shifted(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    async with started(running_kring(emu, migrated_url, clock=START.isoformat())) as running:
        yield running


async def test_received_and_days_ago_follow_the_apps_clock(emu: BotApiEmulator, shifted: Running):
    manager = await ready_manager(emu, shifted)
    edith = emu.user("Edith", language_code="nl")
    await fill_in_info_talk(edith)
    await edith.press("✅ Versturen")
    notice = await manager.wait_for("Ontvangen:")
    assert "1 mrt 2027" in notice.text and "EK-2027-" in notice.text
    assert shifted.app is not None and isinstance(shifted.app.clock, TravellingClock)
    shifted.app.clock.advance(timedelta(days=3))
    await manager.send_text("/requests")
    assert "3 dagen geleden" in manager.last.buttons[0][0]
    await manager.press("EK-", contains=True)
    assert "Ontvangen: 1 mrt 2027, 09:00 (3 dagen geleden)" in manager.last.text
