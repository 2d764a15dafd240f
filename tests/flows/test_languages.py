"""Every person in their own language: the invitation, RSVP, dates, food and needs run in each
shipped language, and fail if any visible text (message or button) comes back in another
language than the reader's. Right-to-left text keeps Dutch names and dates in order."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.messages.pofile import read_po

from bot.config import LOCALES_DIR
from conference.model.ids import ConferenceId, PersonId
from dialogs.render.labels import locale_own_name
from dialogs.render.texts import FSI, PDI
from emulator import BotApiEmulator, Person
from tests.flows.steps import (
    Running,
    assigned_conference,
    invite,
    last_message_containing,
    messages_since,
    press_forged,
    request_on_the_managers_screen,
    t,
    with_two_dates,
)

SHIPPED = sorted(p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
WORD = re.compile(r"[^\W\d_]{3,}")
_phrases: dict[str, dict[str, str]] = {}


def catalog(locale: str) -> dict[str, str]:
    """msgid -> this language's text (singular forms)."""
    if locale not in _phrases:
        with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
            _phrases[locale] = {
                (m.id[0] if isinstance(m.id, tuple) else m.id): (
                    m.string[0] if isinstance(m.string, tuple) else m.string
                )
                for m in read_po(source, locale=locale)
                if m.id
            }
    return _phrases[locale]


def fragments(text: str) -> list[str]:
    """The literal pieces of a message between its placeholders, long enough to recognise."""
    pieces = re.split(r"\{[a-z_]+\}|<[^>]+>|\n", text)
    return [p.strip() for p in pieces if len(WORD.findall(p)) >= 3]


def foreign_phrases(reader: str) -> set[str]:
    """Sentences of the other languages that are not also this language's own words."""
    own = catalog(reader)
    mine = {f for text in own.values() for f in fragments(text)}
    foreign = set()
    for other in SHIPPED:
        if other == reader:
            continue
        for text in catalog(other).values():
            foreign.update(f for f in fragments(text) if f not in mine)
    return foreign


def visible(person: Person) -> list[str]:
    texts = []
    for message in person.messages:
        texts.append(message.text or "")
        texts += [label for row in message.buttons for label in row]
    return texts


@pytest.mark.parametrize("locale", SHIPPED)
async def test_the_invited_persons_flow_speaks_their_language(
    emu: BotApiEmulator, kring: Running, locale: str
):
    ayse = await with_two_dates(emu, kring)  # so the answer screens offer them
    token = await invite(ayse, "Wim", "broer", "familie", locale_own_name(locale), True)

    wim = emu.user("Wim", language_code="nl")  # the coordinator's choice wins
    await wim.send_text(f"/start {token}")
    await wim.press(t(locale, "✅ Ja, ik kom"))
    await wim.press(t(locale, "📅 Wanneer kan ik?"))
    ballot = wim.last
    first_date = ballot.buttons[0][0]
    await wim.press(first_date, message=ballot)
    assert t(locale, "Opgeslagen ✓") in wim.callback_answers[-1]
    await wim.press(t(locale, "🍽 Eten en drinken"))
    await wim.press(t(locale, "Ja, dat mag"))
    await wim.press(t(locale, "Halal"))
    await wim.press(t(locale, "Pinda's"))
    await wim.press(t(locale, "Klaar ✓"))
    await wim.press(t(locale, "🧭 Wat heb je nodig om te komen?"))
    await wim.press(t(locale, "Hulp bij vervoer"))
    await wim.press(t(locale, "Klaar ✓"))
    await wim.send_text("/me")

    seen = visible(wim) + list(wim.callback_answers)
    leaks = sorted(
        {
            phrase
            for phrase in foreign_phrases(locale)
            for text in seen
            if phrase in text.replace(FSI, "").replace(PDI, "")
        }
    )
    assert leaks == [], f"{locale}: text in another language: {leaks[:5]}"
    async with kring.uow() as uow:  # and the answers were saved
        (invitee,) = await uow.invitees.of_conference(ConferenceId(1))
        assert invitee.person_id == PersonId(wim.id) and invitee.needs.transport
        assert await uow.meetings.ballots(ConferenceId(1)) != {}


@pytest.mark.parametrize("locale", [loc for loc in ("ar", "fa") if loc in SHIPPED])
async def test_right_to_left_keeps_a_dutch_name_and_a_date_in_order(
    emu: BotApiEmulator, kring: Running, locale: str
):
    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Wim de Vries", "broer", "familie", locale_own_name(locale), True)
    wim = emu.user("Wim", language_code=locale)
    await wim.send_text(f"/start {token}")
    greeting = wim.last.text
    assert f"{FSI}Wim de Vries{PDI}" in greeting  # isolated: stays "Wim de Vries"
    await wim.send_text("/me")
    assert "EK-" in wim.last.text and f"{FSI}EK-" in wim.last.text


OTHER_SCRIPTS = re.compile(  # Cyrillic, Arabic (and Persian), Ethiopic
    r"[\u0400-\u04ff\u0600-\u06ff\u0750-\u077f\u1200-\u139f\ufb50-\ufdff\ufe70-\ufeff]"
)


def catalog_texts(locale: str) -> set[str]:
    """Every text of this language: fragments between placeholders, and whole short texts
    (a label such as "〰️ Kısmen" has too few words to count as a fragment)."""
    texts = set()
    for text in catalog(locale).values():
        texts.update(fragments(text))
        for piece in re.split(r"\{[a-z_]+\}|<[^>]+>|\n", text):
            if WORD.search(piece) and len(piece.strip()) >= 5:
                texts.add(piece.strip())
    return texts


def other_language_in(text: str, reader: str) -> list[str]:
    """Text of another catalog (or another script) in a message to `reader`."""
    plain = text.replace(FSI, "").replace(PDI, "")
    plain = re.sub(r"/[a-z_]+", "", plain)  # commands (/conferences) are the same in all
    mine = catalog_texts(reader) | set(catalog(reader))
    found = (
        [m.group(0) for m in OTHER_SCRIPTS.finditer(plain)][:1]
        if reader not in ("ar", "fa", "uk", "ti")
        else []
    )
    for other in SHIPPED:
        if other != reader:
            found += [
                t
                for t in catalog_texts(other) - mine
                if t in plain and not re.fullmatch(r"[\W\d_]*\w{1,4}[\W\d_]*", t)
            ]
    return sorted(set(found))


def staff_messages(person: Person, forwards: tuple[str, ...] = ()) -> list[str]:
    """What a staff member read, less the texts kring hands them to forward to someone else
    (the invitation in the invited person's language)."""
    return [
        text
        for text in visible(person) + list(person.callback_answers)
        if not any(text.startswith(f) for f in forwards)
    ]


async def told(person: Person, before: int) -> None:
    """Wait until `person` got a message more than `before` (in whatever language)."""
    await person.wait_for(lambda _message: len(person.messages) > before)


@pytest.mark.parametrize("locale", [loc for loc in SHIPPED if loc != "nl"])
async def test_staff_read_only_their_own_language_whatever_the_family_speaks(
    emu: BotApiEmulator, kring: Running, locale: str
):
    """The relatives (and an applicant) use `locale`; the manager and the coordinator read
    Dutch. Everything that reaches the staff, however it was caused, is Dutch only."""
    from conference.meeting import fix_meeting
    from conference.model.meeting import Venue
    from conference.model.plan import Who
    from conference.plan import add_agreement, publish, set_follow_up
    from dialogs.callbacks import FollowUpAnswer, MeetingAnswer

    manager, ayse, _edith = await request_on_the_managers_screen(emu, kring, 7001, "Ayse")
    await manager.press("Toewijzen aan Ayse Demir")
    applicant = emu.user("Herman", language_code=locale)  # asks in their own language
    await applicant.send_text("/start")
    await applicant.press(t(locale, "Ik wil eerst meer weten"))
    await applicant.press(t(locale, "Informatiegesprek aanvragen"))
    await applicant.send_text("Zeist")
    await applicant.press(t(locale, "Alleen via Telegram"))
    await applicant.press(t(locale, "✅ Ja, ik ga akkoord"))
    await applicant.press(t(locale, "✅ Versturen"))
    await manager.wait_for("Zeist")
    await manager.send_text("/requests")
    await manager.press("Zeist", contains=True)

    assert kring.app is not None
    clock = kring.app.clock
    soon = clock.now() + timedelta(days=30)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("➕ Datums voorstellen")
    await ayse.send_text(f"{soon.day}-{soon.month} 10:00\n{soon.day}-{soon.month} 14:00")
    token = await invite(ayse, "Wim", "zoon", "familie", locale_own_name(locale), True)
    # the text to forward is in Wim's language
    forwards = (last_message_containing(ayse.messages, "Om door te sturen").text or "",)
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text(f"/start {token}")
    await wim.press(t(locale, "✅ Ja, ik kom"))
    await wim.press(t(locale, "💡 Datum of plek voorstellen"))
    later = soon + timedelta(days=1)
    seen = len(ayse.messages)
    await wim.send_text(f"{later.day}-{later.month} 10:00")
    await told(ayse, seen)
    await wim.send_text("/me")
    await wim.press(t(locale, "➕ Wie moeten we nog vragen?"))
    await wim.send_text("Jan")
    await wim.send_text("opa")
    seen = len(ayse.messages)
    await wim.press(t(locale, "Weet ik niet"))
    await told(ayse, seen)
    stranger = emu.user("Frank", language_code=locale)  # a second phone tries the link
    seen = len(ayse.messages)
    await stranger.send_text(f"/start {token}")
    await told(ayse, seen)

    async with kring.uow() as uow:  # the meeting, and a plan with Wim asked after 4 weeks
        (invitee,) = await uow.invitees.of_conference(ConferenceId(1))
        await fix_meeting(
            uow,
            PersonId(7001),
            ConferenceId(1),
            soon,
            Venue("De Linde"),
            clock.now(),
            kring.settings.policy,
        )
        plan = await add_agreement(
            uow,
            PersonId(7001),
            ConferenceId(1),
            "Wim zwemt met Johan",
            [Who(invitee.id)],
            None,
            None,
        )
        await set_follow_up(uow, PersonId(7001), ConferenceId(1), [invitee.id])
        await publish(uow, PersonId(7001), ConferenceId(1), clock.now(), kring.settings.zone)
        await uow.commit()
    seen = len(ayse.messages)
    await press_forged(wim, MeetingAnswer(invitee=invitee.id, coming=False).pack())
    await told(ayse, seen)
    seen = len(ayse.messages)
    await press_forged(
        wim,
        FollowUpAnswer(
            invitee=invitee.id, agreement=plan.agreements[-1].id, answer="partly"
        ).pack(),
    )
    await told(ayse, seen)
    await wim.press(t(locale, "💬 Iets erbij zeggen (hoeft niet)"))
    seen = len(ayse.messages)
    await wim.send_text("Gaat goed")
    await told(ayse, seen)

    for reader, name in ((ayse, "coordinator"), (manager, "manager")):
        leaks = {
            text: found
            for text in staff_messages(reader, forwards)
            if (found := other_language_in(text, "nl"))
        }
        assert leaks == {}, f"{locale}: the {name} reads another language: {leaks}"


URL = re.compile(r"https?://\S+")  # as a messenger finds a link: up to the next space


async def test_a_forwarded_invitation_link_is_exactly_the_link_in_every_language(
    emu: BotApiEmulator, kring: Running
):
    """The text to forward (WhatsApp, SMS) holds the link bare, on a line of its own: nothing
    glued to it (an isolate or a full stop would open a wrong token)."""
    ayse = await assigned_conference(emu, kring)
    for locale in SHIPPED:
        mark = ayse.version
        token = await invite(ayse, "Wim", "broer", "familie", locale_own_name(locale), True)
        handed_out = messages_since(ayse, mark)
        to_copy = last_message_containing(handed_out, "De persoonlijke link")
        to_forward = last_message_containing(handed_out, "Om door te sturen")
        link = f"https://t.me/kring_test_bot?start={token}"
        for message in (to_copy, to_forward):
            text = message.text or ""
            assert URL.findall(text) == [link], f"{locale}: {URL.findall(text)!r}"
            assert link in text.split("\n"), f"{locale}: the link is not on its own line"
        assert t(locale, "Kom je?") not in to_forward.text  # (the forward, not a reply)


NUMBERS = re.compile(r"[0-9۰-۹]+")
EXCEPT = re.compile(r"https?://\S+|EK-\d{4}-\d{4}")  # links, tokens and reference codes


async def test_persian_is_written_with_persian_digits_only(emu: BotApiEmulator, kring: Running):
    """Dates on the buttons, the fixed date, counts: Persian digits, never Babel's Latin ones
    beside them."""
    from conference.meeting import fix_meeting
    from conference.model.meeting import Venue

    ayse = await with_two_dates(emu, kring)
    assert kring.app is not None
    soon = kring.app.clock.now() + timedelta(days=30)
    token = await invite(ayse, "Wim", "broer", "familie", locale_own_name("fa"), True)
    wim = emu.user("Wim", language_code="fa")
    await wim.send_text(f"/start {token}")
    await wim.press(t("fa", "✅ Ja, ik kom"))
    await wim.press(t("fa", "📅 Wanneer kan ik?"))
    ballot = wim.last
    await wim.press(ballot.buttons[0][0], message=ballot)
    await wim.press(t("fa", "🧭 Wat heb je nodig om te komen?"))
    async with kring.uow() as uow:
        await fix_meeting(
            uow,
            PersonId(7001),
            ConferenceId(1),
            soon,
            Venue("De Linde"),
            kring.app.clock.now(),
            kring.settings.policy,
        )
        await uow.commit()
    await wim.send_text("/me")

    seen = visible(wim) + list(wim.callback_answers)
    digits = {n for text in seen for n in NUMBERS.findall(EXCEPT.sub("", text))}
    latin = sorted(n for n in digits if re.search(r"[0-9]", n))
    assert latin == [], f"Latin digits in Persian messages: {latin}"
    assert any(re.search(r"[۰-۹]", n) for n in digits)
