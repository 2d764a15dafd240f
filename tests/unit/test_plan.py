"""The family's plan: agreements in their own words, a professional's acceptance, publication
to who took part ("your agreements" first), and the follow-ups it plans."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conference.circle import answer, invite, open_invitation
from conference.errors import AccessDenied, AlreadyAnswered, NotFound, PlanError, PlanProblem
from conference.meeting import fix_meeting
from conference.model.circle import Group, InviteeDraft, Rsvp
from conference.model.ids import PersonId
from conference.model.meeting import Venue
from conference.model.plan import Acceptance, FollowUp, Who
from conference.model.request import Status
from conference.plan import (
    add_agreement,
    agreements_of,
    answer_acceptance,
    answer_follow_up,
    ask_acceptance,
    check_in,
    comment_follow_up,
    follow_up_asked,
    plan_ping_useful,
    publish,
    remove_agreement,
    set_follow_up,
    set_monitor,
)
from tests.unit.examples import AYSE, NOW, conference_of_ayse

ZONE = ZoneInfo("Europe/Amsterdam")


async def held_conference():
    """Frank (father, main person), Herman (uncle), Bos (family guardian); all came."""
    uow, conference = await conference_of_ayse()
    people = {}
    for person_id, draft in (
        (501, InviteeDraft("Frank", "vader", Group.FAMILY, "nl", must_attend=True)),
        (502, InviteeDraft("Herman", "oom", Group.FAMILY, "nl", must_attend=False)),
        (503, InviteeDraft("Bos", "gezinsvoogd", Group.PROFESSIONAL, "nl", must_attend=False)),
    ):
        _invitee, token = await invite(uow, AYSE.person_id, conference, draft, NOW)
        await uow.persons.upsert(PersonId(person_id), draft.name, "nl")
        people[draft.name] = await open_invitation(uow, PersonId(person_id), token, NOW)
        people[draft.name] = await answer(
            uow, PersonId(person_id), people[draft.name].id, Rsvp.YES, now=NOW
        )
    held = NOW + timedelta(days=10)
    await fix_meeting(uow, AYSE.person_id, conference, held, Venue("De Linde"), NOW)
    return uow, conference, people, held


async def test_a_plan_in_the_familys_words_published_to_who_took_part():
    uow, conference, people, held = await held_conference()
    frank, herman = people["Frank"].id, people["Herman"].id
    with pytest.raises(PlanError) as error:
        await publish(uow, AYSE.person_id, conference, held, ZONE)
    assert error.value.problem is PlanProblem.EMPTY
    await add_agreement(
        uow, AYSE.person_id, conference, "Johan groeit op bij zijn vader", [Who(frank)], None, None
    )
    await add_agreement(
        uow,
        AYSE.person_id,
        conference,
        "Financiën op een rij",
        [Who(herman), Who(frank)],
        date(2027, 7, 3),
        None,
    )
    plan = await add_agreement(
        uow,
        AYSE.person_id,
        conference,
        "Zwemmen met Wim",
        [Who(None, "Wim"), Who(999)],
        None,
        "elke vrijdag",
    )
    assert plan.agreements[2].who == (Who(None, "Wim"),)  # not someone of another circle
    await set_monitor(uow, AYSE.person_id, conference, Who(herman))
    published, to = await publish(uow, AYSE.person_id, conference, held + timedelta(hours=4), ZONE)
    assert published.version == 1 and {p.name for p in to} == {"Frank", "Herman", "Bos"}
    assert [a.what for a in agreements_of(published, herman)] == ["Financiën op een rij"]
    assert published.follow_up == (frank, herman)  # the main person and who keeps an eye
    assert (await uow.conferences.get(conference)).status is Status.FOLLOW_UP
    pending = {
        (r.planned.invitee_id, r.planned.kind)
        for r in await uow.reminders.pending(conference)
        if r.planned.version == 1
    }
    assert {
        (frank, "followup"),
        (herman, "followup"),
        (frank, "checkin"),
        (herman, "agreement_2"),
        (frank, "agreement_2"),
    } <= pending
    # the three-month question is the family's: the family guardian is not asked it
    assert (people["Bos"].id, "checkin") not in pending
    assert not plan_ping_useful("checkin", people["Bos"], published, published.version)
    due = {
        r.planned.kind: r.planned.due_at
        for r in await uow.reminders.pending(conference)
        if r.planned.invitee_id == herman
    }
    assert due["followup"] == held + timedelta(days=28)
    assert due["agreement_2"].astimezone(ZONE) == datetime(2027, 7, 2, 18, 0, tzinfo=ZONE)
    # an edit is a new version, and the follow-ups follow it
    await remove_agreement(uow, AYSE.person_id, conference, 3)
    again, _to = await publish(uow, AYSE.person_id, conference, held + timedelta(days=1), ZONE)
    assert again.version == 2
    versions = {
        r.planned.version
        for r in await uow.reminders.pending(conference)
        if r.planned.kind in ("followup", "checkin")
    }
    assert versions == {2}
    with pytest.raises(AccessDenied):
        await add_agreement(uow, PersonId(501), conference, "x", [], None, None)


async def test_a_professional_accepts_or_says_why_not():
    uow, conference, people, held = await held_conference()
    await add_agreement(
        uow,
        AYSE.person_id,
        conference,
        "Vader krijgt coaching",
        [Who(people["Frank"].id)],
        None,
        None,
    )
    with pytest.raises(PlanError):  # Frank is family, not a professional
        await ask_acceptance(uow, AYSE.person_id, conference, people["Frank"].id)
    await ask_acceptance(uow, AYSE.person_id, conference, people["Bos"].id)
    with pytest.raises(PlanError) as error:  # not before the answer
        await publish(uow, AYSE.person_id, conference, held, ZONE)
    assert error.value.problem is PlanProblem.WAITING
    with pytest.raises(NotFound):  # only Bos answers, from Bos's phone
        await answer_acceptance(uow, PersonId(501), people["Bos"].id, True, None)
    plan = await answer_acceptance(
        uow, PersonId(503), people["Bos"].id, False, "Er moet een afspraak over school bij"
    )
    assert plan.acceptance is Acceptance.REJECTED
    assert plan.acceptance_reason == "Er moet een afspraak over school bij"
    published, _to = await publish(uow, AYSE.person_id, conference, held, ZONE)
    assert published.acceptance is Acceptance.REJECTED  # the family sees the answer


async def test_follow_up_answers_and_anonymous_check_ins():
    uow, conference, people, held = await held_conference()
    frank, herman = people["Frank"].id, people["Herman"].id
    await add_agreement(
        uow, AYSE.person_id, conference, "Woensdag bij opa en oma", [Who(frank)], None, None
    )
    published, _to = await publish(uow, AYSE.person_id, conference, held, ZONE)
    await answer_follow_up(uow, PersonId(501), frank, 1, FollowUp.PARTLY, held)
    assert uow.plans.answers == {1: {frank: FollowUp.PARTLY}}
    with pytest.raises(NotFound):  # Herman was not chosen for the 4-week questions
        await answer_follow_up(uow, PersonId(502), herman, 1, FollowUp.GOING_WELL, held)
    with pytest.raises(NotFound):  # and nobody answers for someone else
        await answer_follow_up(uow, PersonId(502), frank, 1, FollowUp.GOING_WELL, held)
    await comment_follow_up(uow, PersonId(501), frank, 1, "Opa is vaak moe")
    assert uow.plans.comments == {(1, frank): "Opa is vaak moe"}
    with pytest.raises(NotFound):  # a comment goes with an answer given before
        await comment_follow_up(uow, PersonId(502), herman, 1, "x")
    chosen = await set_follow_up(uow, AYSE.person_id, conference, [herman, 999, herman])
    assert chosen.follow_up == (herman,)  # only people of this circle, once
    await check_in(uow, PersonId(502), herman, "partly", 4, held)
    assert uow.plans.check_ins == [(conference, "partly", 4)]  # no name, no id
    with pytest.raises(NotFound):
        await check_in(uow, PersonId(502), herman, "maybe", 9, held)
    with pytest.raises(AlreadyAnswered):  # one answer per person, however often tapped
        await check_in(uow, PersonId(502), herman, "no", 1, held)
    assert uow.plans.check_ins == [(conference, "partly", 4)]
    assert plan_ping_useful("followup", people["Frank"], published, 1)
    assert not plan_ping_useful("followup", people["Herman"], published, 1)
    assert not plan_ping_useful("checkin", people["Herman"], published, 0)  # old version
    assert not plan_ping_useful("agreement_7", people["Frank"], published, 1)


async def test_the_web_page_shows_a_follow_up_question_once_kring_put_it():
    """As the chat's buttons come with the reminder: nothing before it was handed to the
    outbox; then the chosen person's agreements, their own first, with their answers; the
    three-month question for the family only, until answered."""
    from conference.model.reminders import Status as ReminderStatus

    uow, conference, people, held = await held_conference()
    frank, herman, bos = people["Frank"].id, people["Herman"].id, people["Bos"].id
    for what, who in (("Samen bowlen", herman), ("Woensdag bij opa en oma", frank)):
        await add_agreement(uow, AYSE.person_id, conference, what, [Who(who)], None, None)
    await publish(uow, AYSE.person_id, conference, held, ZONE)
    assert await follow_up_asked(uow, PersonId(501), frank) is None  # not asked yet
    for (_invitee, kind, _version), row in list(uow.reminders.rows.items()):
        if kind in ("followup", "checkin"):  # the reminders ran: handed to the outbox
            await uow.reminders.settle([row.id], ReminderStatus.SENT.value, 1, held)
    await answer_follow_up(uow, PersonId(501), frank, 2, FollowUp.NOT_YET, held)
    asked = await follow_up_asked(uow, PersonId(501), frank)
    assert asked is not None
    assert [a.what for a in asked.agreements] == ["Woensdag bij opa en oma", "Samen bowlen"]
    assert asked.answers == {2: FollowUp.NOT_YET}
    assert asked.check_in and not asked.checked_in
    herman_asked = await follow_up_asked(uow, PersonId(502), herman)
    assert herman_asked is not None and herman_asked.agreements == ()  # not chosen at 4 weeks
    await check_in(uow, PersonId(502), herman, "yes", 5, held)
    herman_asked = await follow_up_asked(uow, PersonId(502), herman)
    assert herman_asked is not None and herman_asked.checked_in
    assert await follow_up_asked(uow, PersonId(503), bos) is None  # a professional: not asked
    with pytest.raises(NotFound):  # nobody reads another's questions
        await follow_up_asked(uow, PersonId(502), frank)
