"""The coordinator invites a person; the person answers from their own phone."""

from __future__ import annotations

import re

from emulator import BotApiEmulator
from tests.flows.conftest import Running, press_forged, ready_manager
from tests.flows.test_assignment import request_on_the_managers_screen


async def assigned_conference(emu: BotApiEmulator, kring: Running):
    manager, ayse, _ = await request_on_the_managers_screen(emu, kring, 7001, "Ayse")
    await manager.press("Toewijzen aan Ayse Demir")
    return ayse


async def invite_wim(ayse) -> str:
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Nog niemand" in ayse.last.text
    await ayse.press("➕ Persoon toevoegen")
    await ayse.send_text("Wim")
    await ayse.send_text("zoon")
    await ayse.press("familie")
    # named in Ayse's language, the own name beside it; hers first, then English, then A-Z
    assert [row[0] for row in ayse.last.buttons] == [
        "Nederlands", "Engels · English", "Arabisch · العربية", "Oekraïens · Українська",
        "Perzisch · فارسی", "Pools · Polski", "Tigrinya · ትግርኛ", "Turks · Türkçe"]
    await ayse.press("Engels · English")
    await ayse.press("Ja, zeker erbij")
    assert "Wim staat in de kring ✓" in ayse.messages[-4].text
    link = re.search(r"https://t\.me/kring_test_bot\?start=([A-Za-z0-9_-]+)",
                     ayse.messages[-3].text)
    assert link is not None
    assert "Hello Wim!" in ayse.messages[-2].text  # the text to forward is in Wim's language
    qr = ayse.last
    assert qr.kind == "photo" and qr.photo.startswith(b"\x89PNG")  # for a paper letter
    return link.group(1)


async def test_an_invited_person_answers_from_their_phone(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)
    token = await invite_wim(ayse)
    assert 32 <= len(token) <= 64

    wim = emu.user("Wim", language_code="nl")  # his phone says Dutch; Ayse chose English
    await wim.send_text(f"/start {token}")
    assert "Hello Wim!" in wim.last.text
    await wim.press("✅ Yes, I'm coming")
    assert "Saved ✓" in wim.callback_answers
    assert "Saved ✓" in wim.last.text
    await wim.press("🍽 Food and drink")
    assert "faith or your health" in wim.last.text  # consent first
    await wim.press("Yes, that's fine")
    await wim.press("Vegetarian")
    await wim.press("Peanuts")
    await wim.press("Milk")
    await wim.press("✓ Milk")  # toggled off again, in place
    assert [b for row in wim.last.buttons for b in row if b.startswith("✓")] == ["✓ Peanuts"]
    await wim.press("Done ✓")
    assert wim.last.text == "Food: Vegetarian. Allergies: Peanuts. Saved ✓"
    await wim.press("🧭 What do you need to come?")
    await wim.press("Interpreter: no")
    await wim.press("Arabic")
    await wim.press("Children coming: 0")
    await wim.press("2")
    await wim.press("Childcare needed")  # offered only now that children come along
    await wim.press("Help with transport")
    assert [b for row in wim.last.buttons for b in row if b.startswith("✓")] == [
        "✓ Childcare needed", "✓ Help with transport"]
    assert wim.last.buttons[0] == ["Interpreter: Arabic"]
    await wim.press("Done ✓")
    assert "Saved ✓" in wim.last.text
    await wim.press("🤔 Maybe")  # on the invitation message, which changes in place
    assert any("Let us know" in (m.text or "") for m in wim.messages)
    await wim.send_text("/me")  # later: my conference, my answer, still changeable
    assert "You might come." in wim.last.text
    await wim.press("✅ Yes, I'm coming")
    assert "Great that you're coming!" in wim.last.text
    await wim.press("🤔 Maybe")

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Wim ★ (zoon, familie): misschien" in ayse.last.text
    assert "Vegetarisch 1; allergieën: Pinda's 1" in ayse.last.text  # for the caterer
    assert "tolk Arabisch 1, kinderen 2 (opvang 1), vervoer 1" in ayse.last.text

    wim.block()  # Telegram tells the bot; the coordinator sees it in the circle
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Wim ★ (zoon, familie): onbereikbaar" in ayse.last.text


async def test_a_link_works_for_one_phone_only(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)
    token = await invite_wim(ayse)
    wim = emu.user("Wim", language_code="en")
    await wim.send_text(f"/start {token}")
    other = emu.user("Someone", language_code="nl")
    await other.send_text(f"/start {token}")
    assert "al geopend op een andere telefoon" in other.last.text
    warning = await ayse.wait_for("tweede telefoon")
    assert "Wim" in warning.text
    await wim.send_text(f"/start {token}")  # the same phone again is fine
    assert "Hello Wim!" in wim.last.text
    await other.send_text("/start " + "x" * 40)
    assert "ken ik niet" in other.last.text
    await other.send_text("/me")
    assert "niet uitgenodigd" in other.last.text
    # Someone else's answer button: refused, nothing changes
    invitee_id = wim.last.callback_data("✅ Yes, I'm coming").split(":")[1]
    await press_forged(other, f"rv:{invitee_id}:no")
    assert "niet van jou" in other.callback_answers[-1]
    await press_forged(other, f"nl:{invitee_id}")  # nor can anyone else re-issue the link
    assert "alleen voor de coördinator" in other.callback_answers[-1]

    # Wim lost his phone: Ayse re-issues; the old link stops working, the new one binds anew
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("🔁 Nieuwe link voor Wim")
    assert "De oude link van Wim werkt niet meer." in ayse.messages[-4].text
    new_token = re.search(r"start=([A-Za-z0-9_-]+)", ayse.messages[-3].text).group(1)
    assert new_token != token
    await wim.send_text(f"/start {token}")
    assert "don't know this invitation" in wim.last.text  # Wim reads English now
    new_phone = emu.user("Wim", language_code="en")
    await new_phone.send_text(f"/start {new_token}")
    assert "Hello Wim!" in new_phone.last.text


async def test_the_family_sees_the_minimum_requirement_and_a_no_can_say_why(
    emu: BotApiEmulator, kring: Running
):
    from tests.flows.test_assignment import add_coordinators
    from tests.flows.test_intake import MINIMUMEIS, walk_professional_intake

    manager = await ready_manager(emu, kring)
    await add_coordinators(kring)
    ayse = emu.user("Ayse", language_code="nl", user_id=7001)
    await ayse.send_text("/start")
    guardian = emu.user("Gezinsvoogd", language_code="nl")
    await walk_professional_intake(guardian)
    await guardian.press("✅ Versturen")
    await manager.send_text("/requests")
    await manager.press("EK-", contains=True)
    await manager.press("Toewijzen aan Ayse Demir")

    async def invite(name: str, relation: str, group: str) -> str:
        await ayse.send_text("/conferences")
        await ayse.press("EK-", contains=True)
        await ayse.press("➕ Persoon toevoegen")
        await ayse.send_text(name)
        await ayse.send_text(relation)
        await ayse.press(group)
        await ayse.press("Nederlands")
        await ayse.press("Nee")
        found = re.search(r"start=([A-Za-z0-9_-]+)", ayse.messages[-3].text)
        assert found is not None
        return found.group(1)

    herman_token = await invite("Herman", "oom", "familie")
    worker_token = await invite("Sanne", "gezinscoach", "professional")
    herman = emu.user("Herman", language_code="nl")
    await herman.send_text(f"/start {herman_token}")
    assert MINIMUMEIS in herman.last.text  # it lies on the table for the whole family
    sanne = emu.user("Sanne", language_code="nl")
    await sanne.send_text(f"/start {worker_token}")
    assert "minimumeis" not in sanne.last.text and "Hallo Sanne!" in sanne.last.text

    await herman.press("Nee, ik kan niet")
    assert "Dat hoeft niet" in herman.last.text
    await herman.press("Het is te ver weg voor mij")
    assert "Opgeslagen ✓" in herman.last.text
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Herman (oom, familie): komt niet (Het is te ver weg voor mij)" in ayse.last.text


async def test_who_else_goes_to_the_coordinator_who_adds_them(emu: BotApiEmulator,
                                                             kring: Running):
    ayse = await assigned_conference(emu, kring)
    token = await invite_wim(ayse)
    wim = emu.user("Wim", language_code="en")
    await wim.send_text(f"/start {token}")
    await wim.press("➕ Who else should we ask?")
    await wim.send_text("Jan")
    await wim.send_text("grandad")
    await wim.send_text("06-12345678")
    assert "The coordinator will discuss it with the family" in wim.last.text
    idea = await ayse.wait_for("stelt voor om ook Jan (grandad)")
    assert "06-12345678" in idea.text  # how to reach him: for the coordinator only
    accept = idea.callback_data("➕ Toevoegen aan de kring")
    await ayse.press("➕ Toevoegen aan de kring", message=idea)
    # Wim's word is offered; Ayse puts it in her own
    assert "Voorgesteld: “grandad”" in ayse.last.text
    assert ayse.last.buttons == [["✓ Overnemen: grandad"]]
    await ayse.send_text("opa")
    await ayse.press("familie")
    await ayse.press("Nederlands")
    await ayse.press("Nee")
    assert "Jan staat in de kring ✓" in ayse.messages[-4].text
    await press_forged(ayse, accept)  # the same decision again
    assert "al beslist" in ayse.callback_answers[-1]
    await press_forged(wim, accept)  # and not by anyone else
    assert "decided already" in wim.callback_answers[-1]
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Jan (opa, familie): uitgenodigd" in ayse.last.text


async def test_a_big_circle_is_shown_whole(emu: BotApiEmulator, kring: Running):
    """A circle of 60, with long relations: more than one message holds; nobody is left out
    and the buttons come under the last part."""
    from datetime import UTC, datetime

    from conference.circle import Group, InviteeDraft, invite
    from conference.model import ConferenceId, PersonId

    ayse = await assigned_conference(emu, kring)
    async with kring.uow() as uow:
        for n in range(60):
            await invite(uow, PersonId(7001), ConferenceId(1), InviteeDraft(
                f"Familielid{n:02d} van der Berg-Öztürk", "achterneef van moeders kant, "
                "woont in Zeist en komt met de trein", Group.FAMILY, "nl", False),
                datetime.now(UTC))
        await uow.commit()
    await ayse.send_text("/conferences")
    before = len(ayse.messages)
    await ayse.press("EK-", contains=True)
    parts = ayse.messages[before:]
    assert len(parts) > 1 and all(m.protect_content for m in parts)
    shown = "\n".join(m.text or "" for m in parts)
    assert all(f"Familielid{n:02d}" in shown for n in range(60))
    assert not parts[0].buttons and any("Persoon toevoegen" in b for b in parts[-1].buttons[0])
