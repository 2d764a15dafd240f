"""The meeting's rules: who is asked, who may vote or propose, what fixing and changing does,
and that nobody is nudged more than twice."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conference.errors import (
    AccessDenied,
    MeetingError,
    NotFound,
    SlotError,
    SlotProblem,
)
from conference.meeting import (
    MAX_NUDGES,
    audience,
    availability,
    cancel_meeting,
    decide_proposal,
    fix_meeting,
    nudge,
    propose_by_family,
    propose_slots,
    vote,
)
from conference.model.circle import Group, Invitee, Rsvp
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Audience, Venue, Vote
from conference.model.request import Status
from tests.unit.examples import AYSE, NOW, circle_of_three

ZONE = ZoneInfo("Europe/Amsterdam")
LOCALES = ("nl", "en")


async def test_proposed_dates_are_asked_of_everyone_who_may_still_come():
    uow, conference, people = await circle_of_three()
    added, ask = await propose_slots(
        uow, AYSE.person_id, conference, "3-7 10:00\nza 10 juli 14:00", NOW, ZONE, LOCALES
    )
    assert [s.starts_at for s in added] == [
        datetime(2027, 7, 3, 10, tzinfo=ZONE),
        datetime(2027, 7, 10, 14, tzinfo=ZONE),
    ]
    assert {p.name for p in ask} == {"Frank", "Wim"}  # not Riet, who said no
    await vote(uow, PersonId(501), people["Frank"].id, added[0].id, Vote.YES, NOW)
    await vote(uow, PersonId(501), people["Frank"].id, added[1].id, Vote.NO, NOW)
    _more, ask = await propose_slots(
        uow, AYSE.person_id, conference, "17-7 10:00", NOW, ZONE, LOCALES
    )
    assert {p.name for p in ask} == {"Frank", "Wim"}  # Frank has not voted on the new one
    with pytest.raises(SlotError) as error:
        await propose_slots(
            uow,
            AYSE.person_id,
            conference,
            "\n".join(f"{d}-8 10:00" for d in range(1, 7)),
            NOW,
            ZONE,
            LOCALES,
        )
    assert error.value.code is SlotProblem.TOO_MANY  # 3 + 6 > 8
    with pytest.raises(AccessDenied):
        await propose_slots(
            uow, PersonId(501), conference, "1-8 10:00\n2-8 10:00", NOW, ZONE, LOCALES
        )


async def test_the_ranking_puts_a_date_a_must_attend_person_cannot_make_last():
    uow, conference, people = await circle_of_three()
    added, _ask = await propose_slots(
        uow, AYSE.person_id, conference, "3-7 10:00\n10-7 10:00", NOW, ZONE, LOCALES
    )
    first, second = added
    await vote(uow, PersonId(501), people["Frank"].id, first.id, Vote.NO, NOW)
    await vote(uow, PersonId(501), people["Frank"].id, second.id, Vote.IF_NEED_BE, NOW)
    await vote(uow, PersonId(502), people["Wim"].id, first.id, Vote.YES, NOW)
    found = await availability(uow, AYSE.person_id, conference)
    assert [s.slot.id for s in found.scores] == [second.id, first.id]
    assert found.scores[1].must_attend_no == 1 and found.scores[0].no_answer == 1
    assert {p.name for p in found.people} == {"Frank", "Wim"}


async def test_only_ones_own_vote_on_ones_own_conference_counts():
    uow, conference, people = await circle_of_three()
    (slot, _second), _ask = await propose_slots(
        uow, AYSE.person_id, conference, "3-7 10:00\n10-7 10:00", NOW, ZONE, LOCALES
    )
    with pytest.raises(NotFound):  # Wim's phone, Frank's invitation
        await vote(uow, PersonId(502), people["Frank"].id, slot.id, Vote.YES, NOW)
    with pytest.raises(NotFound):  # a slot id that belongs to no slot of this conference
        await vote(uow, PersonId(502), people["Wim"].id, 999, Vote.YES, NOW)
    assert await uow.meetings.ballots(conference) == {}


async def test_fixing_changing_and_cancelling_raise_the_version_each_time():
    uow, conference, people = await circle_of_three()
    (slot, _second), _ask = await propose_slots(
        uow, AYSE.person_id, conference, "3-7 10:00\n10-7 10:00", NOW, ZONE, LOCALES
    )
    venue = Venue("Buurthuis De Linde", "Lindelaan 4, Utrecht", 52.09, 5.12)
    before, after = await fix_meeting(uow, AYSE.person_id, conference, slot.starts_at, venue, NOW)
    assert not before.fixed and after.fixed and after.sequence == 1
    assert after.ends_at == slot.starts_at + timedelta(hours=3)
    assert (await uow.conferences.get(conference)).status is Status.DATE_SET
    with pytest.raises(MeetingError):  # voting is over once the date is fixed
        await vote(uow, PersonId(502), people["Wim"].id, slot.id, Vote.YES, NOW)
    _before, changed = await fix_meeting(
        uow, AYSE.person_id, conference, slot.starts_at + timedelta(hours=2), venue, NOW
    )
    assert changed.sequence == 2
    cancelled = await cancel_meeting(uow, AYSE.person_id, conference, NOW)
    assert cancelled.cancelled and cancelled.sequence == 3 and not cancelled.fixed
    with pytest.raises(MeetingError):
        await cancel_meeting(uow, AYSE.person_id, conference, NOW)
    with pytest.raises(SlotError):  # never in the past
        await fix_meeting(uow, AYSE.person_id, conference, NOW - timedelta(days=1), venue, NOW)
    with pytest.raises(AccessDenied):
        await fix_meeting(uow, PersonId(501), conference, slot.starts_at, venue, NOW)


async def test_nobody_is_nudged_more_than_twice():
    uow, conference, _people = await circle_of_three()
    for round_ in range(MAX_NUDGES):
        nudged, cannot = await nudge(uow, AYSE.person_id, conference)
        assert {p.name for p in nudged} == {"Frank", "Wim"}, round_  # Riet answered already
        assert cannot == []
    nudged, _cannot = await nudge(uow, AYSE.person_id, conference)
    assert nudged == []


async def test_the_main_person_proposes_and_the_coordinator_takes_it_over():
    uow, conference, people = await circle_of_three()
    with pytest.raises(AccessDenied):  # Wim is not a must-attend family member
        await propose_by_family(
            uow, PersonId(502), people["Wim"].id, "bij oma", NOW, ZONE, LOCALES
        )
    place = await propose_by_family(
        uow, PersonId(501), people["Frank"].id, "Buurthuis De Linde", NOW, ZONE, LOCALES
    )
    date = await propose_by_family(
        uow, PersonId(501), people["Frank"].id, "za 3 juli 10:00", NOW, ZONE, LOCALES
    )
    assert place.place == "Buurthuis De Linde" and place.starts_at is None
    assert date.starts_at == datetime(2027, 7, 3, 10, tzinfo=ZONE) and date.place is None
    with pytest.raises(AccessDenied):  # only the coordinator decides
        await decide_proposal(uow, PersonId(501), date.id, True, NOW)
    _found, slot = await decide_proposal(uow, AYSE.person_id, date.id, True, NOW)
    assert slot is not None and slot.starts_at == date.starts_at
    await decide_proposal(uow, AYSE.person_id, place.id, True, NOW)
    assert (await uow.meetings.get(conference)).venue == Venue("Buurthuis De Linde")
    with pytest.raises(NotFound):  # decided already
        await decide_proposal(uow, AYSE.person_id, place.id, False, NOW)


def test_audiences():
    def person(id_: int, name: str, group: Group, rsvp: Rsvp | None) -> Invitee:
        return Invitee(id_, ConferenceId(1), name, "-", group, "nl", False, rsvp=rsvp)

    people = [
        person(1, "Frank", Group.FAMILY, Rsvp.YES),
        person(2, "Riet", Group.FAMILY, Rsvp.NO),
        person(3, "Bos", Group.PROFESSIONAL, None),
    ]
    assert [p.name for p in audience(people, Audience.YES)] == ["Frank"]
    assert [p.name for p in audience(people, Audience.NOT_ANSWERED)] == ["Bos"]
    assert [p.name for p in audience(people, Audience.GROUP, Group.PROFESSIONAL)] == ["Bos"]
    assert len(audience(people, Audience.EVERYONE)) == 3
