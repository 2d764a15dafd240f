"""Every night kring forgets what it no longer needs: the texts of messages sent long ago
(privacy) and old update ids; what happened to each message stays."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from conference.model.ids import PersonId
from conference.model.outbox import Batch, Outbound, Text
from emulator import BotApiEmulator
from storage.tables import OutboxBatchRow, OutboxDeliveryRow, OutboxPayloadRow, ProcessedUpdateRow
from tests.flows.steps import Running


async def test_the_nightly_job_forgets_old_texts_and_update_ids(
    emu: BotApiEmulator, kring: Running
):
    assert kring.app is not None
    assert kring.app.jobs.scheduler.get_job("housekeeping") is not None  # planned nightly
    frank = emu.user("Frank", language_code="nl", user_id=501)
    for text in ("/start", "/help", "/help"):
        await frank.send_text(text)
    async with kring.uow() as uow:
        await uow.outbox.enqueue(
            Batch("nudge", None),
            [
                Outbound(
                    PersonId(501),
                    None,
                    (Text("Hallo Frank, de conferentie is zaterdag in De Linde"),),
                )
            ],
            datetime.now(UTC),
        )
        await uow.commit()
    await frank.wait_for("De Linde")
    for _ in range(100):  # the sender finishes a silent batch once its last message is out
        async with kring.uow() as uow:
            if await uow.session.scalar(select(OutboxBatchRow.finished_at)) is not None:
                break
        await asyncio.sleep(0.05)
    assert await kring.app.jobs.housekeeping() == (0, 0)  # everything is recent

    long_ago = datetime.now(UTC) - timedelta(days=40)
    async with kring.uow() as uow:  # forty days pass
        for table, column in (
            (OutboxPayloadRow, "created_at"),
            (OutboxBatchRow, "finished_at"),
            (ProcessedUpdateRow, "processed_at"),
        ):
            await uow.session.execute(update(table).values({column: long_ago}))
        await uow.session.commit()
    assert await kring.app.jobs.housekeeping() == (1, 2)
    async with kring.uow() as uow:
        assert await uow.session.scalar(select(OutboxPayloadRow.body)) == ""
        assert await uow.session.scalar(select(OutboxDeliveryRow.state)) == "sent"
        assert len(list(await uow.session.scalars(select(ProcessedUpdateRow.update_id)))) == 1
    before = len(frank.messages)
    await frank.send_text("/help")  # and the bot goes on as before (update ids included)
    assert len(frank.messages) == before + 1
