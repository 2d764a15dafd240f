"""kring's calls to the Bot API: aiogram's own session with kring's request middlewares
(bot/telegram_session.py), and KRING_PROXY."""

from __future__ import annotations

import asyncio
from importlib.util import find_spec

import pytest
from aiogram import Bot
from aiogram.exceptions import TelegramBadRequest, TelegramNetworkError
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup

from bot.app import build_bot
from bot.config import Settings
from bot.telegram_session import RetryMiddleware, api_session
from emulator import BotApiEmulator
from tests.flows.steps import TOKEN, fill_in_info_talk, ready_manager, running_kring, started


def settings(api_base: str) -> Settings:
    return Settings(bot_token=TOKEN, api_base=api_base, _env_file=None)  # type: ignore[call-arg]


async def test_an_edit_that_changes_nothing_is_not_a_failure(emu: BotApiEmulator):
    """Telegram's 400 "message is not modified" on an edit means the screen already shows it
    (UnchangedEditMiddleware); any other refusal is still an error."""
    bot = build_bot(settings(emu.base_url))
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start", wait=False)
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Ja ✓", callback_data="a:consent:yes")]]
    )
    sent = await bot.send_message(wim.id, "<b>Stap 1</b>", reply_markup=keyboard)
    assert wim.last.text == "Stap 1" and wim.last.buttons == [["Ja ✓"]]
    again = await bot.edit_message_text(
        "<b>Stap 1</b>", chat_id=wim.id, message_id=sent.message_id, reply_markup=keyboard
    )
    assert again is True
    with pytest.raises(TelegramBadRequest, match="not found"):
        await bot.edit_message_text("Stap 2", chat_id=wim.id, message_id=999)
    await bot.session.close()


async def test_the_bots_session_waits_out_a_429_and_retries_a_passing_failure(emu: BotApiEmulator):
    bot = build_bot(settings(emu.base_url))
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start", wait=False)
    emu.fail_next(1, error_code=429, retry_after=1, methods=["sendMessage"])
    emu.fail_next(1, error_code=502, methods=["sendMessage"])
    await bot.send_message(wim.id, "Hallo")
    assert [c.ok for c in emu.calls_to("sendMessage")] == [False, False, True]
    assert [m.text for m in wim.messages] == ["Hallo"]
    await bot.session.close()


async def test_a_network_failure_is_retried_then_given_up(caplog: pytest.LogCaptureFixture):
    with_nobody = await asyncio.start_server(lambda r, w: w.close(), "127.0.0.1", 0)
    port = with_nobody.sockets[0].getsockname()[1]
    with_nobody.close()
    await with_nobody.wait_closed()  # the port is closed now: every connect is refused
    bot = Bot(TOKEN, session=api_session(f"http://127.0.0.1:{port}"))
    bot.session.middleware(RetryMiddleware(attempts=3, base_delay=0.01))
    with pytest.raises(TelegramNetworkError):
        await bot.send_message(7, "Hallo")
    assert [r.message.split(" in ")[0] for r in caplog.records] == [
        "TelegramNetworkError on sendMessage, retry 1",
        "TelegramNetworkError on sendMessage, retry 2",
    ]
    await bot.session.close()


class TunnelProxy:
    """An HTTP proxy on 127.0.0.1 that only tunnels (CONNECT, as aiohttp-socks asks of an
    http:// proxy), and only to `names`: host names that nothing but this proxy resolves."""

    def __init__(self, names: dict[str, str]) -> None:
        self.names = names
        self.tunnels: list[str] = []
        self.server: asyncio.Server | None = None
        self.writers: list[asyncio.StreamWriter] = []

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def stop(self) -> None:
        assert self.server is not None
        self.server.close()
        for writer in self.writers:
            writer.close()
        await self.server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            method, target, _ = head.split(b"\r\n", 1)[0].decode().split(" ")
            host, _, port = target.rpartition(":")
            if method != "CONNECT" or host not in self.names:
                writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            upstream_reader, upstream = await asyncio.open_connection(self.names[host], int(port))
            self.writers.append(upstream)
            self.tunnels.append(target)
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await asyncio.gather(_pipe(reader, upstream), _pipe(upstream_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


@pytest.mark.skipif(
    find_spec("aiohttp_socks") is None,
    reason="aiogram's proxy support needs aiohttp-socks (aiogram[proxy])",
)
async def test_kring_reaches_the_bot_api_through_a_proxy(emu: BotApiEmulator, migrated_url: str):
    """KRING_PROXY: every call, the bot's and the outbox's, goes through the proxy. The Bot
    API's host name is one only the proxy knows, so a call past it would not get anywhere."""
    proxy = TunnelProxy({"api.telegram.test": "127.0.0.1"})
    proxy_url = await proxy.start()
    port = emu.base_url.rsplit(":", 1)[1]
    try:
        via_proxy = running_kring(emu, migrated_url, proxy=proxy_url)
        via_proxy.settings = via_proxy.settings.model_copy(
            update={"api_base": f"http://api.telegram.test:{port}"}
        )
        async with started(via_proxy) as kring:
            manager = await ready_manager(emu, kring)
            herman = emu.user("Herman", language_code="nl")
            await fill_in_info_talk(herman)
            await herman.press("✅ Versturen")
            assert "informatiegesprek" in herman.last.text  # the bot's own reply
            await manager.wait_for("EK-")  # sent by the outbox, with its own session
        assert set(proxy.tunnels) == {f"api.telegram.test:{port}"}
    finally:
        await proxy.stop()
