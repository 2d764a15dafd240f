"""No personal data in the logs (issue 14 §2): everything kring logs while the worked example
is played, with its error paths (an update that does not parse, Telegram refusing a message,
a person who blocked the bot, Telegram's server errors and "too many requests", a database
connection cut in the middle of an update), is scanned for the people's names, the
invitation tokens, the phone number, the question and what people typed."""

from __future__ import annotations

import logging
import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from bot.processing import TELL_AFTER
from emulator import BotApiEmulator
from storage.db import create_engine
from storage.tables import ProcessedUpdateRow
from tests.flows.steps import QUESTION_NL, Running, unreadable_message
from tests.flows.worked_example import play_the_worked_example
from tests.postgres import cut_the_waiting_connection

NAMES = ("Edith", "Frank", "Sandra", "Wim", "Herman", "Riet", "Ayse", "Marieke", "Bos", "Kees")
TYPED = ("Meester Kees", "via school", "Buurthuis De Linde", "Johan's teacher", "Zeist")


def listen_closely(caplog: pytest.LogCaptureFixture) -> None:
    for logger in ("bot", "dialogs", "conference", "storage"):
        caplog.set_level(logging.DEBUG, logger=logger)
    caplog.set_level(logging.INFO)


def personal_data_in(caplog: pytest.LogCaptureFixture, *typed: str) -> list[str]:
    """What of the people's data kring logged (the emulator's own log left out)."""
    ours = [
        r
        for r in caplog.records
        if not r.name.startswith("emulator") and not r.name.startswith("aiohttp.access")
    ]
    assert ours
    text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in ours)
    found = [n for n in NAMES + TYPED + typed + ("Dorpsstraat", QUESTION_NL[:20]) if n in text]
    if re.search(r"/start [A-Za-z0-9_-]{20,}", text):
        found.append("an invitation token")
    if re.search(r"\+?31 ?6|06[- ]?\d{8}", text):
        found.append("a phone number")
    return found


async def test_nothing_personal_is_logged_while_the_worked_example_is_played(
    emu: BotApiEmulator, kring: Running, caplog: pytest.LogCaptureFixture
):
    listen_closely(caplog)
    await play_the_worked_example(emu, kring)
    wim = emu.user("Wim", language_code="en")
    emu.enqueue({"message": unreadable_message(wim, "Wim woont aan de Dorpsstraat 1")})
    emu.fail_next(1, error_code=400, description="Bad Request: chat not found")
    await wim.send_text("/start")
    assert personal_data_in(caplog) == []


async def test_nothing_personal_is_logged_when_the_database_and_telegram_fail(
    emu: BotApiEmulator, kring: Running, caplog: pytest.LogCaptureFixture
):
    """The worked example while Telegram answers server errors and "too many requests" (kring
    tries again), then Riet applies and her typed answer meets a database connection cut
    under it, again and again, until the database is back: the log tells what went wrong by
    ids and error classes only."""
    url = kring.settings.database_url
    if url.startswith("sqlite"):
        pytest.skip("connections are cut on PostgreSQL")
    listen_closely(caplog)

    async def telegram_fails() -> None:
        emu.fail_next(2, error_code=500, description="Internal Server Error")
        emu.fail_next(1, error_code=429, retry_after=1)

    await play_the_worked_example(emu, kring, midway=telegram_fails)
    riet = emu.user("Riet", language_code="nl")
    await riet.send_text("/start")
    await riet.press("Een conferentie aanvragen")
    await riet.press("Familie of vriend(in)")
    engine = create_engine(url)
    admin_engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as holder, admin_engine.connect() as admin:
            coming = emu.bot().last_update_id + 1  # its claim waits on our row; we cut it
            await holder.execute(
                insert(ProcessedUpdateRow).values(update_id=coming, processed_at=datetime.now(UTC))
            )
            await riet.send_text("Johan Dorpsstraat", wait=False)
            for _ in range(TELL_AFTER):
                await cut_the_waiting_connection(admin)
            await riet.wait_for("nog niet opgeslagen")
            await holder.rollback()  # the database is back
        await riet.wait_for("Johan Dorpsstraat")
        await emu.wait_idle(0.3)
    finally:
        await engine.dispose()
        await admin_engine.dispose()
    assert "not stored" in caplog.text  # the fault was logged
    assert {c.status for c in emu.calls} >= {500, 429}  # and Telegram did fail
    assert personal_data_in(caplog, "Johan") == []
