"""`kring playground` in real Chromium: the page of phones, the worked example loaded through
the real bot, a relative answering on her phone and the coordinator seeing it; and the chat
client on its own (emulator/client.py), drawing a message edited in place once."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

import aiohttp
import pytest
from playwright.async_api import Browser, expect

from bot.playground import Playground
from emulator import BotApiEmulator
from emulator.client import ChatClient
from tests.flows.steps import free_port, t
from tests.web.browser import axe_violations, described, readme_screenshot, screenshot


@pytest.fixture
async def playground(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Playground]:
    monkeypatch.delenv("KRING_DATABASE_URL", raising=False)  # the throwaway database
    running = Playground(port=free_port())
    task = asyncio.create_task(running.run())
    ready = asyncio.create_task(running.ready.wait())
    await asyncio.wait({ready, task}, timeout=30, return_when=asyncio.FIRST_COMPLETED)
    if task.done():
        task.result()  # a failed start raises here
    assert running.ready.is_set(), "the playground did not start within 30 s"
    try:
        yield running
    finally:
        running.stop()
        await asyncio.wait_for(task, 20)
        assert running.emu.internal_errors == []


async def test_a_relative_answers_on_her_phone_and_the_coordinator_sees_it(
    browser: Browser, playground: Playground
) -> None:
    page = await browser.new_page(viewport={"width": 1440, "height": 900})
    await page.goto(playground.url)
    mother = page.locator('section[data-pane="mother"]')
    coordinator = page.locator('section[data-pane="coordinator"]')
    await expect(mother).to_have_attribute("dir", "rtl")
    await expect(mother).to_have_attribute("lang", "ar")
    # the staff opened the bot at the start: their phones show it
    await expect(coordinator.locator("li.message").first).to_be_visible()

    await page.get_by_role("button", name="Load the example").click()
    status = page.locator("#action-status")
    await expect(status).to_contain_text("Loaded: EK-", timeout=30_000)
    # the history is real: Edith applied, the manager assigned, Ayse invited
    applicant = page.locator('section[data-pane="applicant"]')
    await expect(applicant.locator("li.message.own").first).to_be_visible()
    await expect(coordinator).to_contain_text("Sandra ★ (moeder, familie)")
    # the dates were voted on: Ayse got the bot's picture of who can when
    matrix = coordinator.locator("li.message.bot img").last
    await expect(matrix).to_be_visible()
    assert await matrix.evaluate("image => image.naturalWidth") > 100

    # Sandra answers her invitation in Arabic, on her own phone
    yes = t("ar", "✅ Ja, ik kom")
    assert yes != "✅ Ja, ik kom"
    invitation = mother.locator("li.message.bot", has=page.get_by_role("button", name=yes))
    await invitation.get_by_role("button", name=yes).click()
    # the invitation changes in place: thanked, still the one message
    await expect(invitation.locator(".meta")).to_contain_text("edited")
    await expect(invitation).to_have_count(1)

    # Ayse opens the conference again: Sandra is coming
    field = coordinator.get_by_label("Message from Ayse")
    await field.fill("/conferences")
    await field.press("Enter")
    listing = coordinator.locator("li.message.bot").last
    await expect(listing.get_by_role("button", name="EK-")).to_be_visible()
    await listing.get_by_role("button", name="EK-").first.click()
    await expect(coordinator.locator("li.message.bot").last).to_contain_text(
        "Sandra ★ (moeder, familie): komt"
    )
    # Ayse fixes the first date at a place with a map pin: the uncle gets the venue with a
    # map link and the calendar file to download
    await coordinator.get_by_role("button", name="📌 Vastzetten").last.click()
    for typed in ("Buurthuis De Linde", "Lindelaan 1, Utrecht"):
        await field.fill(typed)
        await field.press("Enter")
        await expect(coordinator.locator("li.message.own").last).to_contain_text(typed)
    await coordinator.locator("summary", has_text="Send a location").click()
    await coordinator.get_by_role("button", name="Send", exact=True).last.click()
    await coordinator.get_by_role("button", name="✅ Vastzetten en versturen").click()
    uncle = page.locator('section[data-pane="uncle"]')
    await expect(uncle.get_by_role("link", name="Map")).to_have_attribute(
        "href", re.compile(r"^https://www\.openstreetmap\.org/\?mlat=52\.0907")
    )
    calendar = uncle.locator('a[download$=".ics"]')
    await expect(calendar).to_be_visible(timeout=15_000)
    download = await page.request.get(
        playground.url.rstrip("/") + (await calendar.get_attribute("href") or "")
    )
    assert (await download.body()).startswith(b"BEGIN:VCALENDAR")

    # pressing the example again builds nothing twice
    await page.get_by_role("button", name="Load the example").click()
    await expect(status).to_contain_text("loaded already")

    assert described(await axe_violations(page)) == ""
    await screenshot(page, "playground-answered")
    # the README's: the same state freshly opened (no toasts left from the example's taps)
    await page.reload()
    await expect(coordinator).to_contain_text("Sandra ★ (moeder, familie): komt")
    await readme_screenshot(page, "playground")

    narrow = await browser.new_page(viewport={"width": 360, "height": 740})
    await narrow.goto(playground.url)
    await expect(narrow.locator('section[data-pane="coordinator"]')).to_contain_text("komt")
    width = await narrow.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width} px wide at 360 px"
    await screenshot(narrow, "playground-360px", full_page=False)


async def test_a_message_edited_in_place_is_drawn_once(browser: Browser) -> None:
    token = "42:client-test"
    async with BotApiEmulator(timeout=5) as emu:
        emu.add_bot(token=token, username="client_test_bot")
        wim = emu.user("Wim", language_code="nl")
        await wim.send_text("/start", wait=False)
        client = ChatClient(emu, "client test")
        client.add_pane(wim, "Relative", key="wim")
        port = await client.start()
        try:
            async with aiohttp.ClientSession() as http:

                async def call(method: str, **params: object) -> dict[str, object]:
                    async with http.post(f"{emu.base_url}/bot{token}/{method}", json=params) as r:
                        answer = await r.json()
                        assert answer["ok"], answer
                        return answer["result"]  # type: ignore[no-any-return]

                page = await browser.new_page()
                await page.goto(f"http://127.0.0.1:{port}/")
                keyboard = {"inline_keyboard": [[{"text": "Ja", "callback_data": "y"}]]}
                sent = await call(
                    "sendMessage", chat_id=wim.id, text="Kom je? <b>Zaterdag</b>",
                    parse_mode="HTML", reply_markup=keyboard,
                )  # fmt: skip
                phone_ = page.locator('section[data-pane="wim"]')
                await expect(phone_.locator("li.message.bot strong")).to_have_text("Zaterdag")
                await phone_.get_by_role("button", name="Ja").click()
                await call("answerCallbackQuery", callback_query_id=await _query_id(emu))
                await call(
                    "editMessageText", chat_id=wim.id, message_id=sent["message_id"],
                    text="Fijn dat je komt!",
                )  # fmt: skip
                bot_messages = phone_.locator("li.message.bot")
                await expect(bot_messages).to_have_count(1)
                await expect(bot_messages.locator(".text")).to_have_text("Fijn dat je komt!")
                await expect(bot_messages.locator(".meta")).to_contain_text("edited")
                assert await phone_.get_by_role("button", name="Ja").count() == 0
                await screenshot(page, "client-edited-in-place")

                # a t.me link to this bot opens it as the phone's person: /start with its value
                await call(
                    "sendMessage", chat_id=wim.id,
                    text="Jouw link:\nhttps://t.me/client_test_bot?start=abc-123",
                )  # fmt: skip
                await phone_.get_by_role(
                    "link", name="https://t.me/client_test_bot?start=abc-123"
                ).click()
                await wim.chat.signal.wait_until(
                    lambda: any(
                        m.data.get("text") == "/start abc-123"
                        for m in wim.chat.messages.values()
                        if not m.from_bot
                    ),
                    5,
                )
                await expect(phone_.locator("li.message.own").last).to_have_text(
                    re.compile(r"^/start abc-123")
                )
        finally:
            await client.stop()
    assert emu.internal_errors == []


async def _query_id(emu: BotApiEmulator) -> str:
    bot = emu.bot()
    for _ in range(100):
        if bot.callback_queries:
            return next(reversed(bot.callback_queries))
        await asyncio.sleep(0.05)
    raise AssertionError("the tap did not reach the emulator")
