from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer

from emulator import BotApiEmulator

TOKEN = "123456:TEST"


@pytest.fixture
async def emu() -> AsyncIterator[BotApiEmulator]:
    async with BotApiEmulator(timeout=5) as emulator:
        emulator.add_bot(token=TOKEN, username="kring_test_bot", first_name="kring")
        yield emulator
        assert emulator.internal_errors == []


def make_bot(emu: BotApiEmulator, token: str = TOKEN) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(emu.base_url))
    return Bot(token, session=session, default=DefaultBotProperties(parse_mode="HTML"))


@pytest.fixture
async def bot(emu: BotApiEmulator) -> AsyncIterator[Bot]:
    bot = make_bot(emu)
    yield bot
    await close_fast(bot)


async def close_fast(bot: Bot) -> None:
    # AiohttpSession.close() sleeps 250 ms for TLS shutdown; plain HTTP to 127.0.0.1 needs none.
    http = getattr(bot.session, "_session", None)
    if http is not None:
        await http.close()


@asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    # Sequential handling: an update is confirmed (next getUpdates) only once handled.
    task = asyncio.create_task(
        dp.start_polling(
            bot,
            handle_as_tasks=False,
            handle_signals=False,
            close_bot_session=False,
            polling_timeout=5,
        )
    )
    try:
        yield
    finally:
        await dp.stop_polling()
        await task


@pytest.fixture
def run_polling() -> Callable[[Dispatcher, Bot], object]:
    return polling
