"""A person's rights, through the real bot: /mydata hands them their own data and nobody
else's; /forget erases them, and afterwards no table and no outbox text holds their name,
Telegram id or what they typed, while the conference's counts stay."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from emulator import BotApiEmulator
from storage.tables import ConferenceRow, InviteeRow, VoteRow
from tests.flows.steps import (
    Running,
    assigned_conference,
    invite_wim,
    request_on_the_managers_screen,
    t,
)
from tests.traces import holds, traces

REACH = "06-12345678"


async def _counts(kring: Running) -> tuple[int, list[str | None], int]:
    async with kring.uow() as uow:
        invitees = await uow.session.scalar(select(func.count()).select_from(InviteeRow))
        answers = list(await uow.session.scalars(select(InviteeRow.rsvp).order_by(InviteeRow.id)))
        votes = await uow.session.scalar(select(func.count()).select_from(VoteRow))
    return int(invitees or 0), answers, int(votes or 0)


async def test_an_invitee_gets_their_data_then_forgets_it(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)
    token = await invite_wim(ayse)
    wim = emu.user("Wim", language_code="en")
    await wim.send_text(f"/start {token}")
    await wim.press("✅ Yes, I'm coming")
    await wim.press("🍽 Food and drink")
    await wim.press("Yes, that's fine")
    await wim.press("Vegetarian")
    await wim.press("Done ✓")
    await wim.press("➕ Who else should we ask?")
    await wim.send_text("Jan")
    await wim.send_text("grandad")
    await wim.send_text(REACH)

    await wim.send_text("/mydata")
    assert wim.last is not None and wim.last.kind == "document"
    assert wim.last.document is not None
    mine = json.loads(wim.last.document.data)
    (invitation,) = mine["invitations"]
    assert invitation["answer"] == "yes" and invitation["food"]["diet"] == "vegetarian"
    assert invitation["suggested"][0]["how_to_reach"] == REACH
    everything = json.dumps(mine, ensure_ascii=False)
    for others in ("Edith", "Ayse", "Zeist", str(ayse.id)):
        assert not holds(everything, others), others

    before = await _counts(kring)
    needles = ["Wim", str(wim.id), "grandad", REACH]
    assert len(await traces(kring.settings.database_url, needles)) >= 4  # the scan finds him
    await wim.send_text("/forget")
    await wim.press(t("en", "Nee, bewaar het"))
    assert t("en", "Goed, er is niets gewist.") in (wim.last.text or "")
    await wim.send_text("/forget")
    await wim.press(t("en", "Ja, wis alles"))
    done = "Klaar ✓ Kring heeft je gegevens gewist. Schrijf je later weer, dan begin je opnieuw."
    assert (wim.last.text or "") == t("en", done)
    told = await ayse.wait_for("lege plek")
    assert "EK-" in (told.text or "") and "Wim" not in (told.text or "")

    assert await traces(kring.settings.database_url, needles) == []
    assert await _counts(kring) == before  # the circle keeps his place and his yes

    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    assert "— ★ (—, familie): komt" in (ayse.last.text or "")


async def test_the_applicant_forgets_and_the_request_stays(emu: BotApiEmulator, kring: Running):
    manager, _ayse, edith = await request_on_the_managers_screen(emu, kring, 7001, "Ayse")
    await manager.press("Toewijzen aan Ayse Demir")
    await edith.send_text("/forget")
    await edith.press("Ja, wis alles")
    assert "Klaar ✓" in (edith.last.text or "")
    assert await traces(kring.settings.database_url, ["Edith", str(edith.id)]) == []
    async with kring.uow() as uow:
        (status,) = await uow.session.scalars(select(ConferenceRow.status))
        assert status == "preparing" or status == "new"


async def test_staff_ask_their_manager(emu: BotApiEmulator, kring: Running):
    ayse = await assigned_conference(emu, kring)
    await ayse.send_text("/forget")
    assert "EK-" in (ayse.last.text or "") and "regiomanager" in (ayse.last.text or "")
