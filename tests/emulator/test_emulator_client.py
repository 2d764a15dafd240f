"""The chat client's JSON side (emulator/client.py), without a browser: what the page reads
and what its taps do to the emulator's users."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from emulator import BotApiEmulator
from emulator.client import ChatClient

TOKEN = "123456:TEST"  # the token the conftest registers


@pytest.fixture
async def client(emu: BotApiEmulator) -> AsyncIterator[tuple[ChatClient, aiohttp.ClientSession]]:
    chat_client = ChatClient(emu)
    port = await chat_client.start()
    async with aiohttp.ClientSession(f"http://127.0.0.1:{port}") as http:
        yield chat_client, http
    await chat_client.stop()


async def bot_call(emu: BotApiEmulator, method: str, **params: object) -> dict[str, object]:
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{emu.base_url}/bot{TOKEN}/{method}", json=params) as response,
    ):
        answer = await response.json()
    assert answer["ok"], answer
    return answer["result"]  # type: ignore[no-any-return]


async def test_the_page_reads_changes_and_taps_by_place(
    emu: BotApiEmulator, client: tuple[ChatClient, aiohttp.ClientSession]
) -> None:
    chat_client, http = client
    sandra = emu.user("Sandra", language_code="ar")
    pane = chat_client.add_pane(sandra, "Relative", key="sandra")
    assert (pane.lang, pane.direction) == ("ar", "rtl")
    async with http.post("/api/panes/sandra/send", json={"text": "/start"}) as response:
        assert response.status == 200
    async with http.get("/api/state") as response:
        state = (await response.json())["panes"]["sandra"]
    assert [m["text"] for m in state["messages"]] == ["/start"]

    # nothing changed: the long poll waits, and answers as soon as the bot writes
    waiting = asyncio.ensure_future(http.get(f"/api/state?known=sandra:{state['version']}"))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    keyboard = {"inline_keyboard": [[{"text": "نعم", "callback_data": "yes"}]]}
    sent = await bot_call(emu, "sendMessage", chat_id=sandra.id, text="؟", reply_markup=keyboard)
    async with await asyncio.wait_for(waiting, 5) as response:
        message = (await response.json())["panes"]["sandra"]["messages"][-1]
    assert message["buttons"] == [[{"text": "نعم"}]] and message["from_bot"]

    async with http.post(
        "/api/panes/sandra/press", json={"message": sent["message_id"], "row": 0, "column": 0}
    ) as response:
        assert response.status == 200
    assert list(emu.bot().pending.values())[-1]["callback_query"]["data"] == "yes"
    async with http.post(
        "/api/panes/sandra/press", json={"message": sent["message_id"], "row": 3, "column": 0}
    ) as response:
        assert response.status == 400  # no such button
    async with http.post("/api/panes/sandra/start", json={"start": "bad link!"}) as response:
        assert response.status == 400


async def test_reply_keys_files_and_locations(
    emu: BotApiEmulator, client: tuple[ChatClient, aiohttp.ClientSession]
) -> None:
    chat_client, http = client
    wim = emu.user("Wim", language_code="pl")
    chat_client.add_pane(wim, "Relative", key="wim")
    await wim.send_text("/start", wait=False)
    keys = {"keyboard": [[{"text": "📱", "request_contact": True}]], "resize_keyboard": True}
    await bot_call(emu, "sendMessage", chat_id=wim.id, text="Telefon?", reply_markup=keys)
    async with http.post("/api/panes/wim/key", json={"row": 0, "column": 0}) as response:
        assert response.status == 200
    contact = [m.data for m in wim.chat.messages.values() if "contact" in m.data]
    assert contact and contact[0]["contact"]["user_id"] == wim.id
    async with http.post(
        "/api/panes/wim/location", json={"latitude": 52.09, "longitude": 5.12}
    ) as response:
        assert response.status == 200
    assert any("location" in m.data for m in wim.chat.messages.values())

    form = aiohttp.FormData()
    form.add_field("chat_id", str(wim.id))
    form.add_field("document", b"BEGIN:VCALENDAR\r\n", filename="spotkanie.ics")
    async with (
        aiohttp.ClientSession() as bot_http,
        bot_http.post(f"{emu.base_url}/bot{TOKEN}/sendDocument", data=form) as response,
    ):
        assert response.status == 200
    async with http.get("/api/state") as response:
        document = (await response.json())["panes"]["wim"]["messages"][-1]["document"]
    assert document["name"] == "spotkanie.ics"
    async with http.get(document["url"]) as response:
        assert await response.read() == b"BEGIN:VCALENDAR\r\n"
        assert response.headers["Content-Disposition"] == 'attachment; filename="spotkanie.ics"'
