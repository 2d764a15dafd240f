"""Buttons under old messages keep working. Telegram hands a button's message to the bot as
an InaccessibleMessage (no text) once it is older than 48 hours; relatives answer days after
the invitation came, coordinators open a conference from last week's list. Here the emulator's
clock moves on between the taps, so every tap is under a message days old."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from emulator import BotApiEmulator, Person
from tests.flows.steps import (
    Running,
    add_coordinators,
    any_message_containing,
    assigned_conference,
    invite,
    last_text,
    messages_since,
    ready_manager,
)

DAY = 24 * 3600
ZONE = ZoneInfo("Europe/Amsterdam")


def days_later(emu: BotApiEmulator, days: int = 3) -> None:
    emu.advance_clock(days * DAY)


def typed_dates() -> str:
    today = datetime.now(ZONE)
    moments = [today + timedelta(days=d) for d in (40, 47)]
    return "\n".join(f"{m.day}-{m.month} 10:00" for m in moments)


async def propose_dates(ayse: Person) -> None:
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("➕ Datums voorstellen")
    await ayse.send_text(typed_dates())
    assert "Opgeslagen ✓ Voorgesteld:" in last_text(ayse)


async def test_a_relative_answers_an_invitation_days_later(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Wim", "zoon", "familie", "Engels", must=True)
    wim = emu.user("Wim", language_code="en")
    await wim.send_text(f"/start {token}")
    invitation = wim.last
    await propose_dates(ayse)
    ballot = await wim.wait_for("Some dates have been suggested")

    days_later(emu)  # the RSVP, on the invitation: changed in place, by its id
    await wim.press("✅ Yes, I'm coming", message=invitation)
    assert wim.callback_answers[-1] == "Saved ✓"
    answered = next(m for m in wim.messages if m.message_id == invitation.message_id)
    assert "Great that you're coming!" in (answered.text or "") and answered.edited

    days_later(emu)  # food and drink, each tap days after the last
    await wim.press("🍽 Food and drink", message=invitation)
    assert "faith or your health" in last_text(wim)
    for label in ("Yes, that's fine", "Vegetarian", "Peanuts"):
        days_later(emu)
        await wim.press(label)
    days_later(emu)
    await wim.press("Done ✓")
    assert last_text(wim) == "Food: Vegetarian. Allergies: Peanuts. Saved ✓"

    days_later(emu)  # what they need to come
    await wim.press("🧭 What do you need to come?", message=invitation)
    for label in ("Interpreter: no", "Arabic"):
        days_later(emu)
        await wim.press(label)
    assert wim.last.buttons[0] == ["Interpreter: Arabic"]
    days_later(emu)
    await wim.press("Done ✓")
    assert "Saved ✓" in last_text(wim)

    days_later(emu)  # the dates: a tap on the ballot that came days ago
    await wim.press(ballot.buttons[0][0], message=ballot)
    assert wim.callback_answers[-1] == "Saved ✓"
    voted = next(m for m in wim.messages if m.message_id == ballot.message_id)
    assert "Saved ✓" in (voted.text or "") and voted.buttons[0][0].startswith("✅")

    days_later(emu)  # and changing the answer again, on the same old invitation
    await wim.press("🤔 Maybe", message=invitation)
    answered = next(m for m in wim.messages if m.message_id == invitation.message_id)
    assert "Let us know" in (answered.text or "")

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    view = last_text(ayse)
    assert "Wim ★ (zoon, familie): misschien" in view
    assert "Vegetarisch 1; allergieën: Pinda's 1" in view
    assert "tolk Arabisch 1" in view


async def test_a_relative_says_no_and_why_days_later(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Herman", "oom", "familie", "Nederlands", must=False)
    herman = emu.user("Herman", language_code="nl")
    await herman.send_text(f"/start {token}")
    invitation = herman.last
    days_later(emu)
    await herman.press("Nee, ik kan niet", message=invitation)
    assert herman.callback_answers[-1] == "Opgeslagen ✓"
    days_later(emu)
    await herman.press("Ik kan niet op die dag", message=invitation)
    assert herman.callback_answers[-1] == "Opgeslagen ✓"
    thanked = next(m for m in herman.messages if m.message_id == invitation.message_id)
    assert "De coördinator kijkt of er iets te regelen valt." in (thanked.text or "")
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Herman (oom, familie): komt niet (Ik kan niet op die dag)" in last_text(ayse)


async def test_a_coordinator_works_from_a_week_old_message(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)
    await ayse.send_text("/conferences")
    days_later(emu, 7)  # last week's list still opens the conference
    await ayse.press("EK-", contains=True)
    assert "Nog niemand" in last_text(ayse)
    view = ayse.last

    days_later(emu, 7)  # adding a person from last week's view, each answer days later
    await ayse.press("➕ Persoon toevoegen", message=view)
    await ayse.send_text("Wim")
    await ayse.send_text("zoon")
    for label in ("familie", "Engels · English"):
        days_later(emu)
        await ayse.press(label, contains=True)
    days_later(emu)
    mark = ayse.version
    await ayse.press("Ja, zeker erbij")
    handed_out = messages_since(ayse, mark)
    assert any_message_containing(handed_out, "Wim staat in de kring ✓")
    assert any_message_containing(handed_out, "De persoonlijke link")

    days_later(emu, 7)  # the dates, from the same old view
    await ayse.press("📅 Datum en plaats", message=view)
    await ayse.press("➕ Datums voorstellen")
    await ayse.send_text(typed_dates())
    assert "Opgeslagen ✓ Voorgesteld:" in last_text(ayse)


async def test_a_request_goes_on_days_later_and_is_assigned_from_last_weeks_notice(
    emu: BotApiEmulator, kring: Running
):
    manager = await ready_manager(emu, kring)
    await add_coordinators(kring)
    ayse = emu.user("Ayse", language_code="nl", user_id=7001)
    await ayse.send_text("/start")
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/start")
    for label in ("Ik wil eerst meer weten", "Informatiegesprek aanvragen"):
        days_later(emu)
        await edith.press(label)
    await edith.send_text("Zeist")
    for label in ("Alleen via Telegram", "✅ Ja, ik ga akkoord", "✅ Versturen"):
        days_later(emu)
        await edith.press(label)
    assert "Dank je wel! We hebben je vraag om een informatiegesprek ontvangen." in last_text(
        edith
    )
    await manager.wait_for("Ontvangen:")

    days_later(emu, 7)
    await manager.press("Open aanvraag")
    assert "Coördinatoren, best passend eerst:" in last_text(manager)
    days_later(emu)
    await manager.press("Toewijzen aan Ayse Demir")
    assert "is toegewezen aan Ayse Demir ✓" in last_text(manager)
    await ayse.wait_for("Je bent de coördinator van")
