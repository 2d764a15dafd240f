"""Every person in their own language: the invitation, RSVP, dates, food and needs run in each
shipped language, and fail if any visible text (message or button) comes back in another
language than the reader's. Right-to-left text keeps Dutch names and dates in order."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from babel.messages.pofile import read_po

from bot.config import LOCALES_DIR
from conference.model import ConferenceId, PersonId
from dialogs.labels import locale_own_name
from dialogs.texts import FSI, PDI
from emulator import BotApiEmulator, Person
from tests.flows.conftest import Running, t
from tests.flows.test_circle import assigned_conference
from tests.flows.test_worked_example import invite

SHIPPED = sorted(p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
WORD = re.compile(r"[^\W\d_]{3,}")
_phrases: dict[str, dict[str, str]] = {}


def catalog(locale: str) -> dict[str, str]:
    """msgid -> this language's text (singular forms)."""
    if locale not in _phrases:
        with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
            _phrases[locale] = {
                (m.id[0] if isinstance(m.id, tuple) else m.id):
                (m.string[0] if isinstance(m.string, tuple) else m.string)
                for m in read_po(source, locale=locale) if m.id}
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
        emu: BotApiEmulator, kring: Running, locale: str):
    ayse = await assigned_conference(emu, kring)
    # two dates first, so the answer screens offer them
    assert kring.app is not None
    soon = kring.app.clock.now() + timedelta(days=30)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("➕ Datums voorstellen")
    await ayse.send_text(f"{soon.day}-{soon.month} 10:00\n{soon.day}-{soon.month} 14:00")
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
    leaks = sorted({phrase for phrase in foreign_phrases(locale)
                    for text in seen if phrase in text.replace(FSI, "").replace(PDI, "")})
    assert leaks == [], f"{locale}: text in another language: {leaks[:5]}"
    async with kring.uow() as uow:  # and the answers were saved
        (invitee,) = await uow.invitees.of_conference(ConferenceId(1))
        assert invitee.person_id == PersonId(wim.id) and invitee.needs.transport
        assert await uow.meetings.ballots(ConferenceId(1)) != {}


@pytest.mark.parametrize("locale", [loc for loc in ("ar", "fa") if loc in SHIPPED])
async def test_right_to_left_keeps_a_dutch_name_and_a_date_in_order(
        emu: BotApiEmulator, kring: Running, locale: str):
    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Wim de Vries", "broer", "familie", locale_own_name(locale),
                         True)
    wim = emu.user("Wim", language_code=locale)
    await wim.send_text(f"/start {token}")
    greeting = wim.last.text
    assert f"{FSI}Wim de Vries{PDI}" in greeting  # isolated: stays "Wim de Vries"
    await wim.send_text("/me")
    assert "EK-" in wim.last.text and f"{FSI}EK-" in wim.last.text
