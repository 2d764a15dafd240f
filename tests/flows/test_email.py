"""Issue 15: a relative without Telegram who gave an e-mail address (a web account) gets the
fixed date, a change and the reminders by e-mail, once each, in their language, from a local
SMTP server; one without an address is counted apart and marked in the coordinator's view;
nothing for a web account ever goes to Telegram."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from icalendar import Calendar

from bot.clock import TravellingClock
from conference.circle import answer
from conference.model.circle import Rsvp
from conference.model.ids import WEB_ACCOUNT_IDS, ConferenceId, web_account_of
from emulator import BotApiEmulator
from tests.flows.steps import (
    Running,
    assigned_conference,
    invite,
    last_message_containing,
    messages_since,
    running_kring,
    started,
    t,
)
from tests.mailbox import Mailbox, attachments, body_html, body_text, smtp_server
from tests.traces import traces

START = datetime(2027, 3, 20, 9, 0, tzinfo=UTC)  # a Saturday; the meeting a week later
EWA = "ewa@example.org"


@pytest.fixture
async def mailbox() -> AsyncIterator[tuple[Mailbox, str]]:
    with smtp_server() as server:
        yield server


@pytest.fixture
async def running(
    emu: BotApiEmulator, migrated_url: str, mailbox: tuple[Mailbox, str]
) -> AsyncIterator[Running]:
    kring = running_kring(
        emu,
        migrated_url,
        clock=f"{START.isoformat()}*1",
        reminders="3d,1d",
        reminder_poll=0.2,
        smtp_url=mailbox[1],
        mail_from="Eigen Kracht Centrale <kring@example.org>",
        public_url="https://kring.example.org",
        organisation="Eigen Kracht Centrale",
    )
    async with started(kring) as ready:
        yield ready


async def on_the_web(kring: Running, name: str, email: str | None) -> None:
    """What the web page will do: the invitee opens it (a web account, bound), gives an
    address or not, and says yes."""
    assert kring.app is not None
    now = kring.app.clock.now()
    async with kring.uow() as uow:
        (invitee,) = [
            p for p in await uow.invitees.of_conference(ConferenceId(1)) if p.name == name
        ]
        account = await uow.web_accounts.add(invitee.id, now)
        await uow.invitees.bind(invitee.id, web_account_of(invitee.id), now)
        if email is not None:
            await uow.web_accounts.set_email(account.person_id, email)
        await answer(
            uow,
            account.person_id,
            invitee.id,
            Rsvp.YES,
            policy=kring.settings.policy,
            now=now,
        )
        await uow.commit()


async def mails(box: Mailbox, count: int, seconds: float = 10) -> list[EmailMessage]:
    for _ in range(int(seconds / 0.1)):
        if len(box.to(EWA)) >= count:
            break
        await asyncio.sleep(0.1)
    return box.to(EWA)


def first_words(locale: str, msgid: str) -> str:
    """A translated message up to its first placeholder."""
    return t(locale, msgid).split("{")[0]


async def test_a_relative_with_only_an_email_address(
    emu: BotApiEmulator, running: Running, mailbox: tuple[Mailbox, str]
):
    box, _url = mailbox
    ayse = await assigned_conference(emu, running)
    wim = emu.user("Wim", language_code="en")
    token = await invite(ayse, "Wim", "broer", "familie", "English", False)
    await wim.send_text(f"/start {token}")
    await wim.press("✅ Yes, I'm coming")
    await invite(ayse, "Ewa", "tante", "familie", "Pools · Polski", False)
    await invite(ayse, "Sara", "buurvrouw", "familie", "Arabisch · العربية", False)
    await on_the_web(running, "Ewa", EWA)
    await on_the_web(running, "Sara", None)

    # the coordinator sees whom only the web page reaches: Sara, not Ewa
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    view = ayse.last.text or ""
    sara_line = next(line for line in view.splitlines() if line.startswith("• Sara"))
    ewa_line = next(line for line in view.splitlines() if line.startswith("• Ewa"))
    assert "🌐 alleen via de webpagina, geen e-mail: bel deze persoon" in sara_line
    assert "🌐" not in ewa_line and EWA not in view
    # ...and hears it again before a message to everyone: Sara must be called
    await ayse.press("📣 Bericht aan de kring")
    await ayse.press("iedereen", contains=True)
    await ayse.send_text("Wie kan er koken?")
    preview = ayse.last.text or ""
    assert "1 van hen heeft geen Telegram en geen e-mail: bel die persoon." in preview, preview
    await ayse.press("Niet versturen")
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)

    # the date is fixed: Wim on Telegram, Ewa by e-mail with the calendar file, in Polish
    await ayse.press("📅 Datum en plaats")
    await ayse.press("📌 Andere datum vastzetten")
    await ayse.send_text("27-3 10:00")
    await ayse.send_text("Buurthuis De Linde")
    await ayse.send_text("Lindelaan 4, Utrecht")
    await ayse.send_location(52.0907, 5.1214)
    assert "Dit gaat naar 3 mensen" in (ayse.last.text or "")
    mark = ayse.version
    await ayse.press("✅ Vastzetten en versturen")
    assert (ayse.last.text or "").startswith(
        "Vastgezet ✓ 2 mensen krijgen het bericht. 1 persoon ziet het alleen op de webpagina "
        "(geen e-mail): bel die persoon."
    ), ayse.last.text
    await wim.wait_for("The date is set")
    (fixed,) = await mails(box, 1)
    notice = (
        "Hallo {name}! De datum staat vast.\n📅 {moment}\n📍 {place}\n\nIn het "
        "bestand hieronder staat het voor je agenda. Tot dan!"
    )
    hello = t("pl", notice).split("\n")[0]
    assert fixed["Subject"] == "Eigen Kracht Centrale: " + hello.format(name="Ewa")
    text = body_text(fixed)
    assert "Buurthuis De Linde" in text and "openstreetmap.org/?mlat=52.090700" in text
    assert "https://kring.example.org/i/mine-" in text  # her own page, by this invitation
    assert '<html lang="pl" dir="ltr">' in body_html(fixed)
    ((name, kind, data),) = attachments(fixed)
    assert (name, kind) == (t("pl", "conferentie") + ".ics", "text/calendar")
    event = Calendar.from_ical(data).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1
    assert len(event.walk("VALARM")) == 2  # 3 days and 1 day before
    # the report counts the e-mail as received, and Sara apart
    report = await ayse.wait_for("Klaar: 2 van de 3")
    assert "🌐 1 alleen op de eigen webpagina: geen e-mailadres (bel die persoon)" in (
        report.text or ""
    )
    assert messages_since(ayse, mark)

    # the time changes: one change e-mail
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("✏️ Datum, tijd of plaats wijzigen")
    await ayse.send_text("27-3 14:00")
    await ayse.press("Zelfde plek: Buurthuis De Linde")
    await ayse.press("✅ Vastzetten en versturen")
    await wim.wait_for("The time has changed")
    fixed_, change = await mails(box, 2)
    assert fixed_["Message-ID"] == fixed["Message-ID"]
    assert first_words("pl", "De tijd is veranderd: eerst {old}, nu {new}.") in body_text(change)
    assert b"SEQUENCE:2" in attachments(change)[0][2]
    await ayse.wait_for(lambda m: "Klaar: 2 van de 3" in (m.text or "") and m is not report)

    # the clock moves to the reminders: 3 days and 1 day before, once each
    clock = running.app.clock if running.app is not None else None
    assert isinstance(clock, TravellingClock)
    reminder = first_words(
        "pl", "Herinnering: de Eigen Kracht-conferentie is {when}, in {place}. Tot dan!"
    )
    while clock.now() < datetime(2027, 3, 27, 12, 0, tzinfo=UTC):
        clock.advance(timedelta(hours=12))
        await asyncio.sleep(0.4)
    await mails(box, 4, seconds=3)
    await asyncio.sleep(1)  # nothing more comes
    got = box.to(EWA)
    assert len(got) == 4, [m["Subject"] for m in got]
    assert all(reminder in body_text(m) for m in got[2:])
    assert t("pl", "morgen om {time}").split("{")[0] in body_text(got[3])
    assert sum("Reminder:" in (m.text or "") for m in wim.messages) == 2

    # nothing for a web account went to Telegram
    assert all(int(call.params.get("chat_id", 0)) not in WEB_ACCOUNT_IDS for call in emu.calls)
    assert last_message_containing(wim.messages, "Reminder:")

    # erasing the conference takes the address (and the web account) along
    async with running.uow() as uow:
        await uow.personal_data.erase_conference(ConferenceId(1), clock.now())
        await uow.commit()
    assert await traces(running.settings.database_url, [EWA]) == []
