"""One `kring run` per database, or any number of `kring serve`, never both: refused at the
start in one line instead of Telegram's 409 over and over."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy import update as sql_update
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import Kring
from emulator import BotApiEmulator
from storage.instance_lock import LEADING, TAKING_UPDATES, AnotherInstance
from storage.tables import InboxRow
from tests.flows.steps import Running, running_kring, serving_kring, started

# an advisory lock of kring's, in this test's database only (pg_locks shows every database's:
# other tests run beside this one, each on a database of its own)
LOCKS = (
    "FROM pg_locks WHERE locktype = 'advisory' AND objid = :low AND classid = :high "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


async def test_a_second_poller_or_a_server_beside_a_poller_is_refused(
    emu: BotApiEmulator, kring: Running
):
    second = await Kring.create(kring.settings)
    try:
        with pytest.raises(AnotherInstance, match="only one `kring run` may poll"):
            await asyncio.wait_for(second.run_polling(), 10)
    finally:
        await second.close()
    server = await Kring.create(serving_kring(emu, kring.settings.database_url).settings)
    try:
        with pytest.raises(AnotherInstance, match="stop it before `kring serve`"):
            await asyncio.wait_for(server.run_webhook(), 10)
    finally:
        await server.close()
    await kring.stop()  # the first one gone, the way is free
    async with started(running_kring(emu, kring.settings.database_url)):
        pass


async def test_servers_share_a_database_but_a_poller_is_refused_beside_them(
    emu: BotApiEmulator, migrated_url: str
):
    async with (
        started(serving_kring(emu, migrated_url)),
        started(serving_kring(emu, migrated_url)),
    ):
        poller = await Kring.create(running_kring(emu, migrated_url).settings)
        try:
            with pytest.raises(AnotherInstance, match="only one `kring run` may poll"):
                await asyncio.wait_for(poller.run_polling(), 10)
        finally:
            await poller.close()
    async with started(running_kring(emu, migrated_url)):  # the servers gone: polling may
        pass


async def test_one_server_leads_and_another_takes_over_when_it_goes(
    emu: BotApiEmulator, migrated_url: str
):
    first = serving_kring(emu, migrated_url, leader_retry=0.2)
    second = serving_kring(emu, migrated_url, leader_retry=0.2)
    async with started(first), started(second):
        assert first.app is not None and second.app is not None
        await asyncio.wait_for(first.app.leadership.leading.wait(), 5)
        await asyncio.sleep(1)  # the second tried a few times meanwhile
        assert not second.app.leadership.leading.is_set()
        assert second.app.metrics.leader._value.get() == 0
        await first.kill()
        began = time.monotonic()
        await asyncio.wait_for(second.app.leadership.leading.wait(), 15)
        assert time.monotonic() - began < 15
        assert second.app.jobs.scheduler.running  # the new leader schedules and sends
        assert second.app.metrics.registry.get_sample_value("kring_leader") == 1


async def test_a_leader_that_loses_its_lock_connection_steps_down(
    emu: BotApiEmulator, migrated_url: str
):
    if migrated_url.startswith("sqlite"):
        pytest.skip("an flock is lost only with the process")
    first = serving_kring(emu, migrated_url, leader_retry=0.2)
    second = serving_kring(emu, migrated_url, leader_retry=0.2)
    async with started(first), started(second):
        assert first.app is not None and second.app is not None
        await asyncio.wait_for(first.app.leadership.leading.wait(), 5)
        async with first.uow() as uow:  # as if the leader's machine fell off the network
            await uow.session.execute(
                text(f"SELECT pg_terminate_backend(pid) {LOCKS}"),
                {"low": LEADING & 0xFFFFFFFF, "high": LEADING >> 32},
            )
            await uow.commit()
        await asyncio.wait_for(second.app.leadership.leading.wait(), 15)
        await asyncio.sleep(0.5)
        assert not first.app.leadership.leading.is_set()
        assert not first.app.jobs.scheduler.running


async def test_the_leader_leaves_room_for_what_the_others_send(
    emu: BotApiEmulator, migrated_url: str
):
    """One bot, one flood limit: the replies another instance sends come out of the leader's
    allowance for the outbox, and it is given back once they stop."""
    first = serving_kring(emu, migrated_url, send_rate=20)
    second = serving_kring(emu, migrated_url, send_rate=20)  # the webhook now points here
    async with started(first), started(second):
        assert first.app is not None and second.app is not None
        leader, other = first.app, second.app
        await asyncio.wait_for(leader.leadership.leading.wait(), 5)
        wim = emu.user("Wim", language_code="en")
        for _ in range(6):
            await wim.send_text("/start")
        assert other.pace.sent >= 6 and leader.pace.sent == 0
        for _ in range(40):  # within two reports
            if leader.pace.others > 0:
                break
            await asyncio.sleep(0.1)
        assert 0 < leader.pace.others and leader.pace.allowance < 20
        assert leader.metrics.registry.get_sample_value("kring_instances") == 2
        for _ in range(40):  # quiet: the whole rate is the leader's again
            if leader.pace.others == 0:
                break
            await asyncio.sleep(0.1)
        assert leader.pace.allowance == 20
    async with started(serving_kring(emu, migrated_url)) as alone:
        assert alone.app is not None
        registry = alone.app.metrics.registry
        for _ in range(30):  # its first look
            if registry.get_sample_value("kring_instances"):
                break
            await asyncio.sleep(0.1)
        assert registry.get_sample_value("kring_instances") == 1  # the others signed off


async def test_the_leader_handles_what_a_dead_instance_left_in_the_inbox(
    emu: BotApiEmulator, migrated_url: str
):
    """An instance stored Wim's /start, answered Telegram 200 and died before handling it:
    nobody would ever answer him. After a while the leader takes it up."""
    async with started(serving_kring(emu, migrated_url, leader_retry=0.2)) as alone:
        assert alone.app is not None
        await asyncio.wait_for(alone.app.leadership.leading.wait(), 5)
        wim = emu.user("Wim", language_code="en")
        wim.chat.started = True
        message = {
            "message_id": wim.chat.next_message_id(),
            "from": wim.info.to_dict(),
            "chat": wim.info.chat_dict(),
            "date": emu.now(),
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        }
        wim.chat.store(message, from_bot=False)
        fresh = {**message, "message_id": message["message_id"] + 1, "text": "hello"}
        fresh.pop("entities")
        async with alone.uow() as uow:
            await uow.updates.receive(
                [
                    (900_001, wim.id, json.dumps({"update_id": 900_001, "message": message})),
                    (900_002, 42, json.dumps({"update_id": 900_002, "message": fresh})),
                ]
            )
            await uow.session.execute(  # the first one waits since 20 s, the other just came
                sql_update(InboxRow)
                .where(InboxRow.update_id == 900_001)
                .values(received_at=datetime.now(UTC) - timedelta(seconds=20))
            )
            await uow.commit()
        welcome = await wim.wait_for(lambda m: True, timeout=5)
        assert "kring" in welcome.text
        async with alone.uow() as uow:
            assert await uow.updates.seen(900_001)
            assert [u for u, _ in await uow.updates.inbox()] == [900_002]  # not yet a stray


POLLING = {"low": TAKING_UPDATES & 0xFFFFFFFF, "high": TAKING_UPDATES >> 32}


async def cut_the_polling_lock(kring: Running) -> None:
    """As a database restart or a broken network would: the lock's connection ends."""
    async with kring.uow() as uow:
        await uow.session.execute(text(f"SELECT pg_terminate_backend(pid, 5000) {LOCKS}"), POLLING)
        await uow.commit()


async def holders(kring: Running) -> int:
    async with kring.uow() as uow:
        return int(await uow.session.scalar(text(f"SELECT count(*) {LOCKS}"), POLLING) or 0)


async def test_a_poller_takes_its_lock_again_when_its_connection_is_cut(
    emu: BotApiEmulator, migrated_url: str
):
    if migrated_url.startswith("sqlite"):
        pytest.skip("an flock is lost only with the process")
    async with started(running_kring(emu, migrated_url, leader_retry=0.2)) as kring:
        assert await holders(kring) == 1
        await cut_the_polling_lock(kring)
        for _ in range(50):  # the next look takes it again
            if await holders(kring) == 1:
                break
            await asyncio.sleep(0.1)
        assert await holders(kring) == 1
        second = await Kring.create(kring.settings)
        try:  # so a second `kring run` is refused as before
            with pytest.raises(AnotherInstance, match="only one `kring run` may poll"):
                await asyncio.wait_for(second.run_polling(), 10)
        finally:
            await second.close()
        wim = emu.user("Wim", language_code="en")
        await wim.send_text("/start")  # and it still answers
        assert wim.last is not None


async def test_a_poller_stops_when_another_took_its_lock_meanwhile(
    emu: BotApiEmulator, migrated_url: str
):
    if migrated_url.startswith("sqlite"):
        pytest.skip("an flock is lost only with the process")
    kring = running_kring(emu, migrated_url, leader_retry=1.0)
    other = create_async_engine(migrated_url)  # another process, on the same database
    try:
        async with started(kring), other.connect() as connection:
            await cut_the_polling_lock(kring)
            # another `kring run` gets in before this one looks again
            taken = await connection.scalar(
                text("SELECT pg_try_advisory_lock(:key)"), {"key": TAKING_UPDATES}
            )
            assert taken
            assert kring.task is not None
            await asyncio.wait_for(asyncio.shield(kring.task), 15)  # it stopped by itself
    finally:
        await other.dispose()
