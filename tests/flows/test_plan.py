"""After the meeting: the coordinator records the family's plan in chat, the family guardian
answers whether she accepts it, and everyone who took part gets it, their own agreements
first, protected from forwarding."""

from __future__ import annotations

from datetime import timedelta

from conference.meeting import fix_meeting
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Venue
from emulator import BotApiEmulator, Person
from tests.flows.steps import (
    Running,
    any_message_containing,
    assigned_conference,
    invite,
    messages_since,
    press_forged,
    running_kring,
)


async def circle_that_came(emu: BotApiEmulator, kring: Running) -> tuple[Person, ...]:
    ayse = await assigned_conference(emu, kring)
    phones = []
    for name, relation, group, must in (
        ("Frank", "vader", "familie", True),
        ("Herman", "oom", "familie", False),
        ("Bos", "gezinsvoogd", "professional", False),
    ):
        token = await invite(ayse, name, relation, group, "Nederlands", must)
        phone = emu.user(name, language_code="nl")
        await phone.send_text(f"/start {token}")
        await phone.press("✅ Ja, ik kom")
        phones.append(phone)
    assert kring.app is not None
    async with kring.uow() as uow:
        await fix_meeting(
            uow,
            PersonId(7001),
            ConferenceId(1),
            kring.app.clock.now() + timedelta(days=2),
            Venue("De Linde"),
            kring.app.clock.now(),
            kring.settings.policy,
        )
        await uow.commit()
    return ayse, *phones


async def test_the_plan_is_recorded_accepted_or_not_and_shared(
    emu: BotApiEmulator, kring: Running
):
    ayse, frank, herman, bos = await circle_that_came(emu, kring)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📝 Het plan")
    assert "Nog geen afspraken." in ayse.last.text
    assert not any("Versturen" in b for row in ayse.last.buttons for b in row)  # empty
    # the first agreement: Frank, no date
    await ayse.press("➕ Afspraak toevoegen")
    await ayse.send_text("Johan groeit op bij zijn vader")
    await ayse.press("Frank")
    assert ayse.last.buttons[0] == ["✓ Frank"]  # ticked in place
    await ayse.press("Klaar ✓")
    mark = ayse.version
    await ayse.press("Geen")
    assert any_message_containing(messages_since(ayse, mark), "Afspraak opgeslagen ✓")
    # the second: Herman and Frank, and Wim who is not in the circle; on a date
    await ayse.press("➕ Afspraak toevoegen")
    await ayse.send_text("Oom Herman zet met vader de financiën op een rij")
    await ayse.press("Herman")
    await ayse.press("Frank")
    await ayse.send_text("Wim")
    await ayse.press("Klaar ✓")
    await ayse.send_text("3-7")
    view = ayse.last.text
    assert (
        "• Oom Herman zet met vader de financiën op een rij — Herman, Frank en Wim — 3 juli"
        in view
    )
    await ayse.press("👁 Wie houdt een oogje in het zeil?")
    await ayse.press("Herman")
    assert "Houdt een oogje in het zeil: Herman" in ayse.last.text

    # the family guardian must accept it: she says no, and why
    await ayse.press("⚖️ Een professional moet akkoord geven")
    await ayse.press("Bos")
    asked = await bos.wait_for("Accepteer je dit plan?")
    assert asked.protect_content
    await press_forged(frank, asked.callback_data("✅ Akkoord"))  # Frank can't answer for her
    assert "niet van jou" in frank.callback_answers[-1]
    await bos.press("Niet akkoord", message=asked)
    await bos.send_text("Er moet een afspraak over school bij")
    assert "Opgeslagen ✓" in bos.last.text
    await ayse.wait_for("Bos heeft het plan niet geaccepteerd")

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📝 Het plan")
    await ayse.press("📤 Versturen aan wie er was")
    assert "Het plan (versie 1) gaat naar 3 mensen." in ayse.last.text
    got = await herman.wait_for("hier is het plan dat jullie samen maakten")
    assert got.protect_content
    mine, everything = got.text.index("Jouw afspraken"), got.text.index("Alle afspraken")
    assert mine < got.text.index("financiën") < everything  # his own first
    assert (
        "Bos heeft het plan niet geaccepteerd. Reden: Er moet een afspraak over school bij"
        in got.text
    )  # the family sees the answer
    frank_got = await frank.wait_for("hier is het plan")
    assert frank_got.text.count("Johan groeit op bij zijn vader") == 2  # his, and in all
    async with kring.uow() as uow:
        kinds = {r.planned.kind for r in await uow.reminders.pending(ConferenceId(1))}
    assert {"followup", "checkin", "agreement_2"} <= kinds


FAST = 400_000  # about four and a half days a second


async def test_four_weeks_on_the_chosen_people_say_how_it_goes(
    emu: BotApiEmulator, migrated_url: str
):
    import re
    from datetime import UTC, datetime

    from sqlalchemy import update

    from conference.circle import answer, invite, open_invitation
    from conference.model.circle import Group, InviteeDraft, Rsvp
    from conference.model.plan import Who
    from conference.plan import add_agreement, publish, set_monitor
    from storage.tables import ConferenceRow

    start = datetime(2027, 5, 1, 8, 0, tzinfo=UTC)
    running = running_kring(
        emu, migrated_url, reminder_poll=0.2, clock=f"{start.isoformat()}*{FAST}"
    )
    await running.start()
    try:
        ayse = await assigned_conference(emu, running)
        assert running.app is not None
        clock = running.app.clock
        phones = {}
        async with running.uow() as uow:
            ids = {}
            for telegram_id, name, must in ((501, "Frank", True), (502, "Herman", False)):
                invitee, token = await invite(
                    uow,
                    PersonId(7001),
                    ConferenceId(1),
                    InviteeDraft(name, "-", Group.FAMILY, "nl", must),
                    clock.now(),
                )
                phones[name] = emu.user(name, language_code="nl", user_id=telegram_id)
                phones[name].chat.started = True
                await uow.persons.upsert(PersonId(telegram_id), name, "nl")
                await open_invitation(uow, PersonId(telegram_id), token, clock.now())
                await answer(uow, PersonId(telegram_id), invitee.id, Rsvp.YES, now=clock.now())
                ids[name] = invitee.id
            await fix_meeting(
                uow,
                PersonId(7001),
                ConferenceId(1),
                clock.now() + timedelta(hours=2),
                Venue("De Linde"),
                clock.now(),
                None,
            )
            await add_agreement(
                uow,
                PersonId(7001),
                ConferenceId(1),
                "Woensdag bij opa en oma",
                [Who(ids["Frank"])],
                None,
                None,
            )
            await add_agreement(
                uow,
                PersonId(7001),
                ConferenceId(1),
                "Samen bowlen",
                [Who(ids["Herman"])],
                (clock.now() + timedelta(days=4)).date(),
                None,
            )
            await set_monitor(uow, PersonId(7001), ConferenceId(1), Who(ids["Herman"]))
            await publish(uow, PersonId(7001), ConferenceId(1), clock.now(), running.settings.zone)
            await uow.session.execute(update(ConferenceRow).values(subject_name="Johan"))
            await uow.commit()
        frank, herman = phones["Frank"], phones["Herman"]
        tomorrow = await herman.wait_for("Samen bowlen", timeout=15)  # the evening before
        assert re.match(
            r"Morgen, uit het plan voor Johan \(EK-\d{4}-\d{4}\): Samen bowlen$", tomorrow.text
        ), tomorrow.text  # which plan it is about
        await frank.wait_for("4 weken geleden", timeout=20)
        question = await frank.wait_for("Woensdag bij opa en oma")
        await frank.press("〰️ Deels", message=question)
        assert "〰️ Deels Opgeslagen ✓" in frank.last.text
        summary = await ayse.wait_for("na 4 weken: Frank")
        assert "“Woensdag bij opa en oma”: 〰️ Deels" in summary.text
        await frank.press("💬 Iets erbij zeggen (hoeft niet)")
        await frank.send_text("Opa is vaak moe")
        assert "Opgeslagen ✓" in frank.last.text
        await ayse.wait_for("💬 Opa is vaak moe")  # in their own words, to the coordinator
        await herman.wait_for("4 weken geleden")  # he keeps an eye: asked too
    finally:
        await running.stop()


async def test_a_long_plan_arrives_whole_in_several_messages(emu: BotApiEmulator, kring: Running):
    """30 agreements in the family's own (long) words: more than one Telegram message holds.
    Everyone gets every agreement, in order, in valid parts; the coordinator can remove
    each of them (Telegram allows 8 buttons in a row)."""
    from conference.model.plan import Who
    from conference.plan import add_agreement

    ayse, _frank, herman, _bos = await circle_that_came(emu, kring)
    story = "en daarna gaan ze samen boodschappen doen bij de markt in de wijk " * 4
    async with kring.uow() as uow:
        for n in range(1, 31):
            await add_agreement(
                uow,
                PersonId(7001),
                ConferenceId(1),
                f"Afspraak {n}: Frank kookt op dag {n} {story}",
                [Who(1)],
                None,
                None,
            )
        await uow.commit()
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    before = len(ayse.messages)
    await ayse.press("📝 Het plan")
    shown = "\n".join(m.text or "" for m in ayse.messages[before:])
    assert all(f"Afspraak {n}:" in shown for n in range(1, 31))
    removers = [b for row in ayse.last.buttons for b in row if b.startswith("🗑")]
    assert removers == [f"🗑 {n}" for n in range(1, 31)]
    assert all(len(row) <= 8 for row in ayse.last.buttons)
    await ayse.press("📤 Versturen aan wie er was")
    await herman.wait_for("Afspraak 30:", timeout=15)
    got = [m for m in herman.messages if "Afspraak" in (m.text or "")]
    assert len(got) > 1 and all(m.protect_content for m in got)
    whole = "\n".join(m.text or "" for m in got)
    positions = [whole.index(f"Afspraak {n}:") for n in range(1, 31)]
    assert positions == sorted(positions)  # in order, none lost


async def test_a_double_tap_on_the_three_month_question_counts_once(
    emu: BotApiEmulator, kring: Running
):
    """The real message and buttons, tapped twice before the first tap's answer shows: the
    second is told kindly, and one answer is stored (without a name)."""
    from sqlalchemy import select

    from conference.model.outbox import Batch, Outbound, Text
    from dialogs.render.announce import buttons_of
    from dialogs.render.buttons import check_in_markup
    from storage.tables import CheckInRow

    _ayse, frank, _herman, _bos = await circle_that_came(emu, kring)
    assert kring.app is not None
    i18n = kring.app.i18n
    with i18n.context(), i18n.use_locale("nl"):
        question = Text(
            "Hallo Frank, de conferentie is nu 3 maanden geleden. Gebruiken jullie het plan nog?",
            buttons_of(check_in_markup(1)),
        )  # Frank: invitee 1
    async with kring.uow() as uow:
        await uow.outbox.enqueue(
            Batch("reminder", None, ConferenceId(1), key="checkin:1"),
            [Outbound(PersonId(frank.id), 1, (question,))],
            kring.app.clock.now(),
        )
        await uow.commit()
    asked = await frank.wait_for("3 maanden geleden")
    await frank.press("Ja", message=asked)
    assert "van 1 (slecht) tot 5 (goed)" in frank.last.text
    await frank.press("4", message=asked, wait=False)
    await frank.press("4", message=asked, wait=False)  # before the first one's answer shows
    await emu.wait_idle(0.2, timeout=10)
    shown = next(m for m in frank.messages if m.message_id == asked.message_id)
    assert "Je antwoord wordt zonder je naam bewaard" in (shown.text or "")
    answers = frank.callback_answers[-2:]
    assert sorted(answers) == sorted(
        ["Opgeslagen ✓", "Je hebt deze vraag al beantwoord. Dank je wel!"]
    )
    assert not any("ging bij ons iets mis" in (m.text or "") for m in frank.messages)
    async with kring.uow() as uow:
        rows = (
            await uow.session.execute(select(CheckInRow.still_used, CheckInRow.wellbeing))
        ).all()
    assert [tuple(row) for row in rows] == [("yes", 4)]


async def test_the_screen_after_a_tap_shows_what_the_tap_did(emu: BotApiEmulator, kring: Running):
    """The professional's plan after "✅ Akkoord" says it is accepted; the coordinator's plan
    screen after "📤 Versturen" says it is on its way (issue 11, point 9)."""
    from conference.model.plan import Who
    from conference.plan import add_agreement

    ayse, frank, _herman, bos = await circle_that_came(emu, kring)
    async with kring.uow() as uow:
        await add_agreement(
            uow,
            PersonId(7001),
            ConferenceId(1),
            "Johan groeit op bij zijn vader",
            [Who(1)],
            None,
            None,
        )
        await uow.commit()
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📝 Het plan")
    await ayse.press("⚖️ Een professional moet akkoord geven")
    await ayse.press("Bos")
    asked = await bos.wait_for("Accepteer je dit plan?")
    assert "Bos moet het plan nog accepteren" in asked.text
    await bos.press("✅ Akkoord", message=asked)
    shown = next(m for m in bos.messages if m.message_id == asked.message_id)
    assert "Bos heeft het plan geaccepteerd." in shown.text
    assert "moet het plan nog accepteren" not in shown.text and not shown.buttons

    await ayse.wait_for("Bos heeft het plan geaccepteerd")
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📝 Het plan")
    screen = ayse.last
    assert "Nog niet verstuurd." in screen.text
    await ayse.press("📤 Versturen aan wie er was", message=screen)
    shown = next(m for m in ayse.messages if m.message_id == screen.message_id)
    assert "Nog niet verstuurd." not in shown.text
    assert "Versie 1 wordt verstuurd." in shown.text
    await frank.wait_for("hier is het plan")
