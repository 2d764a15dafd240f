"""What a tampered client can send is checked against the database every time: buttons naming
another conference, another person's invitation or a coordinator's action are refused and
change nothing; expired and revoked links are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, func, select, update

from conference.assignment import assign
from conference.circle import invite
from conference.model.circle import Group, InviteeDraft
from conference.model.ids import ConferenceId, PersonId
from conference.requests import identify, submit_request
from emulator import BotApiEmulator, Person
from storage.tables import CheckInRow, InviteeRow, PersonRow, SlotRow, VoteRow
from tests.flows.steps import (
    Running,
    assigned_conference,
    fill_in_info_talk,
    press_forged,
    ready_manager,
)
from tests.flows.steps import invite as invite_by_chat
from tests.unit.examples import complete_info_talk


async def kees_conference(kring: Running) -> tuple[ConferenceId, int, int]:
    """A second conference, Kees's, with one slot and one invitee: (id, slot, invitee)."""
    now = datetime.now(UTC)
    async with kring.uow() as uow:
        await identify(uow, PersonId(8800), "Sandra", "nl", ("nl", "en"), "nl")
        submitted = await submit_request(uow, PersonId(8800), "nl", complete_info_talk(), now)
        conference = submitted.request.id
        await assign(uow, PersonId(9001), conference, PersonId(7002), now)
        (slot,) = await uow.meetings.add_slots(conference, [now + timedelta(days=30)], now)
        invitee, _token = await invite(
            uow,
            PersonId(7002),
            conference,
            InviteeDraft("Sandra", "moeder", Group.FAMILY, "nl", True),
            now,
        )
        await uow.commit()
    return conference, slot.id, invitee.id


async def wim_coming(emu: BotApiEmulator, ayse: Person) -> tuple[Person, str]:
    """Ayse invites Wim (English), who says he comes: his phone and his invitation's id."""
    token = await invite_by_chat(ayse, "Wim", "broer", "familie", "English", False)
    wim = emu.user("Wim", language_code="en")
    await wim.send_text(f"/start {token}")
    await wim.press("✅ Yes, I'm coming")
    return wim, wim.last.callback_data("✅ Yes, I'm coming").split(":")[1]


async def votes(kring: Running) -> int:
    async with kring.uow() as uow:
        return int(await uow.session.scalar(select(func.count()).select_from(VoteRow)) or 0)


async def test_forged_buttons_are_refused_and_change_nothing(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)  # Ayse's conference: 1; Kees is on staff
    other, other_slot, other_invitee = await kees_conference(kring)
    wim, own = await wim_coming(emu, ayse)

    # Ayse presses buttons that name Kees's conference
    for data in (
        f"dt:{other}:menu",
        f"dt:{other}:propose",
        f"dt:{other}:nudge",
        f"dt:{other}:cancel_yes",
        f"fx:{other}:{other_slot}",
        f"bc:{other}:start:",
        f"cf:{other}",
        f"ap:{other}",
        f"nl:{other_invitee}",
    ):
        await press_forged(ayse, data)
        assert "alleen voor de coördinator" in ayse.callback_answers[-1], data
    # Wim votes with Kees's slot, and as Sandra (someone else's invitation)
    await press_forged(wim, f"vt:{other_invitee}:{other_slot}:yes")
    assert "not yours" in wim.callback_answers[-1]
    await press_forged(wim, f"vt:{own}:{other_slot}:yes")
    assert "no longer on the list" in wim.callback_answers[-1]
    await press_forged(wim, f"ma:{other_invitee}:0")
    assert "not yours" in wim.callback_answers[-1]
    await press_forged(wim, f"fp:{other_invitee}")
    assert "not yours" in wim.callback_answers[-1]
    # A participant cannot reach the coordinator's or manager's actions
    for data in ("dt:1:menu", "dt:1:send", "bc:1:send:", "pd:1:1", "sd:1:1", "as:1:7001", "req:1"):
        await press_forged(wim, data)
        assert any(
            word in wim.callback_answers[-1]
            for word in ("only for", "decided already", "earlier question")
        ), (data, wim.callback_answers[-1])
    assert await votes(kring) == 0
    async with kring.uow() as uow:  # and Kees's conference still has its one slot
        assert await uow.session.scalar(select(func.count()).select_from(SlotRow)) == 1


async def test_expired_and_revoked_links_are_refused(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)
    token = await invite_by_chat(ayse, "Edith", "tante", "familie", "Nederlands", False)
    async with kring.uow() as uow:
        await uow.session.execute(
            update(InviteeRow).values(token_expires_at=datetime.now(UTC) - timedelta(minutes=1))
        )
        await uow.session.commit()
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text(f"/start {token}")
    assert "verlopen" in edith.last.text
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("🔁 Nieuwe link voor Edith")
    await edith.send_text(f"/start {token}")  # the old one is revoked now
    assert "ken ik niet" in edith.last.text


async def test_the_three_month_question_takes_one_answer_per_person(
    emu: BotApiEmulator, kring: Running
):
    """The check-in is stored without a person, so the database must still know who
    answered: a second tap, or a forged one, adds nothing; nobody answers for another."""
    ayse = await assigned_conference(emu, kring)
    _other, _slot, other_invitee = await kees_conference(kring)
    wim, own = await wim_coming(emu, ayse)

    await press_forged(wim, f"ci:{other_invitee}:no:1")  # as Sandra
    assert "not yours" in wim.callback_answers[-1]
    await press_forged(wim, f"ci:{own}:yes:4")
    assert "Saved ✓" in wim.callback_answers[-1]
    for data in (f"ci:{own}:yes:4", f"ci:{own}:no:1"):
        await press_forged(wim, data)
        assert "already answered" in wim.callback_answers[-1], data
    async with kring.uow() as uow:
        rows = (
            await uow.session.execute(
                select(CheckInRow.still_used, CheckInRow.wellbeing, CheckInRow.at)
            )
        ).all()
    assert [(used, score) for used, score, _at in rows] == [("yes", 4)]
    at = rows[0].at
    assert (at.hour, at.minute, at.second) == (0, 0, 0)  # the day only, not the moment


async def test_numbers_out_of_range_on_a_button_are_refused_kindly(
    emu: BotApiEmulator, kring: Running, caplog: pytest.LogCaptureFixture
):
    """A forged button with an id no database column holds (2**63 and more, or below 0) gets
    the same kind answer as any unknown button: no traceback, no silence."""
    ayse = await assigned_conference(emu, kring)
    wim, own = await wim_coming(emu, ayse)
    huge, past = 2**63, 2**64 + 5
    for phone, data in (
        (ayse, f"cf:{huge}"),
        (ayse, f"dt:{past}:menu"),
        (ayse, f"fx:1:{huge}"),
        (ayse, "rl:-1"),
        (wim, f"vt:{own}:{huge}:yes"),
        (wim, f"ma:{past}:1"),
        (wim, f"pa:{huge}:1"),
        (wim, f"fu:{own}:{huge}:done"),
    ):
        before = len(phone.callback_answers)
        await press_forged(phone, data)
        assert len(phone.callback_answers) == before + 1, data
        assert phone.callback_answers[-1], data
    assert "Traceback" not in caplog.text and "failed" not in caplog.text


async def test_invisible_steering_characters_never_reach_someone_else(
    emu: BotApiEmulator, kring: Running
):
    """An applicant whose Telegram name and typed region carry a right-to-left override: the
    manager's notice and request view show the letters, none of the override (which would turn
    the rest of each message backwards)."""
    manager = await ready_manager(emu, kring)
    edith = emu.user("Ed\u202eith", language_code="nl")
    await fill_in_info_talk(edith, region="Zei\u202est\u2066")
    await edith.press("✅ Versturen")
    notice = await manager.wait_for("Ontvangen:")
    await manager.send_text("/requests")
    await manager.press("EK-", contains=True)
    shown = notice.text + manager.last.text
    assert "Zeist" in shown
    assert not any(ch in shown for ch in "\u202e\u2066"), repr(shown)
    async with kring.uow() as uow:
        person = await uow.persons.get(PersonId(edith.id))
    assert person is not None and person.first_name == "Edith"


async def test_a_stranger_who_only_presses_a_button_is_not_stored(
    emu: BotApiEmulator, kring: Running
):
    """Wim wrote once long ago and was forgotten (a stranger who never took part); a button
    under that old message answers him but stores nothing of him. Writing does."""
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text("/start")
    async with kring.uow() as uow:
        await uow.session.execute(delete(PersonRow).where(PersonRow.id == wim.id))
        await uow.commit()
    await wim.press("Ik wil eerst meer weten")
    assert wim.callback_answers[-1] is not None
    async with kring.uow() as uow:
        assert await uow.persons.get(PersonId(wim.id)) is None
    await wim.send_text("/start")
    async with kring.uow() as uow:
        assert await uow.persons.get(PersonId(wim.id)) is not None
