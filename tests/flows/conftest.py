"""The real bot, built by the same factory as `kring run`, talking HTTP to the emulator. The
fixtures live here; what tests do with them is in steps.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator import BotApiEmulator
from tests.flows.steps import TOKEN, Running, running_kring, started


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    emulator = BotApiEmulator(timeout=15)
    emulator.add_bot(token=TOKEN, username="kring_test_bot", first_name="kring")
    async with emulator:
        yield emulator
    assert emulator.internal_errors == [], "the emulator met a request it could not handle"


@pytest.fixture
async def kring(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    async with started(running_kring(emu, migrated_url)) as running:
        yield running
