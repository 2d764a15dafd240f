from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from aiogram import Bot, Dispatcher
from aiogram.exceptions import TelegramConflictError
from aiogram.types import Message
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from emulator import SECRET_HEADER, BotApiEmulator
from emulator.balancer import RoundRobin


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


async def test_webhook_delivers_chats_in_parallel_and_each_chat_in_order(
    emu: BotApiEmulator, bot: Bot
) -> None:
    """As Telegram's Bot API server: one queue per chat, up to max_connections at once."""
    release = asyncio.Event()
    received: list[tuple[str, str]] = []

    async def hook(request: web.Request) -> web.Response:
        update = await request.json()
        name, text = update["message"]["from"]["first_name"], update["message"]["text"]
        received.append((name, text))
        if name == "Frank":
            await release.wait()  # Frank's first update hangs until Wim is done
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner, url = await serve(app)
    try:
        await bot.set_webhook(f"{url}/hook", max_connections=5)
        frank, wim = emu.user("Frank"), emu.user("Wim")
        first = await frank.send_text("1", wait=False)
        await frank.send_text("2", wait=False)
        await wim.send_text("a")  # confirmed while Frank's first still hangs
        await wim.send_text("b")
        assert ("Frank", "2") not in received  # one at a time per chat
        assert not emu.bot().is_confirmed(first)
        release.set()
        await emu.wait_confirmed(first + 1)
        assert [t for n, t in received if n == "Frank"] == ["1", "2"]
        assert [t for n, t in received if n == "Wim"] == ["a", "b"]
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


async def test_webhook_with_one_connection_delivers_one_update_at_a_time(
    emu: BotApiEmulator, bot: Bot
) -> None:
    busy, most = 0, 0

    async def hook(request: web.Request) -> web.Response:
        nonlocal busy, most
        busy += 1
        most = max(most, busy)
        await asyncio.sleep(0.01)
        busy -= 1
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner, url = await serve(app)
    try:
        await bot.set_webhook(f"{url}/hook", max_connections=1)
        people = [emu.user(name) for name in ("Frank", "Sandra", "Wim", "Edith")]
        last = [await person.send_text("hoi", wait=False) for person in people][-1]
        await emu.wait_confirmed(last)
        assert most == 1
    finally:
        await bot.delete_webhook()
        await runner.cleanup()


async def test_round_robin_spreads_requests_and_skips_a_backend_that_is_gone(
    emu: BotApiEmulator, bot: Bot
) -> None:
    seen: list[tuple[int, int]] = []  # (backend, update_id)
    runners = []
    urls = []
    for index in range(3):

        async def hook(request: web.Request, index: int = index) -> web.Response:
            assert request.headers[SECRET_HEADER] == "s3cret"
            seen.append((index, (await request.json())["update_id"]))
            return web.Response()

        app = web.Application()
        app.router.add_post("/tg", hook)
        runner, url = await serve(app)
        runners.append(runner)
        urls.append(url)
    async with RoundRobin(urls, rest=60) as balancer:
        await bot.set_webhook(f"{balancer.url}/tg", secret_token="s3cret", max_connections=1)
        wim = emu.user("Wim")
        for text in "abc":
            await wim.send_text(text)
        assert sorted(backend for backend, _ in seen) == [0, 1, 2]
        await runners[1].cleanup()  # the second one dies
        ids = [await wim.send_text(text) for text in "defg"]
        after = [(backend, u) for backend, u in seen if u in ids]
        assert [u for _, u in after] == ids  # each delivered once, in order, none lost
        assert {backend for backend, _ in after} == {0, 2}
        await bot.delete_webhook()
    for runner in (runners[0], runners[2]):
        await runner.cleanup()
