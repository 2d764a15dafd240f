"""A family member requests a conference on their phone; the regional manager is told."""

from __future__ import annotations

from datetime import datetime

import pytest

from conference.model.ids import ConferenceId, PersonId
from conference.model.request import ApplicantRole
from emulator import BotApiEmulator, Person
from tests.flows.conftest import (
    Running,
    fill_in_info_talk,
    press_forged,
    ready_manager,
    t,
)

QUESTION_NL = "Waar kan Johan (8) veilig opgroeien en wat is daarvoor nodig?"
QUESTION_EN = "Where can Johan (8) grow up safely, and what is needed for that?"
MANAGER_ID = 9001


async def walk_intake(
    user: Person, locale: str, question: str, role: str = "Familie of vriend(in)"
) -> None:
    """Every step of the intake, by pressing what the person sees and typing answers."""
    await user.send_text("/start")
    await user.press(t(locale, "Een conferentie aanvragen"))
    assert t(locale, "Wie doet de aanvraag?") in user.last.text
    await user.press(t(locale, role))
    await user.send_text("Johan")
    assert "Johan" in user.last.text  # "How old is Johan?"
    await user.send_text("8")
    await user.send_text(question)
    await user.send_text("Moeder is psychiatrisch patiënt; vader blowt te veel; geldzorgen.")
    await user.press(t(locale, "👪 Familie of persoon"))
    await user.press("Nederlands" if locale == "nl" else "Dutch")
    await user.press("Turks" if locale == "nl" else "Turkish")
    assert user.last.buttons[0][0].startswith("✓ ")  # the toggle shows at once
    await user.press(t(locale, "Klaar ✓"))
    await user.press(t(locale, "Geen voorkeur"))
    await user.send_text("Utrecht")
    assert user.reply_keyboard is not None
    await user.press(t(locale, "📱 Deel mijn telefoonnummer"))
    await user.press(t(locale, "✅ Ja, ik ga akkoord"))


@pytest.mark.parametrize(
    ("locale", "language_code", "question"),
    [("nl", "nl", QUESTION_NL), ("en", "en-GB", QUESTION_EN)],
)
async def test_whole_intake_reaches_the_manager(
    emu: BotApiEmulator, kring: Running, locale: str, language_code: str, question: str
):
    manager = await ready_manager(emu, kring, MANAGER_ID)
    assert "regiomanager" in manager.last.text  # staff are told what kring does for them
    edith = emu.user("Edith", language_code=language_code)

    await walk_intake(edith, locale, question)

    summary = edith.last.text
    assert t(locale, "Controleer je aanvraag") in summary
    for expected in ("Johan", "8", question, "Utrecht", "+31"):
        assert expected in summary
    assert ("Nederlands, Turks" if locale == "nl" else "Dutch, Turkish") in summary
    assert edith.reply_keyboard is None  # the phone keyboard went away after the contact step

    await edith.press(t(locale, "✅ Versturen"))
    year = datetime.now().year
    reference = f"EK-{year}-0001"
    assert reference in edith.last.text
    assert {"nl": "Wat gebeurt er nu?", "en": "What happens now?"}[locale] in edith.last.text
    assert t(locale, "Verstuurd ✓") in edith.callback_answers

    notice = await manager.wait_for(reference)
    assert "Utrecht" in notice.text
    assert QUESTION_NL not in notice.text  # the notice itself carries no case details
    await manager.press("Open aanvraag", message=notice)
    details = manager.last
    assert question in details.text and "geldzorgen" in details.text
    assert "Edith" in details.text
    assert details.protect_content

    async with kring.uow() as uow:
        stored = await uow.conferences.get(ConferenceId(1))
    assert stored is not None
    assert stored.question == question
    assert stored.subject_name == "Johan" and stored.subject_age == 8
    assert stored.family_languages == ("nl", "tr")
    assert stored.applicant_locale == locale
    assert stored.minimum_requirement is None


async def test_a_neighbour_applies(emu: BotApiEmulator, kring: Running):
    """The brochures' own example: a neighbour worries and asks for a conference."""
    manager = await ready_manager(emu, kring, MANAGER_ID)
    herman = emu.user("Herman", language_code="nl")
    await walk_intake(herman, "nl", QUESTION_NL, role="Buurman of buurvrouw")
    await herman.press("✅ Versturen")
    notice = await manager.wait_for("EK-")
    await manager.press("Open aanvraag", message=notice)
    assert "Wie vraagt aan: Buurman of buurvrouw" in manager.last.text
    async with kring.uow() as uow:
        stored = await uow.conferences.get(ConferenceId(1))
    assert stored is not None and stored.applicant_role == ApplicantRole.NEIGHBOUR


MINIMUMEIS = "Johan gaat niet terug naar het huis van de vriend van moeder."


async def walk_professional_intake(guardian: Person) -> None:
    """A family guardian applies, with a minimum requirement, up to the summary (Dutch)."""
    await guardian.send_text("/apply")
    await guardian.press("Professional")
    for answer in ("Johan", "8", QUESTION_NL):
        await guardian.send_text(answer)
    await guardian.press("Overslaan")  # no concerns typed
    assert "minimumeis" in guardian.last.text
    await guardian.send_text(MINIMUMEIS)
    await guardian.press("👪 Familie of persoon")
    await guardian.send_text("Tigrinya")  # a typed language is added to the list
    await guardian.press("Klaar ✓")
    await guardian.send_text("Een vrouw die Tigrinya spreekt")
    await guardian.send_text("Amersfoort")
    await guardian.press("Alleen via Telegram")
    await guardian.press("✅ Ja, ik ga akkoord")


async def test_a_professional_states_a_minimum_requirement(emu: BotApiEmulator, kring: Running):
    manager = await ready_manager(emu, kring, MANAGER_ID)
    guardian = emu.user("Gezinsvoogd", language_code="nl")
    await walk_professional_intake(guardian)
    assert "Johan gaat niet terug" in guardian.last.text
    await guardian.press("✅ Versturen")
    await manager.wait_for("EK-")
    await manager.press("Open aanvraag")
    assert "Minimumeis" in manager.last.text and "Tigrinya" in manager.last.text
    assert "alleen via Telegram" in manager.last.text


async def test_an_information_talk_reaches_the_manager(emu: BotApiEmulator, kring: Running):
    manager = await ready_manager(emu, kring, MANAGER_ID)
    herman = emu.user("Herman", language_code="nl")
    await fill_in_info_talk(herman)
    # what a conference is was explained first (that message became the first question)
    assert any(
        "Het plan is van jullie" in str(c.params.get("text"))
        for c in emu.calls_to("sendMessage", ok=True)
    )
    assert "Zeist" in herman.last.text
    await herman.press("✅ Versturen")
    assert "informatiegesprek" in herman.last.text
    notice = await manager.wait_for("EK-")
    assert "informatiegesprek" in notice.text and "Zeist" in notice.text


async def test_only_managers_can_open_a_request(emu: BotApiEmulator, kring: Running):
    manager = await ready_manager(emu, kring, MANAGER_ID)
    edith = emu.user("Edith", language_code="nl")
    await walk_intake(edith, "nl", QUESTION_NL)
    await edith.press("✅ Versturen")
    notice = await manager.wait_for("EK-")
    # A curious applicant forges the manager's button: the payload is checked, not trusted.
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    data = notice.callback_data("Open aanvraag")
    await press_forged(wim, data)
    assert wim.callback_answers[-1] == "Dit is alleen voor regiomanagers."
    assert all(QUESTION_NL not in (m.text or "") for m in wim.messages)


async def test_replayed_update_changes_nothing(emu: BotApiEmulator, kring: Running):
    """Telegram may deliver an update twice; the second delivery must have no effect."""
    from aiogram.types import Update

    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/start")
    before = len(edith.messages)
    update = Update.model_validate(
        {
            "update_id": 10_000,
            "message": {
                "message_id": 77,
                "date": 0,
                "chat": {"id": edith.id, "type": "private"},
                "from": {"id": edith.id, "is_bot": False, "first_name": "Edith"},
                "text": "/apply",
            },
        }
    )
    assert kring.app is not None
    await kring.app.processor.process(update)
    await kring.app.processor.process(update)
    assert len(edith.messages) == before + 1  # one question, not two
    async with kring.uow() as uow:
        assert not await uow.updates.claim(10_000)
        assert await uow.persons.get(PersonId(edith.id)) is not None
