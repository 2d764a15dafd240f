"""A relative without Telegram answers the whole invitation on the web page, in real Chromium,
against the real bot (`kring run` with KRING_PUBLIC_URL) and the emulator: the coordinator sees
the answers in chat; a second browser is refused and the coordinator hears of it; axe-core
finds nothing on any state of the page."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from aiohttp import ClientSession, CookieJar
from playwright.async_api import Browser, Page
from sqlalchemy import select

from bot.clock import TravellingClock
from conference.circle import token_hash
from conference.model.ids import InviteeId, web_account_of
from conference.model.meeting import Meeting, Venue
from emulator import BotApiEmulator, Person
from storage.tables import InviteeRow
from tests.flows.steps import (
    MINIMUMEIS,
    Running,
    assigned_conference,
    free_port,
    invite,
    last_message_containing,
    last_text,
    messages_since,
    running_kring,
    serving_kring,
    started,
    t,
    with_two_dates,
)
from tests.web.browser import axe_violations, described, screenshot, submit
from web.addresses import mine


@pytest.fixture
async def kring(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    port = free_port()
    running = running_kring(
        emu,
        migrated_url,
        listen=f"127.0.0.1:{port}",
        public_url=f"http://127.0.0.1:{port}",
        clock=datetime.now(UTC).isoformat(),  # real time, which a test may move on
    )
    async with started(running) as ready:
        yield ready


async def fix_first_date(ayse: Person) -> None:
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("📌 Vastzetten:", contains=True)
    await ayse.send_text("Buurthuis De Linde")
    await ayse.send_text("Lindelaan 4, Utrecht")
    await ayse.press("Overslaan")
    await ayse.press("✅ Vastzetten en versturen")


async def no_violations(page: Page, name: str) -> None:
    await screenshot(page, name)
    found = await axe_violations(page)
    assert found == [], described(found)


async def save(page: Page, section: str, locale: str) -> None:
    await submit(page, f"#{section} button[type=submit]")
    assert t(locale, "Opgeslagen ✓") in await page.locator(f"#{section} .saved").inner_text()


async def answer_everything(page: Page, locale: str) -> None:
    """Yes, both dates, food with consent and two allergens, needs, a suggestion."""
    await page.get_by_label(t(locale, "✅ Ja, ik kom")).check()
    await save(page, "rsvp", locale)
    await no_violations(page, f"invitation-{locale}-saved")
    await page.locator("#dates input[value=yes]").first.check()
    await page.locator("#dates input[value=ifneedbe]").last.check()
    await save(page, "dates", locale)
    await page.get_by_label(t(locale, "Ja, dat mag")).check()
    await page.get_by_label(t(locale, "Halal")).check()
    await page.get_by_label(t(locale, "Pinda's")).check()
    await page.get_by_label(t(locale, "Melk")).check()
    await save(page, "food", locale)
    await page.locator("#interpreter-other").fill("Berbers")
    await save(page, "needs", locale)
    assert await page.locator("#interpreter").input_value() == "Berbers"  # kept, offered
    await page.locator("#interpreter").select_option("ar")
    await page.locator("#children").fill("2")
    await page.get_by_label(t(locale, "Kinderopvang nodig")).check()
    await save(page, "needs", locale)
    await page.locator("#suggest-name").fill("Herman")
    await page.locator("#suggest-relation").fill("oom")
    await save(page, "suggest", locale)


async def test_a_relative_answers_in_dutch_and_a_second_browser_is_refused(
    emu: BotApiEmulator, kring: Running, browser: Browser
) -> None:
    ayse = await with_two_dates(emu, kring)
    mark = ayse.version
    token = await invite(ayse, "Edith", "tante", "familie", "Nederlands", False)
    url = f"{kring.settings.public_url}/i/{token}"
    # the text to forward carries both doors: Telegram, and the web page without it
    forward = last_message_containing(messages_since(ayse, mark), "Om door te sturen")
    assert "Geen Telegram? Antwoord dan op deze webpagina:\n" + url in (forward.text or "")

    first = await browser.new_context(viewport={"width": 360, "height": 740})
    page = await first.new_page()
    await page.goto(url)
    assert "Hallo Edith!" in await page.locator("main").inner_text()
    await no_violations(page, "invitation-nl")
    await answer_everything(page, "nl")
    # the answers stand after a reload: they are stored
    await page.reload()
    assert await page.get_by_label("Halal").is_checked()
    assert await page.locator("#children").input_value() == "2"
    # "Saved ✓" comes from the server after a commit, once: not again, not from an address
    assert await page.locator(".saved").count() == 0
    await page.goto(f"{url}?saved=rsvp#rsvp")
    assert await page.locator(".saved").count() == 0

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    view = last_text(ayse)
    assert "Edith · op de webpagina (tante, familie): komt" in view, view
    assert "Halal 1" in view and "Pinda's 1" in view
    assert "kinderen 2 (opvang 1)" in view
    await ayse.wait_for("Edith stelt voor om ook Herman (oom) te vragen")

    # the date is fixed in chat: the page shows it, with a calendar file and a map link
    await fix_first_date(ayse)
    await page.goto(url)
    meeting = page.locator("#meeting")
    assert "Buurthuis De Linde" in await meeting.inner_text()
    assert "openstreetmap.org" in (
        await meeting.get_by_role("link").last.get_attribute("href") or ""
    )
    async with page.expect_download() as download:
        await meeting.get_by_role("link").first.click()
    saved_file = Path(await (await download.value).path())
    calendar = await asyncio.to_thread(saved_file.read_bytes)
    assert b"BEGIN:VEVENT" in calendar and b"Buurthuis De Linde" in calendar
    await no_violations(page, "invitation-nl-fixed")
    # and she can't come anymore: the coordinator hears it at once
    await page.get_by_label("Ik kan niet meer komen").check()
    await save(page, "rsvp", "nl")
    await ayse.wait_for("Edith kan niet meer komen")
    await page.get_by_label("Ja, ik kom").check()
    await save(page, "rsvp", "nl")
    await ayse.wait_for("Edith kan toch komen")

    # the plan, once sent: her own agreements first
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📝 Het plan")
    await ayse.press("➕ Afspraak toevoegen")
    await ayse.send_text("Tante Edith haalt Johan op woensdag van school")
    await ayse.press("Edith")
    await ayse.press("Klaar ✓")
    await ayse.press("Geen")
    await ayse.press("📤 Versturen aan wie er was")
    await page.goto(url)
    plan = page.locator("#plan")
    assert "Jouw afspraken" in await plan.inner_text()
    assert "Tante Edith haalt Johan op woensdag van school — Edith" in await plan.inner_text()
    await no_violations(page, "invitation-nl-plan")

    # a page left open past the start: the answer is settled, and she is told so
    assert kring.app is not None and isinstance(kring.app.clock, TravellingClock)
    kring.app.clock.advance(timedelta(days=120))
    mark = ayse.version
    await page.get_by_label("Ik kan niet meer komen").check()
    await page.locator("#rsvp button[type=submit]").click()
    late = page.get_by_role("alert")
    assert (
        await late.inner_text()
        == "De conferentie is al begonnen. Je antwoord blijft zoals het was."
    )
    await no_violations(page, "invitation-nl-begun")
    async with kring.uow() as uow:
        answers = dict((await uow.session.execute(select(InviteeRow.name, InviteeRow.rsvp))).all())
    assert answers["Edith"] == "yes"
    assert not any("kan niet meer" in (m.text or "") for m in messages_since(ayse, mark))

    other = await browser.new_context()
    stranger = await other.new_page()
    response = await stranger.goto(url)
    assert response is not None and response.status == 403
    assert "andere browser" in await stranger.locator("main").inner_text()
    await no_violations(stranger, "invitation-refused")
    await ayse.wait_for("tweede browser")
    await first.close()
    await other.close()


async def test_a_relative_answers_in_arabic_right_to_left(
    emu: BotApiEmulator, kring: Running, browser: Browser
) -> None:
    ayse = await with_two_dates(emu, kring)
    token = await invite(ayse, "Fatima", "buurvrouw", "buren", "Arabisch", False)
    context = await browser.new_context(viewport={"width": 360, "height": 740})
    page = await context.new_page()
    await page.goto(f"{kring.settings.public_url}/i/{token}")
    html = page.locator("html")
    assert await html.get_attribute("lang") == "ar"
    assert await html.get_attribute("dir") == "rtl"
    await no_violations(page, "invitation-ar")
    await answer_everything(page, "ar")
    # no: with a reason, said in their own words
    await page.get_by_label(t("ar", "Nee, ik kan niet")).check()
    await page.get_by_label(t("ar", "Het is te ver weg voor mij")).check()
    await page.locator("#reason-text").fill("بعيد جدا")
    await save(page, "rsvp", "ar")
    await no_violations(page, "invitation-ar-no")
    # her own address, for reminders and changes
    await page.locator("#email-address").fill("fatima@example.org")
    await save(page, "email", "ar")
    assert await page.locator("#email-address").input_value() == "fatima@example.org"
    # at 200 % text nothing runs off the side of a 360 px screen
    await page.evaluate("document.documentElement.style.fontSize = '200%'")
    assert await page.evaluate("document.documentElement.scrollWidth") <= 360
    await screenshot(page, "invitation-ar-200-percent")
    await page.evaluate("document.documentElement.style.fontSize = ''")
    # the page switches to Dutch, and stays so
    await page.locator("#locale").select_option("nl")
    await submit(page, "#language button[type=submit]")
    assert await html.get_attribute("dir") == "ltr"
    assert "Opgeslagen ✓" in await page.locator("#language .saved").inner_text()

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    view = last_text(ayse)
    assert (
        "Fatima · op de webpagina (buurvrouw, buren): komt niet "
        "(Het is te ver weg voor mij; “بعيد جدا”)" in view
    ), view
    await context.close()


async def test_the_page_is_locked_down(
    emu: BotApiEmulator, kring: Running, caplog: pytest.LogCaptureFixture
) -> None:
    """Strict headers on every answer, a cookie the page's scripts cannot read, a form without
    its CSRF token changes nothing, and no token in the log."""
    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Edith", "tante", "familie", "Nederlands", False)
    url = f"{kring.settings.public_url}/i/{token}"
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:
        # a form posted before any page, without a cookie, binds nothing
        async with client.post(f"{url}/rsvp", data={"answer": "yes"}) as blind:
            assert blind.status == 403
        async with kring.uow() as uow:
            unopened = await uow.invitees.by_token(token_hash(token))
            assert unopened is not None and unopened[0].person_id is None
        async with client.get(url) as page:
            assert page.status == 200
            assert "default-src 'none'" in page.headers["Content-Security-Policy"]
            assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
            assert page.headers["Referrer-Policy"] == "no-referrer"
            assert page.headers["X-Content-Type-Options"] == "nosniff"
            cookie = page.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/i/" in cookie
            html = await page.text()
        assert "http" not in html.replace(kring.settings.public_url or "", "").split("<body")[1]
        async with client.post(f"{url}/rsvp", data={"answer": "yes"}) as forged:
            assert forged.status == 422  # shown again, kindly; nothing saved
            assert "Probeer het nog een keer" in await forged.text()
        # the short address e-mails point to: this browser's own page, without the link
        async with client.get(f"{kring.settings.public_url}/i/") as newest:
            assert newest.status == 200 and newest.url.path == "/i/mine"
            assert 'action="/i/mine/rsvp"' in await newest.text()
        # ...and the one an e-mail names, by its id: this browser's only (the id alone opens
        # nothing; another id is no invitation of this browser)
        async with kring.uow() as uow:
            edith = await uow.invitees.by_token(token_hash(token))
        assert edith is not None
        one = f"{kring.settings.public_url}/i/{mine(edith[0].id)}"
        async with client.get(one) as named:
            assert named.status == 200
            assert f'action="/i/{mine(edith[0].id)}/rsvp"' in await named.text()
        for other in (mine(InviteeId(edith[0].id + 1)), "mine-0", "mine-x", "mine-"):
            async with client.get(f"{kring.settings.public_url}/i/{other}") as not_one:
                assert not_one.status == 403, other
        async with (
            ClientSession() as stranger,
            stranger.get(f"{kring.settings.public_url}/i/mine") as not_theirs,
            stranger.get(one) as not_theirs_either,
        ):
            assert not_theirs.status == 403 and not_theirs_either.status == 403
        async with client.get(f"{kring.settings.public_url}/i/{'x' * 32}") as unknown:
            assert unknown.status == 403
            assert unknown.headers["Cache-Control"] == "no-store"
    async with kring.uow() as uow:
        found = await uow.invitees.by_token(token_hash(token))
        assert found is not None and found[0].rsvp is None
    assert token not in caplog.text


async def test_the_coordinator_sends_the_page_link_by_email(
    emu: BotApiEmulator, kring: Running
) -> None:
    """'Answers on the web': a new link for the page, the address kept sealed, the e-mail
    queued for the web account (the outbox's e-mail lane delivers it); the old link is gone."""
    ayse = await assigned_conference(emu, kring)
    old = await invite(ayse, "Edith", "tante", "familie", "Nederlands", False)
    await ayse.press("✉️ Link per e-mail naar Edith")
    assert "e-mailadres van Edith" in last_text(ayse)
    await ayse.send_text("edith at home")
    assert "Dat is geen e-mailadres" in last_text(ayse)
    await ayse.send_text("edith@example.org")
    done = last_text(ayse)
    assert "Opgeslagen ✓ Edith antwoordt op de webpagina" in done
    page = re.search(r"http://127\.0\.0\.1:\d+/i/([A-Za-z0-9_-]+)", done)
    assert page is not None and page.group(1) != old
    async with kring.uow() as uow:
        found = await uow.invitees.by_token(token_hash(page.group(1)))
        assert found is not None
        account = await uow.web_accounts.get(web_account_of(found[0].id))
        assert account is not None and account.email == "edith@example.org"
        assert await uow.invitees.by_token(token_hash(old)) is None
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:
        async with client.get(f"{kring.settings.public_url}/i/{old}") as refused:
            assert refused.status == 403
        async with client.get(page.group(0)) as opened:
            assert opened.status == 200 and "Hallo <bdi>Edith</bdi>!" in await opened.text()
        # the meeting called off, then one that was held: said, and no more questions
        assert kring.app is not None
        at = kring.app.clock.now()
        for starts, cancelled, said in (
            (at + timedelta(days=9), True, "gaat niet door"),
            (at - timedelta(days=1), False, "De conferentie is geweest"),
        ):
            async with kring.uow() as uow:
                meeting = Meeting(found[0].conference_id, starts, Venue("De Linde"), 2, cancelled)
                await uow.meetings.save(meeting)
                await uow.commit()
            async with client.get(page.group(0)) as shown:
                html = await shown.text()
                assert said in html and ('id="rsvp"' in html) is cancelled


async def test_kring_serve_serves_the_page_beside_the_webhook(
    emu: BotApiEmulator, migrated_url: str
) -> None:
    running = serving_kring(emu, migrated_url)
    listen = running.settings.listen
    running.settings = running.settings.model_copy(update={"public_url": f"http://{listen}"})
    async with started(running) as kring, ClientSession() as client:
        ayse = await assigned_conference(emu, kring)
        token = await invite(ayse, "Edith", "tante", "familie", "Nederlands", False)
        async with client.get(f"http://{listen}/i/{token}") as page:
            assert page.status == 200
            assert "default-src 'none'" in page.headers["Content-Security-Policy"]
        async with client.get(f"http://{listen}/i/static/kring.css") as style:
            assert style.status == 200 and "text/css" in style.headers["Content-Type"]
        async with client.get(f"http://{listen}/healthz") as health:
            assert health.status == 200


async def test_the_main_person_proposes_a_place_on_the_page(
    emu: BotApiEmulator, kring: Running
) -> None:
    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Frank", "vader", "familie", "Nederlands", True)
    url = f"{kring.settings.public_url}/i/{token}"
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:
        async with client.get(url) as page:
            html = await page.text()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
        assert csrf is not None and 'id="propose"' in html
        form = {"csrf": csrf.group(1), "proposal": "bij oma thuis"}
        async with client.post(f"{url}/propose", data=form) as saved:
            assert "Opgeslagen ✓" in await saved.text()
    await ayse.wait_for("Frank stelt voor: bij oma thuis")


async def test_a_professional_sets_the_minimum_requirement_on_the_page(
    emu: BotApiEmulator, kring: Running
) -> None:
    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Bos", "gezinsvoogd", "professional", "Nederlands", False)
    url = f"{kring.settings.public_url}/i/{token}"
    async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as client:
        async with client.get(url) as page:
            html = await page.text()
        csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', html)
        assert csrf is not None and 'id="minimum"' in html
        form = {"csrf": csrf.group(1), "minimum": MINIMUMEIS}
        async with client.post(f"{url}/minimum", data=form) as saved:
            html = await saved.text()
            assert MINIMUMEIS in html and "Opgeslagen ✓" in html
    await ayse.wait_for("de minimumeis is nu: " + MINIMUMEIS)
