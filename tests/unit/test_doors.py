"""Doors the role matrix's property test (tests/integration/test_role_matrix.py) found open or
checked in the wrong order, each kept shut here: a refusal says "not yours" before any rule
of the use case can tell a stranger something about someone else's conference."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from conference.access import coordinator_of, own_invitation
from conference.assignment import assign
from conference.circle import invite, open_invitation
from conference.errors import AccessDenied, NotFound
from conference.meeting import fix_meeting, propose_slots, slot_time
from conference.model.circle import Group, InviteeDraft
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Venue
from conference.model.plan import Who
from conference.plan import add_agreement, ask_acceptance, check_in, set_monitor
from conference.requests import identify, submit_request
from tests.unit.examples import AYSE, KEES, NOW, circle_of_three, complete_info_talk

ZONE = ZoneInfo("Europe/Amsterdam")


async def with_kees_conference():
    """Ayse's circle of three, and Kees's own conference with Sandra and one date."""
    uow, ayse_conference, people = await circle_of_three()
    await identify(uow, PersonId(88), "Sandra", "nl", ("nl",), "nl")
    submitted = await submit_request(uow, PersonId(88), "nl", complete_info_talk(), NOW)
    kees_conference = submitted.request.id
    await assign(uow, PersonId(100), kees_conference, KEES.person_id, NOW)
    sandra, _token = await invite(
        uow,
        KEES.person_id,
        kees_conference,
        InviteeDraft("Sandra", "moeder", Group.FAMILY, "nl", True),
        NOW,
    )
    (slot,) = await uow.meetings.add_slots(kees_conference, [NOW + timedelta(days=20)], NOW)
    return uow, ayse_conference, kees_conference, people, sandra, slot


async def test_a_fixed_date_is_not_told_to_someone_else():
    """Kees's date is fixed: Ayse proposing dates there hears "not yours", not "fixed"."""
    uow, _ayse, kees, _people, _sandra, _slot = await with_kees_conference()
    await fix_meeting(uow, KEES.person_id, kees, NOW + timedelta(days=30), Venue("Thuis"), NOW)
    with pytest.raises(AccessDenied):
        await propose_slots(uow, AYSE.person_id, kees, "2027-01-05 10:00", NOW, ZONE, ("nl",))


async def test_ids_of_another_conference_are_refused_as_not_found():
    uow, ayse, kees, people, sandra, slot = await with_kees_conference()
    await add_agreement(uow, AYSE.person_id, ayse, "Zwemmen", (), None, "vrijdag")
    with pytest.raises(NotFound):  # Sandra is of Kees's circle
        await set_monitor(uow, AYSE.person_id, ayse, Who(sandra.id))
    with pytest.raises(NotFound):
        await ask_acceptance(uow, AYSE.person_id, ayse, sandra.id)
    with pytest.raises(NotFound):  # a date of Kees's conference
        await slot_time(uow, AYSE.person_id, ayse, slot.id)
    plan = await set_monitor(uow, AYSE.person_id, ayse, Who(people["Frank"].id))
    assert plan.monitor == Who(people["Frank"].id)  # one of her own circle is fine
    _ = kees


async def test_the_three_month_question_is_not_a_professionals():
    uow, conference, _people = await circle_of_three()
    _invitee, token = await invite(
        uow,
        AYSE.person_id,
        conference,
        InviteeDraft("Mevrouw Bos", "gezinsvoogd", Group.PROFESSIONAL, "nl", False),
        NOW,
    )
    bos = await open_invitation(uow, PersonId(504), token, NOW)
    with pytest.raises(NotFound):
        await check_in(uow, PersonId(504), bos.id, "yes", 4, NOW)


async def test_a_manager_naming_no_coordinator_hears_so_first():
    uow, conference, _people = await circle_of_three()  # assigned to Ayse already
    with pytest.raises(NotFound):
        await assign(uow, PersonId(100), conference, PersonId(100), NOW)


@pytest.mark.parametrize("huge", [2**31, 2**63, -1, 0])
async def test_ids_no_column_holds_name_nothing(huge: int):
    """Refused before the database is asked (PostgreSQL refuses a 2**31 for an INTEGER
    column with an error, SQLite a 2**63 with an OverflowError)."""
    uow, conference, people = await circle_of_three()
    with pytest.raises(AccessDenied):
        await coordinator_of(uow, AYSE.person_id, ConferenceId(huge))
    with pytest.raises(NotFound):
        await own_invitation(uow, PersonId(501), huge)
    if huge >= 2**63 or huge <= 0:
        with pytest.raises(AccessDenied):
            await coordinator_of(uow, PersonId(huge), conference)
    _ = people
