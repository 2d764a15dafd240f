"""Reminders reach the people who come, in their language, 3 days, 1 day and 3 hours before;
a maybe is asked to decide; a decline from a reminder reaches the coordinator at once and stops
that person's reminders. One test moves the clock (a day in a few seconds), one uses real
seconds."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from conference.meeting import fix_meeting
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Venue
from conference.model.outbox import Batch, DeliveryState, Outbound, Outcome, Text
from emulator import BotApiEmulator, Person
from storage.tables import InviteeRow
from tests.flows.steps import Running, assigned_conference, invite, running_kring, started

SPEED = 36_000  # ten hours a second


def _running(emu: BotApiEmulator, url: str, **extra: object) -> Running:
    return running_kring(emu, url, reminder_poll=0.2, **extra)


@pytest.fixture
async def fast(emu: BotApiEmulator, migrated_url: str) -> AsyncIterator[Running]:
    start = datetime(2027, 3, 20, 9, 0, tzinfo=UTC).isoformat()
    async with started(_running(emu, migrated_url, clock=f"{start}*{SPEED}")) as running:
        yield running


def reminders(person: Person) -> list[str]:
    return [
        m.text or ""
        for m in person.messages
        if re.search(r"Reminder|Herinnering|je zei misschien", m.text or "")
    ]


async def test_reminders_before_the_meeting_with_a_moving_clock(
    emu: BotApiEmulator, fast: Running
):
    ayse = await assigned_conference(emu, fast)
    wim = emu.user("Wim", language_code="en")
    edith = emu.user("Edith", language_code="nl")
    bos = emu.user("Bos", language_code="nl")  # the family guardian, a professional
    for person, name, language, answer, group in (
        (wim, "Wim", "English", "✅ Yes, I'm coming", "familie"),
        (edith, "Edith", "Nederlands", "🤔 Misschien", "familie"),
        (bos, "Bos", "Nederlands", "✅ Ja, ik kom", "professional"),
    ):
        token = await invite(
            ayse, name, "familie" if name == "Edith" else "broer", group, language, False
        )
        await person.send_text(f"/start {token}")
        await person.press(answer)
    assert fast.app is not None
    # The meeting: Sunday 28 March 2027 (the clocks go forward that night), 10:00 local
    meeting = datetime(2027, 3, 28, 8, 0, tzinfo=UTC)
    async with fast.uow() as uow:
        await fix_meeting(
            uow,
            PersonId(7001),
            ConferenceId(1),
            meeting,
            Venue("De Linde"),
            fast.app.clock.now(),
            fast.settings.policy,
        )
        await uow.commit()
    # ~8 days of clock pass in ~20 s; the last reminder is 3 hours before the meeting
    for _ in range(200):
        if len(reminders(wim)) >= 3 and len(reminders(edith)) >= 4:
            break
        await asyncio.sleep(0.2)
    got = reminders(wim)
    assert len(got) == 3, got  # 3 days, 1 day and 3 hours before: each exactly once
    assert all("Reminder: the Eigen Kracht conference is" in text for text in got)
    assert all("10:00" in text and "De Linde" in text for text in got)  # local time, Babel
    # by the calendar: Thursday "in 3 days", Saturday "tomorrow", Sunday morning "today"
    assert "is in 3 days (" in got[0] and "Mar 28, 2027" in got[0]
    assert "is tomorrow at 10:00" in got[1] and "is today at 10:00" in got[2]
    edith_got = reminders(edith)
    assert sum("je zei misschien" in text for text in edith_got) == 1  # asked to decide
    assert [text.split(",")[0] for text in edith_got if "Herinnering:" in text] == [
        "Herinnering: de Eigen Kracht-conferentie is over 3 dagen (28 mrt 2027",
        "Herinnering: de Eigen Kracht-conferentie is morgen om 10:00",
        "Herinnering: de Eigen Kracht-conferentie is vandaag om 10:00",
    ]
    for _ in range(50):
        if len(reminders(bos)) >= 3:
            break
        await asyncio.sleep(0.2)
    bos_got = reminders(bos)  # part 1, what is asked of them, and "u"
    assert len(bos_got) == 3 and all(
        "deel 1" in text and "geeft u informatie" in text for text in bos_got
    ), bos_got
    assert "begint morgen om 10:00" in bos_got[1]
    async with fast.uow() as uow:
        assert await uow.reminders.pending(ConferenceId(1)) == []


async def test_a_decline_from_a_reminder_reaches_the_coordinator_and_stops_the_rest(
    emu: BotApiEmulator, fast: Running
):
    ayse = await assigned_conference(emu, fast)
    wim = emu.user("Wim", language_code="en")
    token = await invite(ayse, "Wim", "broer", "familie", "English", False)
    await wim.send_text(f"/start {token}")
    await wim.press("✅ Yes, I'm coming")
    assert fast.app is not None
    meeting = fast.app.clock.now() + timedelta(days=6)  # the first reminder in ~7 s
    async with fast.uow() as uow:
        await fix_meeting(
            uow,
            PersonId(7001),
            ConferenceId(1),
            meeting,
            Venue("De Linde"),
            fast.app.clock.now(),
            fast.settings.policy,
        )
        await uow.commit()
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Binnenkort verstuurt de bot" in ayse.last.text  # upcoming messages
    assert "herinnering (3d van tevoren) (1)" in ayse.last.text
    first = await wim.wait_for("Reminder:", timeout=15)
    await wim.press("I can't come", message=first)
    assert "coordinator will be told right away" in wim.last.text
    await ayse.wait_for("Wim kan niet meer komen")
    async with fast.uow() as uow:
        assert await uow.reminders.pending(ConferenceId(1)) == []  # no more for Wim
    await asyncio.sleep(5)  # days of clock: nothing more arrives
    assert len(reminders(wim)) == 1


async def test_a_reminder_with_real_seconds(emu: BotApiEmulator, migrated_url: str):
    running = _running(emu, migrated_url, reminders="1d")
    await running.start()
    try:
        ayse = await assigned_conference(emu, running)
        wim = emu.user("Wim", language_code="en")
        token = await invite(ayse, "Wim", "broer", "familie", "English", False)
        await wim.send_text(f"/start {token}")
        await wim.press("✅ Yes, I'm coming")
        due = datetime.now(UTC) + timedelta(seconds=2)
        async with running.uow() as uow:
            await fix_meeting(
                uow,
                PersonId(7001),
                ConferenceId(1),
                due + timedelta(days=1),
                Venue("De Linde"),
                datetime.now(UTC),
                running.settings.policy,
            )
            await uow.commit()
        got = await wim.wait_for("Reminder:", timeout=10)
        late = datetime.fromtimestamp(got.date, UTC) - due
        assert timedelta(seconds=-1) < late < timedelta(seconds=2)  # on time, give or take
    finally:
        await running.stop()


async def test_the_coordinator_sees_a_reminder_that_may_not_have_arrived(
    emu: BotApiEmulator, kring: Running
):
    """A crash while Frank's reminder was on its way: the restarted bot does not send it again
    (it may have arrived), and the coordinator's view of the conference says so. Sandra's was
    only in hand: it goes out after the restart, and the view does not mention it."""
    ayse = await assigned_conference(emu, kring)
    frank = emu.user("Frank", language_code="nl")
    sandra = emu.user("Sandra", language_code="nl")
    for person in (frank, sandra):
        token = await invite(ayse, person.first_name, "familie", "familie", "Nederlands", False)
        await person.send_text(f"/start {token}")
    await kring.stop()
    assert kring.app is not None
    async with kring.uow() as uow:
        invitees = dict((await uow.session.execute(select(InviteeRow.name, InviteeRow.id))).all())
        handed = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
        batch_id = await uow.outbox.enqueue(
            Batch("reminder", None, ConferenceId(1), key="reminder:1:before_1d:1:1"),
            [
                Outbound(PersonId(p.id), invitees[p.first_name], (Text("Herinnering: morgen"),))
                for p in (frank, sandra)
            ],
            handed,
        )
        await uow.commit()
    async with kring.uow() as uow:  # the sender took both, marked Frank's request: killed
        assert len(await uow.outbox_sending.claim(10)) == 2
        await uow.outbox_sending.record(
            [Outcome(batch_id, PersonId(frank.id), DeliveryState.SENDING, 0, attempted=True)]
        )
        await uow.commit()
    await kring.start()
    await sandra.wait_for("Herinnering: morgen", timeout=10)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    view = ayse.last.text
    assert "⚠️ Mogelijk niet aangekomen: herinnering aan Frank, di 3 nov 10:00" in view
    assert "Sandra," not in view
    assert not any("Herinnering" in (m.text or "") for m in frank.messages)
    # Ayse asks Frank herself, and puts the warning away: the view changes in place
    shown = ayse.last
    await ayse.press("✓ Gezien: wegzetten wat mogelijk niet aankwam", wait=False)
    await ayse.press("✓ Gezien: wegzetten wat mogelijk niet aankwam")  # a double tap
    assert ayse.callback_answers[-2:] == ["Weggezet ✓", "Weggezet ✓"]
    assert not any("ging bij ons iets mis" in (m.text or "") for m in ayse.messages)
    assert ayse.last.message_id == shown.message_id
    assert "Mogelijk niet aangekomen" not in ayse.last.text and "De kring" in ayse.last.text
    assert not any("Gezien" in b for row in ayse.last.buttons for b in row)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "Mogelijk niet aangekomen" not in ayse.last.text  # and stays away
