"""The real bot, built by the same factory as `kring run`, talking HTTP to the emulator (the
`emu` fixture is tests/conftest.py's). What tests do with them is in steps.py."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from emulator import BotApiEmulator
from tests.flows.steps import Running, running_kring, started


@pytest.fixture
async def kring(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    async with started(running_kring(emu, migrated_url)) as running:
        yield running
