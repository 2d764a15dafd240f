"""The cockpit's one read: who may open it, and what it gathers."""

from zoneinfo import ZoneInfo

import pytest

from conference.circle import invite, set_food
from conference.cockpit import open_cockpit
from conference.errors import AccessDenied, NotFound
from conference.meeting import propose_slots, vote
from conference.model.circle import Diet, Food, Group, InviteeDraft
from conference.model.ids import ConferenceId, PersonId, web_account_of
from conference.model.meeting import Vote
from tests.unit.examples import AYSE, KEES, NOW, circle_of_three

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


async def test_the_coordinator_opens_the_whole_conference_and_may_work_in_it():
    uow, cid, people = await circle_of_three()
    slots, _ = await propose_slots(
        uow, AYSE.person_id, cid, "10-12-2026 19:00\n11-12-2026 19:00", NOW, AMSTERDAM, ("nl",)
    )
    await vote(uow, PersonId(501), people["Frank"].id, slots[1].id, Vote.YES, NOW)
    await vote(uow, PersonId(501), people["Frank"].id, slots[0].id, Vote.NO, NOW)
    await vote(uow, PersonId(502), people["Wim"].id, slots[0].id, Vote.YES, NOW)
    await set_food(uow, PersonId(502), people["Wim"].id, Food(True, Diet.HALAL))
    cockpit = await open_cockpit(uow, AYSE.person_id, cid)
    assert cockpit.editable
    assert [p.name for p in cockpit.people] == ["Frank", "Wim", "Riet"]
    # Riet said no: she is not asked about dates; Frank must attend and can only on the 11th
    assert [p.name for p in cockpit.availability.people] == ["Frank", "Wim"]
    assert cockpit.availability.scores[0].slot == slots[1]
    assert cockpit.availability.scores[1].must_attend_no == 1
    assert cockpit.diets == {}  # no one has said yes or maybe yet
    assert cockpit.plan.agreements == () and cockpit.meeting.starts_at is None
    assert uow.audit.entries[-1] == (AYSE.person_id, "cockpit.viewed", cid)
    assert cockpit.page_only == frozenset()


async def test_the_cockpit_knows_who_only_the_web_page_reaches():
    uow, cid, _people = await circle_of_three()
    herman, _token = await invite(
        uow, AYSE.person_id, cid, InviteeDraft("Herman", "oom", Group.FAMILY, "nl", False), NOW
    )
    edith, _token = await invite(
        uow, AYSE.person_id, cid, InviteeDraft("Edith", "tante", Group.FAMILY, "nl", False), NOW
    )
    for invitee in (herman, edith):
        account = await uow.web_accounts.add(invitee.id, NOW)
        await uow.invitees.bind(invitee.id, account.person_id, NOW)
    await uow.web_accounts.set_email(web_account_of(edith.id), "edith@example.org")
    cockpit = await open_cockpit(uow, AYSE.person_id, cid)
    assert cockpit.page_only == {herman.id}


async def test_a_manager_only_looks_and_others_are_refused():
    uow, cid, _people = await circle_of_three()
    looked = await open_cockpit(uow, PersonId(100), cid)
    assert not looked.editable
    assert uow.audit.records[-1][1] == "manager"
    for outsider in (KEES.person_id, PersonId(501), web_account_of(1), PersonId(0)):
        with pytest.raises(AccessDenied):
            await open_cockpit(uow, outsider, cid)
    for conference in (ConferenceId(999), ConferenceId(0)):
        with pytest.raises((AccessDenied, NotFound)):
            await open_cockpit(uow, AYSE.person_id, conference)
