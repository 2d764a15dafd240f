"""The coordinator's cockpit, a Telegram Mini App, in real Chromium against the real bot
(`kring run` with an https KRING_PUBLIC_URL) and the emulator: the button in the conference's
view opens it with init data signed by the bot's token; the circle, the dates and the plan are
there, a change made there shows up in chat; forged or stale init data, or another
coordinator's, opens nothing. The https address stands for the operator's TLS proxy: the
browser goes to the same paths on the loopback port behind it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

import pytest
from playwright.async_api import Browser, Page

from emulator import BotApiEmulator, Person
from emulator.web_app import launch_url, signed_init_data
from tests.flows.steps import (
    TOKEN,
    Running,
    free_port,
    invite,
    running_kring,
    started,
    with_two_dates,
)
from tests.web.browser import axe_violations, described, readme_screenshot, screenshot

PUBLIC = "https://kring.test"


@pytest.fixture
async def kring(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    port = free_port()
    running = running_kring(emu, migrated_url, listen=f"127.0.0.1:{port}", public_url=PUBLIC)
    async with started(running) as ready:
        yield ready


def behind_the_proxy(kring: Running, address: str) -> str:
    """What the TLS proxy does: the public https address to kring's loopback port."""
    return address.replace(PUBLIC, f"http://{kring.settings.listen}", 1)


async def a_conference_with_a_circle_and_dates(emu: BotApiEmulator, kring: Running) -> Person:
    """Ayse's conference: Frank (must attend) can only in the afternoon, Wim at both times."""
    ayse = await with_two_dates(emu, kring)
    for name, relation, must, food in (
        ("Frank", "vader", True, "Halal"),
        ("Wim", "broer", False, None),
    ):
        token = await invite(ayse, name, relation, "familie", "Nederlands", must)
        phone = emu.user(name, language_code="nl")
        await phone.send_text(f"/start {token}")
        await phone.press("✅ Ja, ik kom")
        await phone.press("📅 Wanneer kan ik?")
        ballot = phone.last
        assert ballot is not None
        for row in [1] if must else [0, 1]:  # a date's first tap: "can"
            await phone.press(ballot.buttons[row][0], message=ballot)
            ballot = phone.last
            assert ballot is not None
        if food:
            await phone.press("🍽 Eten en drinken")
            await phone.press("Ja, dat mag")
            await phone.press(food)
            await phone.press("Klaar ✓")
    return ayse


async def open_cockpit(page: Page, kring: Running, ayse: Person) -> str:
    """Ayse taps "🗂 Cockpit openen" in her conference's view: the address Telegram opens."""
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    opened = ayse.open_web_app("🗂 Cockpit openen")
    assert opened.startswith(f"{PUBLIC}/c/")
    await page.goto(behind_the_proxy(kring, opened))
    return opened


async def test_the_coordinator_works_in_the_cockpit_and_sees_it_in_chat(
    emu: BotApiEmulator, kring: Running, browser: Browser
):
    ayse = await a_conference_with_a_circle_and_dates(emu, kring)
    page = await browser.new_page(viewport={"width": 1024, "height": 900})
    await open_cockpit(page, kring, ayse)
    circle = page.locator("#circle")
    await circle.get_by_text("Frank").wait_for()
    assert "komt" in await circle.inner_text()
    grid = await page.locator("#dates").inner_text()
    # Frank (he must be there) has not answered for the morning: the afternoon is best
    assert grid.count("✅ kan") == 3 and grid.count("nog geen antwoord") == 1
    best = page.locator("#dates thead th", has_text="★ beste")
    assert "14:00" in await best.inner_text() and "moet erbij zijn" in grid
    assert "Halal: 1" in await page.locator("#food").inner_text()
    await screenshot(page, "cockpit")
    found = await axe_violations(page)
    assert found == [], described(found)

    mark = ayse.version
    await page.locator("#what").fill("Wim en Johan zwemmen elke vrijdag")
    await page.locator("#who").select_option(label="Wim")
    await page.locator("#when").fill("elke vrijdag")
    await page.get_by_role("button", name="Toevoegen").click()
    await page.get_by_role("status").filter(has_text="Opgeslagen ✓").wait_for()
    assert "Wim en Johan zwemmen elke vrijdag" in await page.locator("#plan").inner_text()
    told = await ayse.wait_for("Bijgewerkt in de cockpit", timeout=10)
    assert told.version > mark and "Wim en Johan zwemmen elke vrijdag" in (told.text or "")
    assert told.protect_content
    await ayse.press("📝 Het plan", message=told)  # the chat's plan menu, the same plan
    assert "Wim en Johan zwemmen elke vrijdag" in (ayse.last.text if ayse.last else "")
    await screenshot(page, "cockpit-saved")
    await readme_screenshot(page, "cockpit")

    await page.get_by_role("button", name="🗑 Weghalen 1").click()
    await page.get_by_text("Nog geen afspraken.").wait_for()


async def refused_text(browser: Browser, kring: Running, address: str, name: str) -> str:
    """What a fresh page shows (the same tab would only change its fragment, not reload), on
    a phone set to Dutch: whom the init data does not name is answered in the phone's language."""
    page = await browser.new_page(locale="nl-NL")
    await page.goto(behind_the_proxy(kring, address))
    alert = page.get_by_role("alert")
    await alert.wait_for()
    await screenshot(page, name)
    text = await alert.inner_text()
    await page.close()
    return text


async def test_forged_stale_or_foreign_init_data_opens_nothing(
    emu: BotApiEmulator, kring: Running, browser: Browser
):
    ayse = await a_conference_with_a_circle_and_dates(emu, kring)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    opened = ayse.open_web_app("🗂 Cockpit openen")
    address, fragment = opened.split("#", 1)
    signed = dict(parse_qsl(fragment))["tgWebAppData"]
    fields = dict(parse_qsl(signed))
    del fields["hash"]
    user = ayse.info.to_dict()

    forged = launch_url(address, signed.replace("Ayse", "Kees"))
    assert "opnieuw vanuit Telegram" in await refused_text(
        browser, kring, forged, "cockpit-forged"
    )
    other_bot = launch_url(
        address, signed_init_data("654321:another-bot", fields | {"user": user})
    )
    assert "opnieuw vanuit Telegram" in await refused_text(
        browser, kring, other_bot, "cockpit-other-bot"
    )
    stale = launch_url(
        address,
        signed_init_data(TOKEN, fields | {"user": user, "auth_date": emu.now() - 2 * 3600}),
    )
    assert "opnieuw vanuit Telegram" in await refused_text(browser, kring, stale, "cockpit-stale")
    # signed by Telegram, but Kees coordinates other conferences
    kees = {"id": 7002, "first_name": "Kees", "language_code": "nl"}
    foreign = launch_url(address, signed_init_data(TOKEN, fields | {"user": kees}))
    assert "kun je hier niet openen" in await refused_text(
        browser, kring, foreign, "cockpit-foreign"
    )
    # and the panel itself, asked without the page, gives nothing away either
    page = await browser.new_page()
    bare = await page.request.get(behind_the_proxy(kring, address) + "/panel")
    assert bare.status == 401 and "Frank" not in await bare.text()
    posted = await page.request.post(
        behind_the_proxy(kring, address) + "/add",
        headers={"Authorization": "tma " + signed.replace("Ayse", "Kees")},
        form={"what": "Iets"},
    )
    assert posted.status == 401
    async with kring.uow() as uow:
        request = await uow.conferences.get(int(address.rsplit("/", 1)[1]))
        assert request is not None
        assert await uow.plans.get(request.id) is None  # nothing was written
