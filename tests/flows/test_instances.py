"""One `kring run` per database, or any number of `kring serve`, never both: refused at the
start in one line instead of Telegram's 409 over and over."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import Kring
from emulator import BotApiEmulator
from storage.instance_lock import AnotherInstance
from tests.flows.steps import Running, running_kring, serving_kring, started


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
