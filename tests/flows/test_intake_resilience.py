"""Bad input, restarts, blocked users: the person is met kindly and nothing is lost."""

from __future__ import annotations

import asyncio

from sqlalchemy import func, select

from conference.model.ids import PersonId
from emulator import BotApiEmulator
from storage.tables import ConferenceRow
from tests.flows.steps import (
    Running,
    any_message_containing,
    fill_in_info_talk,
    last_message_containing,
    messages_since,
    press_forged,
    ready_manager,
    replies_to_text,
    t,
)

QUESTION = "Waar kan Johan (8) veilig opgroeien en wat is daarvoor nodig?"


async def start_and_reach_the_question(user) -> None:
    await user.send_text("/apply")
    await user.press("Familie of vriend(in)")
    await user.send_text("Johan")
    await user.send_text("8")
    assert "Waar kan Johan (8) veilig opgroeien" in user.last.text  # the examples are shown


async def test_bad_input_is_met_with_a_kind_reask_and_nothing_is_lost(
    emu: BotApiEmulator, kring: Running
):
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/apply")
    await edith.press("Familie of vriend(in)")

    mark = edith.version
    await edith.send_photo()
    assert any_message_containing(messages_since(edith, mark), "Typ je antwoord als tekst")
    assert "Over wie gaat het?" in edith.last.text  # the same question again
    await edith.send_sticker()
    assert "Over wie gaat het?" in edith.last.text
    reply = await replies_to_text(edith, "   ")
    assert any_message_containing(reply, "Ik zie geen antwoord")
    await edith.send_text("Johan")

    reply = await replies_to_text(edith, "abc")
    assert any_message_containing(reply, "Typ de leeftijd als getal")
    reply = await replies_to_text(edith, "250")
    assert any_message_containing(reply, "0 tot 120")
    await edith.send_text("8")

    reply = await replies_to_text(edith, "x" * 3000)
    assert "3.000" in last_message_containing(reply, "1.000 tekens").text
    reply = await replies_to_text(edith, "/bestaatniet")
    assert any_message_containing(reply, "Dat commando ken ik hier niet")
    assert "Stap 4 van 11" in edith.last.text
    reply = await replies_to_text(edith, "Waarom?")  # too short for a conference question
    assert any_message_containing(reply, "minstens 10 tekens")
    await edith.send_text(QUESTION)
    assert "Opgeslagen ✓" in edith.last.text and "Stap 5 van 11" in edith.last.text

    # A choice step wants a button, not text.
    await edith.press("Overslaan")
    reply = await replies_to_text(edith, "de eerste graag")
    assert any_message_containing(reply, "Kies een van de knoppen")
    # Every bot message passed Telegram's checks (length, HTML, buttons).
    assert emu.calls_to("sendMessage", ok=False) == []

    reply = await replies_to_text(edith, "/help")
    assert "Soort conferentie" in last_message_containing(reply, "stap 6 van 11").text


async def test_back_and_edit_keep_earlier_answers(emu: BotApiEmulator, kring: Running):
    edith = emu.user("Edith", language_code="nl")
    await start_and_reach_the_question(edith)
    await edith.press("⬅ Terug")
    assert "Hoe oud is Johan?" in edith.last.text and "Je antwoord nu: 8" in edith.last.text
    await edith.send_text("9")
    assert "Stap 4 van 11" in edith.last.text  # straight back to where we were
    await edith.press("⬅ Terug")
    await edith.press("⬅ Terug")
    await edith.press("⬅ Terug")
    await edith.press("⬅ Terug")
    assert "Wat wil je doen?" in edith.last.text  # back from the first question: the menu


async def test_a_button_of_an_earlier_question_changes_nothing(
    emu: BotApiEmulator, kring: Running
):
    edith = emu.user("Edith", language_code="nl")
    await start_and_reach_the_question(edith)
    age_prompt = next(m for m in edith.messages if "Hoe oud is Johan?" in (m.text or ""))
    shown = len(edith.messages)
    await edith.press("Overslaan", message=age_prompt)
    assert "eerdere vraag" in edith.callback_answers[-1]
    assert len(edith.messages) == shown
    await edith.send_text(QUESTION)
    assert "Wat maakt je zorgen?" in edith.last.text


async def test_edit_from_the_summary_returns_to_the_summary(emu: BotApiEmulator, kring: Running):
    herman = emu.user("Herman", language_code="nl")
    await fill_in_info_talk(herman)
    await herman.press("✏️ Gemeente of regio")
    assert "Je antwoord nu: Zeist" in herman.last.text
    await herman.send_text("Utrechtse Heuvelrug")
    assert "Controleer je aanvraag" in herman.last.text
    assert "Utrechtse Heuvelrug" in herman.last.text and "Zeist" not in herman.last.text


async def test_a_restart_mid_intake_continues_where_it_stopped(
    emu: BotApiEmulator, kring: Running
):
    edith = emu.user("Edith", language_code="nl")
    await start_and_reach_the_question(edith)
    await kring.restart()  # a new process: new Bot, new Dispatcher, the same database
    assert kring.runs == 2
    await edith.send_text(QUESTION)
    assert "Wat maakt je zorgen?" in edith.last.text
    await kring.kill()  # and a crash, without a clean shutdown
    await kring.start()
    await edith.press("Overslaan")
    assert "Welke soort conferentie" in edith.last.text
    await edith.press("👪 Familie of persoon")
    await edith.press("Nederlands")
    await edith.press("Klaar ✓")
    await edith.press("Geen voorkeur")
    await edith.send_text("Utrecht")
    await edith.press("Alleen via Telegram")
    await edith.press("✅ Ja, ik ga akkoord")
    summary = edith.last.text
    assert "Johan" in summary and QUESTION in summary and "8" in summary


async def test_cancel_asks_first_and_then_forgets(emu: BotApiEmulator, kring: Running):
    edith = emu.user("Edith", language_code="nl")
    await start_and_reach_the_question(edith)
    await edith.send_text("/cancel")
    assert "Wil je stoppen" in edith.last.text
    await edith.press("Nee, doorgaan")
    assert "Stap 4 van 11" in edith.last.text
    await edith.send_text("/cancel")
    await edith.press("Ja, stoppen")
    assert "gewist" in edith.last.text
    await edith.send_text("/apply")
    assert "Stap 1 van 11" in edith.last.text  # a fresh start, nothing of before


async def test_language_switch_is_remembered(emu: BotApiEmulator, kring: Running):
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    assert "Hallo Wim!" in wim.last.text
    await wim.send_text("/language")
    await wim.press("English")
    assert wim.last.text == "The language is now: English ✓"
    await wim.send_text("/start")
    assert "Hello Wim!" in wim.last.text
    async with kring.uow() as uow:
        person = await uow.persons.get(PersonId(wim.id))
    assert person is not None and person.locale == "en"


async def test_commands_are_published_per_language(emu: BotApiEmulator, kring: Running):
    # the menu goes out beside the polling, not before it
    for _ in range(100):
        calls = emu.calls_to("setMyCommands", ok=True)
        if any(c.params.get("language_code") is None for c in calls):
            break
        await asyncio.sleep(0.05)
    by_language = {c.params.get("language_code"): c.params["commands"] for c in calls}
    assert {"nl", "en", None} <= set(by_language)
    english = {c["command"]: c["description"] for c in by_language["en"]}
    dutch = {c["command"]: c["description"] for c in by_language["nl"]}
    assert english["apply"] == t("en", "Een conferentie aanvragen") != dutch["apply"]


async def test_a_user_who_blocked_the_bot_crashes_nothing(emu: BotApiEmulator, kring: Running):
    blocked_manager = await ready_manager(emu, kring, 9002, "Kees")
    blocked_manager.block()
    manager = await ready_manager(emu, kring, 9001, "Marieke")

    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    sent = await wim.send_text("/apply", wait=False)
    wim.block()  # before the bot answers: its reply hits 403, and the bot carries on
    await emu.wait_confirmed(sent)
    assert emu.calls_to("sendMessage", ok=False)[-1].status == 403
    async with kring.uow() as uow:
        assert not (await uow.persons.get(PersonId(wim.id))).reachable

    herman = emu.user("Herman", language_code="nl")
    await fill_in_info_talk(herman)
    await herman.press("✅ Versturen")
    assert "EK-" in herman.last.text  # submitted although one manager blocked the bot
    await manager.wait_for("EK-")
    async with kring.uow() as uow:
        assert not (await uow.persons.get(PersonId(9002))).reachable
        count = await uow.session.scalar(select(func.count()).select_from(ConferenceRow))
    assert count == 1

    wim.unblock()
    await wim.send_text("/start")
    assert "Je was nog bezig" in wim.last.text or "Hallo Wim" in wim.last.text
    async with kring.uow() as uow:
        assert (await uow.persons.get(PersonId(wim.id))).reachable


async def test_an_old_menu_button_does_not_throw_answers_away(emu: BotApiEmulator, kring: Running):
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/start")
    menu = edith.last
    await edith.send_text("/apply")
    await edith.press("Familie of vriend(in)")
    await edith.send_text("Johan")
    mark = edith.version
    await edith.press("Een conferentie aanvragen", message=menu)
    assert any_message_containing(messages_since(edith, mark), "Je bent al bezig")
    assert "Hoe oud is Johan?" in edith.last.text  # still at step 3, answers kept
    await edith.send_text("/start")
    await edith.press("Opnieuw beginnen")
    assert "Stap 1 van 11" in edith.last.text


async def test_a_choice_the_question_does_not_offer_is_refused_kindly(
    emu: BotApiEmulator, kring: Running
):
    from dialogs.callbacks import Answer

    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/apply")
    shown = len(edith.messages)
    await press_forged(edith, Answer(field="role", value="king").pack())
    assert edith.callback_answers[-1] == "Die keuze ken ik niet."
    await press_forged(edith, Answer(field="model", value="ekc").pack())
    assert "eerdere vraag" in edith.callback_answers[-1]
    assert len(edith.messages) == shown
    await edith.send_text("/apply")  # the question again, with its own buttons
    await edith.press("Familie of vriend(in)")
    await press_forged(edith, Answer(field="subject_name", value="Johan").pack())
    assert edith.callback_answers[-1] == "Die keuze ken ik niet."
    await edith.send_text("Johan")
    assert "Hoe oud is Johan?" in edith.last.text
