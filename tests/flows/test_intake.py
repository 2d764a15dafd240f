"""A family member requests a conference on their phone; the regional manager is told."""

from __future__ import annotations

from datetime import datetime

import pytest

from conference.model.ids import ConferenceId, PersonId
from conference.model.request import ApplicantRole
from emulator import BotApiEmulator
from tests.flows.steps import (
    QUESTION_EN,
    QUESTION_NL,
    Running,
    fill_in_info_talk,
    press_forged,
    ready_manager,
    t,
    walk_intake,
    walk_professional_intake,
)

MANAGER_ID = 9001


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
