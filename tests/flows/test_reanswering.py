"""Answering again after the date is fixed: from a change notice ("I can still come"), from a
reminder ("I'm coming"), or in /me (no -> yes, maybe -> yes -> maybe). Whatever order they
tapped in, everyone who comes ends with exactly the reminders the policy gives them, and the
coordinator's "coming up" counts say the same. A "yes" after a "can't come" reaches the
coordinator like the "can't" did."""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.clock import TravellingClock
from conference.meeting import fix_meeting
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Venue
from emulator import BotApiEmulator, Person
from storage.tables import InviteeRow
from tests.flows.steps import Running, assigned_conference, invite, running_kring, started, t

ZONE = ZoneInfo("Europe/Amsterdam")
START = datetime(2027, 3, 1, 9, 0, tzinfo=ZONE)  # the clock runs at real speed from here


@pytest.fixture
async def steady(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    async with started(
        running_kring(emu, migrated_url, reminder_poll=0.2, clock=START.isoformat())
    ) as running:
        yield running


async def pending(running: Running) -> dict[str, Counter[str]]:
    """Each person's pending reminders, by kind."""
    async with running.uow() as uow:
        names = dict((await uow.session.execute(select(InviteeRow.id, InviteeRow.name))).all())
        rows = await uow.reminders.pending(ConferenceId(1))
    found: dict[str, Counter[str]] = {}
    for row in rows:
        found.setdefault(names[row.planned.invitee_id], Counter())[row.planned.kind] += 1
    return found


async def coming_up(ayse: Person) -> str:
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    return ayse.last.text or ""


async def circle_of_four(emu: BotApiEmulator, running: Running) -> tuple[Person, ...]:
    """Ayse's conference; Wim (English), Edith and Herman said yes, Frank maybe; the date is
    fixed on Wednesday 10 March 2027, 10:00. Returns (ayse, wim, edith, herman, frank)."""
    ayse = await assigned_conference(emu, running)
    people = []
    for name, relation, language, answer in (
        ("Wim", "broer", "English", "✅ Yes, I'm coming"),
        ("Edith", "tante", "Nederlands", "✅ Ja, ik kom"),
        ("Herman", "oom", "Nederlands", "✅ Ja, ik kom"),
        ("Frank", "vader", "Nederlands", "🤔 Misschien"),
    ):
        person = emu.user(name, language_code="en" if language == "English" else "nl")
        token = await invite(ayse, name, relation, "familie", language, False)
        await person.send_text(f"/start {token}")
        await person.press(answer)
        people.append(person)
    assert running.app is not None
    async with running.uow() as uow:
        await fix_meeting(
            uow,
            PersonId(7001),
            ConferenceId(1),
            datetime(2027, 3, 10, 10, 0, tzinfo=ZONE),
            Venue("De Linde"),
            running.app.clock.now(),
            running.settings.policy,
        )
        await uow.commit()
    return (ayse, *people)


def before(*offsets: str, decide: bool = False) -> Counter[str]:
    kinds = Counter(f"before_{offset}" for offset in offsets)
    if decide:
        kinds["decide"] = 1
    return kinds


async def change_the_time(ayse: Person, typed: str) -> None:
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("✏️ Datum, tijd of plaats wijzigen")
    await ayse.send_text(typed)
    await ayse.press("Zelfde plek: De Linde")
    await ayse.press("✅ Vastzetten en versturen")


async def test_answering_again_keeps_exactly_the_reminders_the_policy_gives(
    emu: BotApiEmulator, steady: Running
):
    ayse, wim, edith, herman, frank = await circle_of_four(emu, steady)
    everyone = {
        "Wim": before("3d", "1d", "3h"),
        "Edith": before("3d", "1d", "3h"),
        "Herman": before("3d", "1d", "3h"),
        "Frank": before("3d", "1d", "3h", decide=True),
    }
    assert await pending(steady) == everyone

    # In /me: Herman says no, then yes after all; Frank yes, then maybe again
    await herman.send_text("/me")
    await herman.press("Nee, ik kan niet")
    assert "Herman" not in await pending(steady)
    await herman.press("✅ Ja, ik kom")
    await frank.send_text("/me")
    await frank.press("✅ Ja, ik kom")
    await frank.press("🤔 Misschien")
    assert await pending(steady) == everyone

    # The time changes to Friday 12 March: Wim can still come; Edith can't, then she can
    await change_the_time(ayse, "12-3 10:00")
    notice = await wim.wait_for("The date has changed")
    await wim.press(t("en", "✅ Ik kan nog steeds komen"), message=notice)
    notice = await edith.wait_for("De datum is veranderd")
    await edith.press("Ik kan niet meer komen", message=notice)
    await ayse.wait_for("Edith kan niet meer komen")
    await edith.send_text("/me")
    await edith.press("✅ Ja, ik kom")
    back = await ayse.wait_for("Edith kan toch komen op")  # as the "can't" was told
    assert "12 mrt 2027" in back.text and "EK-" in back.text
    await frank.wait_for("De datum is veranderd")  # a maybe hears it too
    assert await pending(steady) == everyone
    view = await coming_up(ayse)
    for label in (
        "herinnering (3d van tevoren) (4)",
        "herinnering (1d van tevoren) (4)",
        "herinnering (3h van tevoren) (4)",
        "vraag aan wie misschien zei (1)",
    ):
        assert label in view, view

    # Three days before: the first reminder; Wim answers it with "I'm coming"
    clock = steady.app.clock if steady.app else None
    assert isinstance(clock, TravellingClock)
    clock.advance(datetime(2027, 3, 9, 9, 59, 58, tzinfo=ZONE) - clock.now())
    reminder = await wim.wait_for("Reminder:", timeout=15)
    await wim.press(t("en", "✅ Ik kom"), message=reminder)
    for person in (edith, herman, frank):
        await person.wait_for("Herinnering:", timeout=15)
    rest = before("1d", "3h")
    assert await pending(steady) == {"Wim": rest, "Edith": rest, "Herman": rest, "Frank": rest}
    view = await coming_up(ayse)
    assert "herinnering (1d van tevoren) (4)" in view and (
        "herinnering (3h van tevoren) (4)" in view
    ), view
    assert "(3d van tevoren)" not in view and "misschien zei" not in view


async def test_once_the_meeting_has_begun_an_old_button_changes_no_answer(
    emu: BotApiEmulator, steady: Running
):
    ayse, wim, edith, _herman, _frank = await circle_of_four(emu, steady)
    invitation = edith.last  # her "yes", with the buttons to change it
    await change_the_time(ayse, "12-3 10:00")
    notice = await wim.wait_for("The date has changed")
    clock = steady.app.clock if steady.app else None
    assert isinstance(clock, TravellingClock)
    clock.advance(datetime(2027, 3, 12, 10, 30, tzinfo=ZONE) - clock.now())  # it has begun

    await edith.press("Nee, ik kan niet", message=invitation)
    late = edith.callback_answers[-1]
    assert late == "De conferentie is al begonnen. Je antwoord blijft zoals het was."
    assert late.show_alert
    await wim.press(t("en", "Ik kan niet meer komen"), message=notice)
    assert wim.callback_answers[-1] == t(
        "en", "De conferentie is al begonnen. Je antwoord blijft zoals het was."
    )
    async with steady.uow() as uow:
        answers = dict((await uow.session.execute(select(InviteeRow.name, InviteeRow.rsvp))).all())
    assert answers["Edith"] == "yes" and answers["Wim"] == "yes"  # nothing changed
    assert not any("kan niet meer komen" in (m.text or "") for m in ayse.messages)


async def test_calling_the_meeting_off_tells_whoever_would_come_and_stops_the_reminders(
    emu: BotApiEmulator, steady: Running
):
    ayse, wim, edith, herman, frank = await circle_of_four(emu, steady)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("✖️ Afzeggen")
    asked = ayse.last.text or ""
    assert "Weet je zeker dat je de bijeenkomst wilt afzeggen? 4 mensen krijgen bericht." in asked
    await ayse.press("Ja, afzeggen")
    assert (ayse.last.text or "") == "Afgezegd ✓ 4 mensen krijgen bericht."
    await wim.wait_for("will not take place")  # in his language
    for person in (edith, herman, frank):
        await person.wait_for("gaat niet door")
    assert await pending(steady) == {}  # nobody is reminded of a meeting that is off
