"""The worked example of DOMAIN.md, several people at once on their own phones: Edith asks for
help with Johan (8), the manager assigns Ayse, Ayse invites the circle (Wim in English), they
answer, vote on dates, the father proposes a place, Ayse fixes the best date, and everyone who
comes gets the date, the place and a calendar file in their own language."""

from __future__ import annotations

from emulator import BotApiEmulator
from emulator.view import BotMessage
from tests.flows.steps import Running, assigned_conference, invite, press_forged
from tests.flows.worked_example import play_the_worked_example, slot_texts, vote


async def test_the_worked_example(emu: BotApiEmulator, kring: Running):
    await play_the_worked_example(emu, kring)


async def test_a_broadcast_reaches_the_chosen_people_in_their_language(
    emu: BotApiEmulator, kring: Running
):
    ayse = await assigned_conference(emu, kring)
    wim_token = await invite(ayse, "Wim", "broer", "familie", "English", False)
    edith_token = await invite(ayse, "Edith", "tante", "familie", "Nederlands", False)
    herman_token = await invite(ayse, "Herman", "oom", "familie", "Nederlands", False)
    wim, edith, herman = (
        emu.user("Wim", language_code="en"),
        emu.user("Edith"),
        emu.user("Herman"),
    )
    await wim.send_text(f"/start {wim_token}")
    await wim.press("✅ Yes, I'm coming")
    await edith.send_text(f"/start {edith_token}")
    await edith.press("🤔 Misschien")
    await herman.send_text(f"/start {herman_token}")
    await herman.press("✅ Ja, ik kom")
    herman.block()

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📣 Bericht aan de kring")
    await ayse.press("wie ja zei (2)")
    await ayse.send_text("Neem foto's van Johan mee & iets lekkers <3")
    assert "Naar 1 persoon (" in ayse.last.text  # not "1 mensen"
    assert "1 van hen is niet te bereiken" in ayse.last.text
    await ayse.press("📣 Versturen")
    got = await wim.wait_for("Message from your coordinator Ayse Demir:")
    assert "Neem foto's van Johan mee & iets lekkers <3" in got.text  # as typed, safely
    assert not any("Neem foto's" in (m.text or "") for m in edith.messages)  # maybe: not her
    report = await ayse.wait_for("Klaar:")
    assert "Klaar: 1 van de 2 heeft het bericht ontvangen." in report.text
    # Herman blocked the bot: said so, not "not reachable yet" as if he never started it
    assert "🚫 1 heeft de bot geblokkeerd (niet verstuurd)" in report.text
    assert "bereikbaar" not in report.text

    # a forged button for another audience step, or from a participant, changes nothing
    await press_forged(wim, "bc:1:send:")
    assert "only for this conference's coordinator" in wim.callback_answers[-1]
    await press_forged(wim, "dt:1:menu")
    assert "only for this conference's coordinator" in wim.callback_answers[-1]
    await press_forged(wim, "fx:1:1")
    assert "only for this conference's coordinator" in wim.callback_answers[-1]


async def test_who_voted_is_asked_about_new_dates_only(emu: BotApiEmulator, kring: Running):
    """Dates added after people voted: those who voted get just the new ones to tap, in a
    message of their own; who has not voted yet gets them all (issue 11, point 15)."""
    ayse = await assigned_conference(emu, kring)
    phones = {}
    for name in ("Herman", "Frank"):
        token = await invite(
            ayse, name, "oom" if name == "Herman" else "vader", "familie", "Nederlands", False
        )
        phones[name] = emu.user(name, language_code="nl")
        await phones[name].send_text(f"/start {token}")
        await phones[name].press("✅ Ja, ik kom")
    herman, frank = phones["Herman"], phones["Frank"]
    typed, _moments = slot_texts((20, 27, 34))
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("➕ Datums voorstellen")
    await ayse.send_text("\n".join(typed[:2]))
    await vote(herman, [1, 1])
    await ayse.press("📅 Datum en plaats")
    await ayse.press("➕ Datums voorstellen")
    await ayse.send_text(typed[2])
    assert "2 mensen krijgen de vraag" in ayse.last.text
    new = await herman.wait_for("nieuwe datums bij")
    assert len(new.buttons) == 1 and "❔" in new.buttons[0][0]  # just the new date
    await herman.press(new.buttons[0][0], message=new)
    shown = BotMessage(herman.chat.get(new.message_id), emu.files)
    assert len(shown.buttons) == 1 and "✅" in shown.buttons[0][0]  # still just that one
    everything = await frank.wait_for(lambda m: len(m.buttons) == 3)
    assert "datums voorgesteld" in everything.text  # he had not voted: all three
