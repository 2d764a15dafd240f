from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from emulator import SECRET_HEADER, BotApiEmulator


async def serve(app: web.Application) -> tuple[web.AppRunner, str]:
    runner = web.AppRunner(app, shutdown_timeout=0.5)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[list[dict[str, Any]], str]]:
    received: list[dict[str, Any]] = []

    async def hook(request: web.Request) -> web.Response:
        received.append({"secret": request.headers.get(SECRET_HEADER), **await request.json()})
        return web.Response(status=500 if len(received) == 1 else 200)  # the first try fails

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner, url = await serve(app)
    yield received, f"{url}/hook"
    await runner.cleanup()


async def test_webhook_delivery_with_secret_and_retry(
    emu: BotApiEmulator, bot: Bot, receiver: tuple[list[dict[str, Any]], str]
) -> None:
    received, url = receiver
    emu.webhook_retry_delay = 0.01
    assert await bot.set_webhook(url, secret_token="geheim-123")
    with pytest.raises(TelegramConflictError, match="webhook is active"):
        await bot.get_updates()

    wim = emu.user(first_name="Wim")
    update_id = await wim.send_text("hoi")  # returns once the webhook answered 2xx
    assert [r["update_id"] for r in received] == [update_id, update_id]
    assert {r["secret"] for r in received} == {"geheim-123"}
    assert received[-1]["message"]["text"] == "hoi"
    assert [d.status for d in emu.webhook_deliveries] == [500, 200]
    info = await bot.get_webhook_info()
    assert info.url == url and info.pending_update_count == 0
    assert info.last_error_message and "500" in info.last_error_message

    assert await bot.delete_webhook()
    second = await wim.send_text("via polling", wait=False)
    updates = await bot.get_updates(timeout=0)
    assert [u.update_id for u in updates] == [second]


async def test_aiogram_webhook_handler_reply_method(emu: BotApiEmulator, bot: Bot) -> None:
    dp = Dispatcher()

    @dp.message()
    async def echo(message: Message) -> Any:
        if message.text == "direct":
            await message.answer("direct antwoord")
            return None
        return message.answer(f"<i>{message.text}</i> terug")  # answered inside the webhook reply

    app = web.Application()
    # Answer only after handling, so a confirmed update is a handled one.
    handler = SimpleRequestHandler(dp, bot, handle_in_background=False, secret_token="s3")
    handler.register(app, path="/tg")
    runner, url = await serve(app)
    try:
        await bot.set_webhook(f"{url}/tg", secret_token="s3")
        wim = emu.user(first_name="Wim")
        await wim.send_text("ping")
        assert wim.texts == ["ping terug"]
        assert emu.calls_to("sendMessage")[-1].source == "webhook"
        await wim.send_text("direct")
        assert wim.texts == ["ping terug", "direct antwoord"]
    finally:
        await runner.cleanup()
