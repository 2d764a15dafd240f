"""No personal data in the logs (issue 14 §2): everything kring logs while the worked example
is played, with its error paths (an update that does not parse, Telegram refusing a message,
a person who blocked the bot), is scanned for the people's names, the invitation tokens, the
phone number, the question and what people typed."""

from __future__ import annotations

import logging
import re

import pytest

from emulator import BotApiEmulator
from tests.flows.steps import QUESTION_NL, Running, unreadable_message
from tests.flows.worked_example import play_the_worked_example

NAMES = ("Edith", "Frank", "Sandra", "Wim", "Herman", "Riet", "Ayse", "Marieke", "Bos", "Kees")
TYPED = ("Meester Kees", "via school", "Buurthuis De Linde", "Johan's teacher", "Zeist")


async def test_nothing_personal_is_logged_while_the_worked_example_is_played(
    emu: BotApiEmulator, kring: Running, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.DEBUG, logger="bot")
    caplog.set_level(logging.DEBUG, logger="dialogs")
    caplog.set_level(logging.DEBUG, logger="conference")
    caplog.set_level(logging.DEBUG, logger="storage")
    caplog.set_level(logging.INFO)
    await play_the_worked_example(emu, kring)
    wim = emu.user("Wim", language_code="en")
    emu.enqueue({"message": unreadable_message(wim, "Wim woont aan de Dorpsstraat 1")})
    emu.fail_next(1, error_code=400, description="Bad Request: chat not found")
    await wim.send_text("/start")
    ours = [
        r
        for r in caplog.records
        if not r.name.startswith("emulator") and not r.name.startswith("aiohttp.access")
    ]
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours)
    assert ours
    found = [n for n in NAMES + TYPED + ("Dorpsstraat", QUESTION_NL[:20]) if n in text]
    assert found == [], found
    assert not re.search(r"/start [A-Za-z0-9_-]{20,}", text)  # no invitation token
    assert not re.search(r"\+?31 ?6|06[- ]?\d{8}", text)  # no phone number
