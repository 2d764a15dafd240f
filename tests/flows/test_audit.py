"""NEN 7513 through the real bot: every view of a conference a manager or coordinator is shown,
and every change they make, is one audit record with who, when, on whose behalf, what and which
kind of data; the chain verifies afterwards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from conference.model.ids import PersonId
from emulator import BotApiEmulator
from tests.flows.steps import Running, assigned_conference, invite_wim


async def test_staff_views_and_changes_are_audited_one_record_each(
    emu: BotApiEmulator, kring: Running
):
    began = datetime.now(UTC)
    ayse = await assigned_conference(emu, kring)  # the manager listed, opened and assigned it
    await invite_wim(ayse)
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)  # the circle, its needs and catering
    await ayse.press("📅 Datum en plaats")  # who can when
    await ayse.press("📝 Het plan")
    await ayse.press("➕ Afspraak toevoegen")
    await ayse.send_text("Wim haalt Johan op woensdag van school")
    await ayse.press("Wim")
    await ayse.press("Klaar ✓")
    await ayse.press("Geen")

    async with kring.uow() as uow:
        conference = (await uow.conferences.of_coordinator(PersonId(7001)))[0]
        records = await uow.audit.of_conference(conference.id)
        listed = [r for r in await uow.audit.of_person(PersonId(9001)) if "listed" in r.action]
        verdict = await uow.audit.verify()

    seen = [(r.actor, r.on_behalf_of, r.action, r.kind) for r in records]
    edith = records[0].actor
    assert seen[:3] == [
        (edith, "self", "request.submitted", "request"),
        (9001, "manager", "request.opened", "request"),  # one record, candidates and all
        (9001, "manager", "request.assigned", "request"),
    ]
    views = [s for s in seen[3:] if s[2].endswith("viewed")]
    assert (7001, "coordinator", "circle.viewed", "circle") in views
    assert (7001, "coordinator", "availability.viewed", "meeting") in views
    assert (7001, "coordinator", "plan.viewed", "plan") in views
    assert (7001, "coordinator", "invitee.added", "circle") in seen
    assert (7001, "coordinator", "plan.changed", "plan") in seen
    # one record per view shown: Ayse opened the conference twice (inviting Wim, then here)
    assert sum(1 for s in seen if s[2] == "circle.viewed") == 2
    assert [(r.on_behalf_of, r.kind, r.conference_id) for r in listed] == [
        ("manager", "request", None)
    ]
    assert all(began - timedelta(seconds=1) <= r.at <= datetime.now(UTC) for r in records)
    assert verdict.broken is None and verdict.records >= len(records)
