"""When pings fall due: 3 days, 1 day and 3 hours before, by the local clock across DST;
nudges and the maybe-question; never during the meeting, never in the past; and plans that
follow a change, a decline or a cancellation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conference.circle import answer
from conference.meeting import cancel_meeting, fix_meeting
from conference.model.circle import Group, Invitee, Rsvp
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Meeting, Venue
from conference.model.reminders import Offset, Policy
from conference.reminders import (
    days_until,
    parse_offsets,
    plan,
    plan_vote,
    still_useful,
    vote_nudge_at,
)
from tests.unit.examples import AYSE, circle_of_three

ZONE = ZoneInfo("Europe/Amsterdam")
POLICY = Policy(parse_offsets("3d,1d,3h"), ZONE)


def person(id_: int, rsvp: Rsvp | None, group: Group = Group.FAMILY) -> Invitee:
    return Invitee(
        id_,
        ConferenceId(1),
        f"P{id_}",
        "-",
        group,
        "nl",
        False,
        person_id=PersonId(1000 + id_),
        rsvp=rsvp,
    )


def meeting_at(local: datetime, sequence: int = 1) -> Meeting:
    return Meeting(ConferenceId(1), local.astimezone(UTC), Venue("De Linde"), sequence)


def test_offsets_are_read_and_refused_clearly():
    assert [o.label for o in parse_offsets("1d, 3h,3d")] == ["3d", "1d", "3h"]
    assert [o.label for o in parse_offsets("90m,2h")] == ["2h", "90m"]
    for wrong in ("", "3", "3w", "0d", "3d,,1d", "-1d"):
        with pytest.raises(ValueError):
            parse_offsets(wrong)


def test_days_count_by_the_local_clock_across_the_dst_change():
    # Sunday 2027-03-28 the clocks go forward; the meeting is 10:00 local that Sunday
    start = datetime(2027, 3, 28, 10, 0, tzinfo=ZONE)
    day_before = Offset(1, "d").before(start, ZONE)
    assert day_before.astimezone(ZONE) == datetime(2027, 3, 27, 10, 0, tzinfo=ZONE)
    assert start.astimezone(UTC) - day_before == timedelta(hours=23)  # one hour was skipped
    assert Offset(3, "h").before(start, ZONE).astimezone(ZONE).hour == 7  # the morning itself
    # and in autumn (2027-10-31), a week before is still 10:00 local
    autumn = datetime(2027, 10, 31, 10, 0, tzinfo=ZONE)
    assert Offset(7, "d").before(autumn, ZONE).astimezone(ZONE).hour == 10


def test_who_gets_what_before_the_meeting():
    start = datetime(2027, 7, 3, 10, 0, tzinfo=ZONE)
    now = datetime(2027, 6, 1, tzinfo=UTC)
    people = [
        person(1, Rsvp.YES),
        person(2, Rsvp.MAYBE),
        person(3, Rsvp.NO),
        person(4, None),
        person(5, Rsvp.YES, Group.PROFESSIONAL),
    ]
    planned = plan(meeting_at(start), people, POLICY.offsets, ZONE, now)
    by_person: dict[int, list[str]] = {}
    for item in planned:
        by_person.setdefault(item.invitee_id, []).append(item.kind)
        assert item.version == 1 and now < item.due_at < start
    assert by_person[1] == ["before_3d", "before_1d", "before_3h"]
    assert by_person[2] == ["before_3d", "before_1d", "before_3h", "decide"]
    assert 3 not in by_person  # said no: left in peace
    assert by_person[4] == ["no_answer"]  # a week before
    assert by_person[5] == ["before_3d", "before_1d", "before_3h"]  # for part 1
    due = {(i.invitee_id, i.kind): i.due_at.astimezone(ZONE) for i in planned}
    assert due[(4, "no_answer")] == datetime(2027, 6, 26, 10, 0, tzinfo=ZONE)


def test_nothing_in_the_past_nothing_during_the_meeting_and_not_when_not_fixed():
    start = datetime(2027, 7, 3, 10, 0, tzinfo=ZONE)
    late = start.astimezone(UTC) - timedelta(hours=30)  # between 3 days and 1 day before
    kinds = [
        i.kind for i in plan(meeting_at(start), [person(1, Rsvp.YES)], POLICY.offsets, ZONE, late)
    ]
    assert kinds == ["before_1d", "before_3h"]
    during = start.astimezone(UTC) + timedelta(minutes=30)
    assert plan(meeting_at(start), [person(1, Rsvp.YES)], POLICY.offsets, ZONE, during) == []
    assert plan(Meeting(ConferenceId(1)), [person(1, Rsvp.YES)], POLICY.offsets, ZONE, late) == []
    unbound = Invitee(9, ConferenceId(1), "X", "-", Group.FAMILY, "nl", False, rsvp=Rsvp.YES)
    assert plan(meeting_at(start), [unbound], POLICY.offsets, ZONE, late) == []


def test_doodles_nudge_rule():
    opened = datetime(2027, 6, 1, 12, tzinfo=UTC)
    assert vote_nudge_at(opened, opened + timedelta(days=10)) == opened + timedelta(days=8)
    assert vote_nudge_at(opened, opened + timedelta(days=4)) == opened + timedelta(hours=60)
    assert vote_nudge_at(opened, opened + timedelta(days=1)) is None
    first_slot = opened + timedelta(days=20)  # votes wanted a week before: 13 days to go
    (nudge,) = plan_vote(ConferenceId(1), [person(1, None)], opened, first_slot)
    assert nudge.kind == "vote" and nudge.due_at == first_slot - timedelta(days=9)


def test_a_reminder_checks_again_when_it_falls_due():
    start = datetime(2027, 7, 3, 10, 0, tzinfo=ZONE)
    meeting = meeting_at(start, sequence=2)
    before = start.astimezone(UTC) - timedelta(days=1)
    assert still_useful("before_1d", person(1, Rsvp.YES), meeting, 2, before)
    assert not still_useful("before_1d", person(1, Rsvp.YES), meeting, 1, before)  # old date
    assert not still_useful("before_1d", person(1, Rsvp.NO), meeting, 2, before)
    assert not still_useful(
        "before_1d", person(1, Rsvp.YES), meeting, 2, start.astimezone(UTC)
    )  # the bot was down until it began
    assert not still_useful("decide", person(1, Rsvp.YES), meeting, 2, before)
    assert still_useful("no_answer", person(1, None), meeting, 2, before)
    assert not still_useful("vote", person(1, None), meeting, 0, before)  # date is fixed
    open_ = Meeting(ConferenceId(1))
    assert still_useful("vote", person(1, None), open_, 0, before)
    assert not still_useful("vote", person(1, None), open_, 0, before, voted_all=True)


async def test_plans_follow_the_meeting_and_the_answers():
    uow, conference, people = await circle_of_three()  # Frank, Wim (no answer), Riet (no)
    await answer(
        uow, PersonId(501), people["Frank"].id, Rsvp.YES, policy=POLICY, now=datetime.now(UTC)
    )
    assert await uow.reminders.pending(conference) == []  # no date yet
    start = datetime.now(UTC) + timedelta(days=20)
    await fix_meeting(
        uow, AYSE.person_id, conference, start, Venue("De Linde"), datetime.now(UTC), POLICY
    )
    pending = {
        (r.planned.invitee_id, r.planned.kind, r.planned.version)
        for r in await uow.reminders.pending(conference)
    }
    frank, wim = people["Frank"].id, people["Wim"].id
    assert pending == {
        (frank, "before_3d", 1),
        (frank, "before_1d", 1),
        (frank, "before_3h", 1),
        (wim, "no_answer", 1),
    }
    # Wim says yes: his nudge goes, his reminders come
    await answer(uow, PersonId(502), wim, Rsvp.YES, policy=POLICY, now=datetime.now(UTC))
    kinds = {
        r.planned.kind
        for r in await uow.reminders.pending(conference)
        if r.planned.invitee_id == wim
    }
    assert kinds == {"before_3d", "before_1d", "before_3h"}
    # A new time: everything is planned anew under version 2
    await fix_meeting(
        uow,
        AYSE.person_id,
        conference,
        start + timedelta(hours=2),
        Venue("De Linde"),
        datetime.now(UTC),
        POLICY,
    )
    assert {r.planned.version for r in await uow.reminders.pending(conference)} == {2}
    # Frank can't come after all: his reminders are cancelled
    await answer(uow, PersonId(501), frank, Rsvp.NO, policy=POLICY, now=datetime.now(UTC))
    assert all(r.planned.invitee_id != frank for r in await uow.reminders.pending(conference))
    # The meeting is called off: nothing is left
    await cancel_meeting(uow, AYSE.person_id, conference, datetime.now(UTC))
    assert await uow.reminders.pending(conference) == []


async def test_answering_again_brings_back_exactly_what_the_policy_gives():
    """yes -> no -> yes, maybe -> yes -> maybe: the cancelled pings are planned again (they
    share person, kind and version with the new ones), and nothing else of theirs is lost."""
    uow, conference, people = await circle_of_three()
    frank, wim = people["Frank"].id, people["Wim"].id
    now = datetime(2027, 6, 1, 9, 0, tzinfo=UTC)
    start = datetime(2027, 7, 3, 10, 0, tzinfo=ZONE)
    await fix_meeting(uow, AYSE.person_id, conference, start, Venue("De Linde"), now, POLICY)

    async def kinds(invitee: int) -> list[str]:
        return sorted(
            r.planned.kind
            for r in await uow.reminders.pending(conference)
            if r.planned.invitee_id == invitee
        )

    for rsvp in (Rsvp.YES, Rsvp.NO, Rsvp.YES):
        await answer(uow, PersonId(501), frank, rsvp, policy=POLICY, now=now)
    assert await kinds(frank) == ["before_1d", "before_3d", "before_3h"]
    for rsvp in (Rsvp.MAYBE, Rsvp.YES, Rsvp.MAYBE):
        await answer(uow, PersonId(502), wim, rsvp, policy=POLICY, now=now)
    assert await kinds(wim) == ["before_1d", "before_3d", "before_3h", "decide"]
    # after the 3-day reminder went out, a no and a yes again bring back the rest only
    later = start.astimezone(UTC) - timedelta(days=2)
    for reminder in await uow.reminders.due(later, 10):
        await uow.reminders.settle([reminder.id], "sent", None, later)
    await answer(uow, PersonId(501), frank, Rsvp.NO, policy=POLICY, now=later)
    await answer(uow, PersonId(501), frank, Rsvp.YES, policy=POLICY, now=later)
    assert await kinds(frank) == ["before_1d", "before_3h"]


def test_today_and_tomorrow_by_the_conferences_calendar():
    start = datetime(2027, 3, 10, 0, 30, tzinfo=ZONE)  # 23:30 UTC on the 9th
    assert days_until(start, datetime(2027, 3, 9, 22, 0, tzinfo=ZONE), ZONE) == 1  # "morgen"
    assert days_until(start, datetime(2027, 3, 10, 0, 5, tzinfo=ZONE), ZONE) == 0  # "vandaag"
    sunday = datetime(2027, 3, 28, 10, 0, tzinfo=ZONE)  # across the DST change
    assert days_until(sunday, Offset(3, "d").before(sunday, ZONE), ZONE) == 3
    assert days_until(sunday, Offset(1, "d").before(sunday, ZONE), ZONE) == 1
    assert days_until(sunday, Offset(3, "h").before(sunday, ZONE), ZONE) == 0
    late = sunday - timedelta(hours=30)  # the 3-day one, sent late by a bot that was down
    assert days_until(sunday, late, ZONE) == 1
