"""After the meeting, on the web page: the relative answers the plan's follow-up once kring
asks it (4 weeks, 3 months: the clock moved there), the coordinator hears it as from the chat;
then downloads a copy of what kring keeps about them and erases it, in real Chromium."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page
from sqlalchemy import select

from bot.clock import TravellingClock
from conference.circle import token_hash
from conference.meeting import fix_meeting
from conference.model.ids import ConferenceId, PersonId, web_account_of
from conference.model.meeting import Venue
from conference.model.plan import Who
from conference.plan import add_agreement, publish
from emulator import BotApiEmulator
from storage.tables import CheckInRow
from tests.flows.steps import (
    Running,
    assigned_conference,
    free_port,
    invite,
    running_kring,
    started,
    t,
)
from tests.traces import holds, traces
from tests.web.browser import axe_violations, described, screenshot, submit

START = datetime(2027, 5, 1, 8, 0, tzinfo=UTC)


@pytest.fixture
async def kring(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    port = free_port()
    running = running_kring(
        emu,
        migrated_url,
        listen=f"127.0.0.1:{port}",
        public_url=f"http://127.0.0.1:{port}",
        reminder_poll=0.2,
        clock=START.isoformat(),  # real speed; moved ahead by the test
    )
    async with started(running) as ready:
        yield ready


async def no_violations(page: Page, name: str) -> None:
    await screenshot(page, name)
    found = await axe_violations(page)
    assert found == [], described(found)


async def asked(page: Page, selector: str) -> None:
    """Reload until kring has put the question (its reminder ran after the clock moved)."""
    for _ in range(100):
        await page.reload()
        if await page.locator(selector).count():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{selector} never shown")


async def test_a_relative_follows_up_takes_a_copy_and_is_forgotten_on_the_web(
    emu: BotApiEmulator, kring: Running, browser: Browser
) -> None:
    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Wim", "zoon", "familie", "Nederlands", True)
    herman_token = await invite(ayse, "Herman", "oom", "familie", "Nederlands", False)
    herman = emu.user("Herman", language_code="nl")
    await herman.send_text(f"/start {herman_token}")
    await herman.press("✅ Ja, ik kom")
    url = f"{kring.settings.public_url}/i/{token}"
    context = await browser.new_context(viewport={"width": 360, "height": 740}, locale="nl-NL")
    page = await context.new_page()
    await page.goto(url)
    await page.get_by_label("✅ Ja, ik kom").check()
    await submit(page, "#rsvp button[type=submit]")
    await page.locator("#email-address").fill("wim@example.org")
    await submit(page, "#email button[type=submit]")

    assert kring.app is not None
    clock = kring.app.clock
    assert isinstance(clock, TravellingClock)
    async with kring.uow() as uow:
        found = await uow.invitees.by_token(token_hash(token))
        assert found is not None
        wim, web_account = found[0].id, web_account_of(found[0].id)
        coordinator, conference = PersonId(7001), ConferenceId(found[0].conference_id)
        await fix_meeting(
            uow,
            coordinator,
            conference,
            clock.now() + timedelta(hours=2),
            Venue("De Linde"),
            clock.now(),
            None,
        )
        people = {p.name: p.id for p in await uow.invitees.of_conference(conference)}
        for what, who in (
            ("Samen bowlen op 29 september", people["Herman"]),
            ("Wim en Johan zwemmen elke vrijdag", wim),
        ):
            await add_agreement(uow, coordinator, conference, what, [Who(who)], None, None)
        await publish(uow, coordinator, conference, clock.now(), kring.settings.zone)
        await uow.commit()
    await page.reload()
    assert await page.locator("#followup").count() == 0  # not asked yet

    # four weeks on: the question is put (in chat it has buttons; here, a form per agreement)
    clock.advance(timedelta(days=29))
    await asked(page, "#followup form.agreement")
    # where the e-mail's link leads (mail_render.page_section): /i/ goes on to /i/mine
    await page.goto(f"{kring.settings.public_url}/i/#followup")
    assert page.url.endswith("/i/mine#followup")
    legends = await page.locator("#followup legend").all_inner_texts()
    assert legends[:2] == ["Wim en Johan zwemmen elke vrijdag", "Samen bowlen op 29 september"]
    assert await page.locator("#checkin").count() == 0  # three months: not yet
    await no_violations(page, "followup-nl")
    own = page.locator("form.agreement").first
    await own.locator("button[type=submit]").click()  # no answer chosen: a kind word
    assert "Kies hoe het gaat met deze afspraak." in await page.locator("#followup").inner_text()
    await no_violations(page, "followup-nl-problem")
    own = page.locator("form.agreement").first
    await own.get_by_label("〰️ Deels").check()
    await own.locator("textarea").fill("Johan vindt het koud in het water")
    await submit(page, own.locator("button[type=submit]"))
    saved = page.locator("form.agreement").first
    assert "Opgeslagen ✓" in await saved.locator(".saved").inner_text()
    assert await saved.get_by_label("〰️ Deels").is_checked()  # stored: shown again
    told = await ayse.wait_for("na 4 weken: Wim")
    assert "“Wim en Johan zwemmen elke vrijdag”: 〰️ Deels" in (told.text or "")
    await ayse.wait_for("💬 Johan vindt het koud in het water")

    # three months on: the short question, stored without a name
    clock.advance(timedelta(days=63))
    await asked(page, "#checkin form")
    await no_violations(page, "followup-nl-checkin")
    await page.get_by_label("Een beetje").check()
    await page.locator("#checkin").get_by_label("4").check()
    await submit(page, "#checkin button[type=submit]")
    assert "zonder je naam bewaard" in await page.locator("#checkin").inner_text()
    async with kring.uow() as uow:
        rows = (
            await uow.session.execute(select(CheckInRow.still_used, CheckInRow.wellbeing))
        ).all()
    assert [tuple(row) for row in rows] == [("partly", 4)]

    # right to left: the same questions, answered, in Arabic
    await page.locator("#locale").select_option("ar")
    await submit(page, "#language button[type=submit]")
    assert await page.locator("html").get_attribute("dir") == "rtl"
    assert t("ar", "〰️ Deels") in await page.locator("#followup").inner_text()
    await no_violations(page, "followup-ar")
    await page.locator("#locale").select_option("nl")
    await submit(page, "#language button[type=submit]")

    # the two forms refuse a post without the page's CSRF token (the cookie alone is not enough)
    mine = f"{kring.settings.public_url}/i/mine"
    for action in ("mydata", "forget"):
        forged = await page.request.post(f"{mine}/{action}", form={"confirm": "yes"})
        assert forged.status == 422 and "Probeer het nog een keer" in await forged.text()
    # a copy of what kring keeps about him: his own answers, his address, nobody else
    async with page.expect_download() as download:
        await page.locator("#rights").get_by_role("button", name="Kopie downloaden").click()
    copy_file = Path(await (await download.value).path())
    copy = json.loads(await asyncio.to_thread(copy_file.read_text, encoding="utf-8"))
    assert copy["web_account"]["email"] == "wim@example.org"
    assert "telegram_id" not in copy
    (invitation,) = copy["invitations"]
    assert invitation["name"] == "Wim" and invitation["answer"] == "yes"
    assert {"answer": "partly", "comment": "Johan vindt het koud in het water"}.items() <= (
        invitation["follow_up_answers"][0].items()
    )
    everything = json.dumps(copy, ensure_ascii=False)
    for others in ("Herman", "Edith", "Ayse", str(herman.id), str(ayse.id)):
        assert not holds(everything, others), others

    # forget me: asked first, then done; the coordinator hears it without the name
    needles = ["Wim", "wim@example.org", "koud in het water", str(web_account)]
    assert await traces(kring.settings.database_url, needles)  # the scan finds him
    await page.locator("#rights").get_by_role("button", name="Mijn gegevens wissen").click()
    assert "Dit kan niet terug" in await page.locator("main").inner_text()
    await no_violations(page, "forget-nl-asked")
    await page.get_by_role("button", name="Ja, wis alles").click()
    await page.wait_for_load_state()
    assert "Klaar ✓ Kring heeft je gegevens gewist." in await page.locator("main").inner_text()
    await no_violations(page, "forget-nl-done")
    assert not [c for c in await context.cookies() if c["name"] == "kring_browser"]
    told = await ayse.wait_for("lege plek")
    assert "Wim" not in (told.text or "")
    response = await page.goto(url)
    assert response is not None and response.status == 403
    assert "ken ik niet (meer)" in await page.locator("main").inner_text()
    response = await page.goto(f"{kring.settings.public_url}/i/")
    assert response is not None and response.status == 403
    assert await traces(kring.settings.database_url, needles) == []
    await context.close()
