"""A real headless Chromium per test (Debian's package; skipped where it is not installed)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

from emulator import BotApiEmulator
from tests.flows.steps import TOKEN
from tests.web.browser import chromium_path


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    path = chromium_path()
    if path is None:
        pytest.skip("no chromium here (Debian's package chromium; .ci/run installs it)")
    async with async_playwright() as playwright:
        # --no-sandbox: CI runs as root, where Chromium's sandbox cannot start
        launched = await playwright.chromium.launch(
            executable_path=path, headless=True, args=["--no-sandbox"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    """The Telegram the bot talks to in the web tests (as in tests/flows)."""
    emulator = BotApiEmulator(timeout=15)
    emulator.add_bot(token=TOKEN, username="kring_test_bot", first_name="kring")
    async with emulator:
        yield emulator
    assert emulator.internal_errors == [], "the emulator met a request it could not handle"
