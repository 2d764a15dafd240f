"""The coordinator invites a person; the person answers from their own phone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import aiohttp
import pytest
from sqlalchemy import select, update

from emulator import BotApiEmulator
from storage.tables import AuditRow
from tests.flows.steps import (
    MINIMUMEIS,
    QUESTION_EN,
    Running,
    add_coordinators,
    any_message_containing,
    assigned_conference,
    invitation_token,
    invite,
    invite_wim,
    messages_since,
    press_forged,
    ready_manager,
    request_on_the_managers_screen,
    serving_kring,
    started,
    walk_intake,
    walk_professional_intake,
)


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
        "✓ Childcare needed",
        "✓ Help with transport",
    ]
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
    for _ in range(5):  # trying again and again: the coordinator hears it once a day
        await other.send_text(f"/start {token}")
        assert "al geopend op een andere telefoon" in other.last.text
    assert sum("tweede telefoon" in (m.text or "") for m in ayse.messages) == 1
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
    mark = ayse.version
    await ayse.press("🔁 Nieuwe link voor Wim")
    reissued = messages_since(ayse, mark)
    assert any_message_containing(reissued, "De oude link van Wim werkt niet meer.")
    new_token = invitation_token(reissued)
    assert new_token != token
    await wim.send_text(f"/start {token}")
    assert "This invitation can't be found" in wim.last.text  # Wim reads English now
    new_phone = emu.user("Wim", language_code="en")
    await new_phone.send_text(f"/start {new_token}")
    assert "Hello Wim!" in new_phone.last.text


async def test_the_family_sees_the_minimum_requirement_and_a_no_can_say_why(
    emu: BotApiEmulator, kring: Running
):

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

    herman_token = await invite(ayse, "Herman", "oom", "familie", "Nederlands", False)
    worker_token = await invite(ayse, "Sanne", "gezinscoach", "professional", "Nederlands", False)
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


async def test_who_else_goes_to_the_coordinator_who_adds_them(emu: BotApiEmulator, kring: Running):
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
    mark = ayse.version
    await ayse.press("Nee")
    assert any_message_containing(messages_since(ayse, mark), "Jan staat in de kring ✓")
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

    from conference.circle import invite
    from conference.model.circle import Group, InviteeDraft
    from conference.model.ids import ConferenceId, PersonId

    ayse = await assigned_conference(emu, kring)
    async with kring.uow() as uow:
        for n in range(60):
            await invite(
                uow,
                PersonId(7001),
                ConferenceId(1),
                InviteeDraft(
                    f"Familielid{n:02d} van der Berg-Öztürk",
                    "achterneef van moeders kant, woont in Zeist en komt met de trein",
                    Group.FAMILY,
                    "nl",
                    False,
                ),
                datetime.now(UTC),
            )
        await uow.commit()
    await ayse.send_text("/conferences")
    before = len(ayse.messages)
    await ayse.press("EK-", contains=True)
    parts = ayse.messages[before:]
    assert len(parts) > 1 and all(m.protect_content for m in parts)
    shown = "\n".join(m.text or "" for m in parts)
    assert all(f"Familielid{n:02d}" in shown for n in range(60))
    assert not parts[0].buttons and any("Persoon toevoegen" in b for b in parts[-1].buttons[0])


async def test_a_no_may_say_why_in_own_words(emu: BotApiEmulator, kring: Running):
    """Typed instead of tapped: stored, thanked once it is stored, shown to the coordinator
    only (issue 11, point 8)."""

    ayse = await assigned_conference(emu, kring)
    token = await invite(ayse, "Herman", "oom", "familie", "Nederlands", False)
    herman = emu.user("Herman", language_code="nl")
    await herman.send_text(f"/start {token}")
    await herman.press("Nee, ik kan niet")
    assert "typ het hier" in herman.last.text  # the prompt says typing is fine
    await herman.send_text("Ik werk die zaterdag in Rotterdam")
    thanks = await herman.wait_for("Alleen de coördinator leest het")
    assert "Opgeslagen ✓" in thanks.text
    assert not any("begrijp ik niet" in (m.text or "") for m in herman.messages)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert (
        "Herman (oom, familie): komt niet (“Ik werk die zaterdag in Rotterdam”)" in ayse.last.text
    )
    await herman.send_text("/me")  # a command is a command, not a reason
    assert "Je kunt niet komen." in herman.last.text
    await herman.press("✅ Ja, ik kom")  # a yes forgets the reason
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Rotterdam" not in ayse.last.text


async def test_an_interpreter_for_persian_or_a_typed_language(emu: BotApiEmulator, kring: Running):
    """Every language kring invites in is offered (Persian too), and another can be typed;
    the coordinator reads it (issue 11, point 12)."""
    ayse = await assigned_conference(emu, kring)
    token = await invite_wim(ayse)
    wim = emu.user("Wim", language_code="en")
    await wim.send_text(f"/start {token}")
    await wim.press("✅ Yes, I'm coming")
    await wim.press("🧭 What do you need to come?")
    await wim.press("Interpreter: no")
    offered = [b for row in wim.last.buttons for b in row]
    assert {"Persian", "Ukrainian", "Tigrinya", "Somali", "Papiamento"} <= set(offered)
    await wim.press("Persian")
    assert wim.last.buttons[0] == ["Interpreter: Persian"]
    await wim.press("Interpreter: Persian")
    await wim.press("✏️ Another language")
    await wim.send_text("Tamazight")
    assert wim.last.buttons[0] == ["Interpreter: Tamazight"]
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "tolk Tamazight 1" in ayse.last.text


async def test_the_professional_involved_sets_the_minimum_requirement(
    emu: BotApiEmulator, kring: Running
):
    """A relative applied; the youth-care worker invited as a professional sets the minimum
    requirement before the meeting. Who was invited before hears it in their language, who
    is invited later reads it in the invitation; nobody else may set it (issue 11, point 14)."""

    ayse = await assigned_conference(emu, kring)
    herman_token = await invite(ayse, "Herman", "oom", "familie", "Nederlands", False)
    wim_token = await invite(ayse, "Wim", "broer", "familie", "English", False)
    bos_token = await invite(ayse, "Bos", "gezinsvoogd", "professional", "Nederlands", False)
    herman, wim = emu.user("Herman", language_code="nl"), emu.user("Wim", language_code="en")
    await herman.send_text(f"/start {herman_token}")
    await wim.send_text(f"/start {wim_token}")
    assert "minimum" not in wim.last.text and not any(
        "Minimumeis" in b for row in herman.last.buttons for b in row
    )
    herman_answer = herman.last.callback_data("✅ Ja, ik kom")
    bos = emu.user("Bos", language_code="nl")
    await bos.send_text(f"/start {bos_token}")
    assert any("⚖️ Minimumeis" in b for row in bos.last.buttons for b in row)
    await ayse.send_text("/conferences")  # the coordinator asks him to
    await ayse.press("EK-", contains=True)
    await ayse.press("⚖️ Minimumeis vragen")
    await ayse.press("Bos")
    asked = await bos.wait_for("de coördinator vraagt je om de minimumeis")
    await bos.press("⚖️ Minimumeis", message=asked)
    await bos.send_text("Johan woont niet bij opa Jan.")
    assert "Opgeslagen ✓" in bos.last.text
    heard = await herman.wait_for("minimumeis")
    assert "Johan woont niet bij opa Jan." in heard.text
    assert "Johan woont niet bij opa Jan." in (await wim.wait_for("minimum requirement")).text
    await ayse.wait_for("de minimumeis is nu: Johan woont niet bij opa Jan.")
    edith_token = await invite(ayse, "Edith", "tante", "familie", "Nederlands", False)
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text(f"/start {edith_token}")
    assert "Johan woont niet bij opa Jan." in edith.last.text  # invited afterwards
    # a family member cannot set it, not even with a forged button
    herman_id = herman_answer.split(":")[1]
    await press_forged(herman, f"mi:{herman_id}")
    assert "alleen voor een professional" in herman.callback_answers[-1]
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "⚖️ Minimumeis: Johan woont niet bij opa Jan." in ayse.last.text


async def test_the_applicant_invited_to_the_circle_is_recognised(
    emu: BotApiEmulator, kring: Running
):
    """Edith applied (in Dutch); the coordinator invites her too, choosing English by mistake.
    Her own phone opens the link: one person, greeted as the applicant, in the language she
    chose, without the introduction again (issue 11, point 15)."""

    manager, ayse, edith = await request_on_the_managers_screen(emu, kring, 7001, "Ayse")
    await manager.press("Toewijzen aan Ayse Demir")
    token = await invite(ayse, "Edith", "tante", "familie", "English", False)
    await edith.send_text(f"/start {token}")
    greeting = edith.last.text
    assert "Je vroeg deze Eigen Kracht-conferentie aan (EK-" in greeting
    assert "Familie, vrienden en buren" not in greeting and "Hello" not in greeting
    await edith.press("✅ Ja, ik kom")
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Edith · aanvrager (tante, familie): komt" in ayse.last.text


async def test_the_coordinator_adds_the_applicant_with_one_tap(
    emu: BotApiEmulator, kring: Running
):
    """Edith applied in English. Kring knows her: the coordinator adds her to the circle with
    one tap, answers only what kring cannot know (relation, group, must-attend), and Edith gets
    the invitation in her chat, in English, without a link. A second tap adds nobody (issue 11,
    point 15)."""
    from conference.model.ids import ConferenceId

    manager = await ready_manager(emu, kring)
    await add_coordinators(kring)
    ayse = emu.user("Ayse", language_code="nl", user_id=7001)
    await ayse.send_text("/start")
    edith = emu.user("Edith", language_code="en")
    await walk_intake(edith, "en", QUESTION_EN)
    await edith.press("✅ Send")
    await manager.send_text("/requests")
    await manager.press("EK-", contains=True)
    await manager.press("Toewijzen aan Ayse Demir")

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    view = ayse.last
    assert "Nog niemand" in view.text
    await ayse.press("➕ Edith (aanvrager) in de kring")
    assert "Wat is Edith van de hoofdpersoon?" in ayse.last.text  # the name is known
    await ayse.send_text("tante")
    await ayse.press("familie")
    assert "Moet deze persoon er zeker bij zijn" in ayse.last.text  # no language asked
    await ayse.press("Ja, zeker erbij")
    assert "Edith staat in de kring ✓" in ayse.last.text
    assert not any("?start=" in (m.text or "") for m in ayse.messages)  # no link to pass on

    invitation = await edith.wait_for("You applied for this Eigen Kracht conference (EK-")
    assert "Now you are also invited to the circle" in invitation.text
    assert "t.me/" not in invitation.text and "Hallo" not in invitation.text
    await edith.press("✅ Yes, I'm coming", message=invitation)
    assert "Saved ✓" in edith.callback_answers

    await ayse.press("➕ Edith (aanvrager) in de kring", message=view)  # the old view, again
    assert "Edith staat al in de kring" in ayse.callback_answers[-1]
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert ayse.last.text.count("Edith") == 1
    assert "Edith ★ · aanvrager (tante, familie): komt" in ayse.last.text
    assert not any("aanvrager" in b for row in ayse.last.buttons for b in row)
    async with kring.uow() as uow:
        people = await uow.invitees.of_conference(ConferenceId(1))
    assert [(p.name, p.locale) for p in people] == [("Edith", "en")]


async def test_a_professional_who_applied_joins_the_circle_as_a_professional(
    emu: BotApiEmulator, kring: Running
):
    """The family guardian applied: one tap adds them as a professional (the group is not
    asked), and their invitation offers the minimum requirement button."""

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

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("➕ Gezinsvoogd (aanvrager) in de kring")
    await ayse.send_text("gezinsvoogd")
    assert "Moet deze persoon er zeker bij zijn" in ayse.last.text  # no group asked
    await ayse.press("Nee")
    invitation = await guardian.wait_for("Je vroeg deze Eigen Kracht-conferentie aan")
    assert MINIMUMEIS not in invitation.text  # professionals hear it from the coordinator
    assert ["⚖️ Minimumeis"] in invitation.buttons
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Gezinsvoogd · aanvrager (gezinsvoogd, professional): uitgenodigd" in ayse.last.text


async def test_an_account_that_keeps_guessing_links_is_not_heard_for_an_hour(
    emu: BotApiEmulator, kring: Running, caplog: pytest.LogCaptureFixture
):
    ayse = await assigned_conference(emu, kring)
    token = await invite_wim(ayse)
    guesser = emu.user("Someone", language_code="nl")
    for attempt in range(10):
        await guesser.send_text(f"/start {'g' * 30}{attempt:02d}")
        assert "ken ik niet" in guesser.last.text
    await guesser.send_text(f"/start {token}")  # even a real link: not now
    assert "te veel links" in guesser.last.text
    wim = emu.user("Wim", language_code="en")
    await wim.send_text(f"/start {token}")  # the invitee is not held up
    assert "Hello Wim!" in wim.last.text
    async with kring.uow() as uow:
        actions = list(
            await uow.session.scalars(
                select(AuditRow.action).where(AuditRow.actor_id == guesser.id)
            )
        )
    assert actions == ["invitation.refused.unknown"] * 10
    assert token not in caplog.text and "g" * 30 not in caplog.text


async def test_links_wait_a_while_when_many_accounts_were_refused(
    emu: BotApiEmulator, migrated_url: str, caplog: pytest.LogCaptureFixture
):
    """Besides per account, refused links are counted for all accounts together: past
    KRING_INVITATION_REFUSALS_PER_HOUR (3 here) every link waits, the person hears so kindly,
    the log says so without the link, and /metrics shows it; an hour on, links open again."""
    async with started(serving_kring(emu, migrated_url, invitation_refusals_per_hour=3)) as kring:
        ayse = await assigned_conference(emu, kring)
        token = await invite_wim(ayse)
        for number in range(3):  # three accounts, each refused once
            guesser = emu.user(f"Someone {number}", language_code="nl")
            await guesser.send_text(f"/start {'g' * 30}{number:02d}")
            assert "ken ik niet" in guesser.last.text
        wim = emu.user("Wim", language_code="nl")
        await wim.send_text(f"/start {token}")  # a real link, in the middle of a flood
        assert "Je uitnodiging openen lukt nu even niet" in wim.last.text
        assert await metrics(kring) == (3, 1)
        async with kring.uow() as uow:
            actions = list(await uow.session.scalars(select(AuditRow.action)))
            assert actions.count("invitation.refused.unknown") == 3
            assert actions.count("invitation.paused") == 1  # not counted as a refusal
            # an hour later
            an_hour_ago = datetime.now(UTC) - timedelta(hours=1, minutes=1)
            await uow.session.execute(update(AuditRow).values(at=an_hour_ago))
            await uow.commit()
        assert await metrics(kring) == (0, 0)
        await wim.send_text(f"/start {token}")
        assert "Hello Wim!" in wim.last.text  # invited in English
    paused = [r for r in caplog.records if "invitation links paused" in r.getMessage()]
    assert len(paused) == 1 and str(wim.id) in paused[0].getMessage()
    assert token not in caplog.text and "g" * 30 not in caplog.text


async def metrics(kring: Running) -> tuple[float, float]:
    """/metrics: refused links in the last hour, and whether links wait."""
    async with aiohttp.ClientSession() as http:
        async with http.get(f"http://{kring.settings.listen}/metrics") as resp:
            body = await resp.text()
    samples = {
        line.split(" ")[0]: float(line.split(" ")[1])
        for line in body.splitlines()
        if line and not line.startswith("#")
    }
    return (
        samples["kring_invitation_refusals_last_hour"],
        samples["kring_invitation_links_paused"],
    )
