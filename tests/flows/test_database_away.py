"""Nothing confirmed that is not stored (issue 14 §1): when the database cannot take an update,
kring does not say "saved", does not give the update up, and does not let the person's later
updates overtake it. It tries again until the database is back, tells the person once that
their answer is not stored yet, and then answers as if nothing had happened."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import insert

from bot.processing import TELL_AFTER
from emulator import BotApiEmulator
from storage.db import create_engine
from storage.tables import ProcessedUpdateRow
from tests.flows.steps import Running
from tests.postgres import cut_the_waiting_connection


async def test_an_answer_the_database_could_not_take_is_stored_when_it_is_back(
    emu: BotApiEmulator, kring: Running, caplog: pytest.LogCaptureFixture
):
    url = kring.settings.database_url
    if url.startswith("sqlite"):
        pytest.skip("connections are cut on PostgreSQL")
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    await wim.press("Een conferentie aanvragen")
    await wim.press("Familie of vriend(in)")
    engine = create_engine(url)
    admin_engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as holder, admin_engine.connect() as admin:
            # the update's claim waits on our uncommitted row with its id; we cut it meanwhile
            coming = emu.bot().last_update_id + 1
            await holder.execute(
                insert(ProcessedUpdateRow).values(update_id=coming, processed_at=datetime.now(UTC))
            )
            await wim.send_text("Johan", wait=False)
            for _ in range(TELL_AFTER):
                await cut_the_waiting_connection(admin)
            note = await wim.wait_for("nog niet opgeslagen")
            assert "bewaard" in note.text
            await holder.rollback()  # the database is back
        question = await wim.wait_for("Johan")
        await emu.wait_idle(0.3)
    finally:
        await engine.dispose()
        await admin_engine.dispose()
    assert "Hoe oud" in question.text
    texts = [m.text or "" for m in wim.messages]
    assert sum("Johan" in t for t in texts) == 1  # stored and answered once
    assert not any("niet opgeslagen:" in t for t in texts)  # never told it was lost
    async with kring.uow() as uow:
        assert await uow.updates.seen(coming)
    assert "not stored" in caplog.text and "Johan" not in caplog.text  # ids, never what was typed
