import re
from dataclasses import replace
from datetime import timedelta

import pytest

from conference.circle import (
    answer,
    invite,
    invite_applicant,
    looks_like_token,
    new_token,
    open_invitation,
    token_hash,
)
from conference.errors import (
    AccessDenied,
    AlreadyInCircle,
    ApplicantUnknown,
    InvitationRefused,
    NotFound,
    Refusal,
    TooLate,
)
from conference.model.circle import Group, InviteeDraft, InviteeState, Rsvp
from conference.model.ids import PersonId
from conference.model.meeting import Meeting
from conference.model.request import ApplicantRole
from tests.unit.examples import AYSE, KEES, NOW, conference_of_ayse

WIM = InviteeDraft("Wim", "zoon", Group.FAMILY, "en", must_attend=True)


def test_tokens_are_long_random_and_fit_a_deep_link():
    tokens = {new_token() for _ in range(1000)}
    assert len(tokens) == 1000
    for token in list(tokens)[:50]:
        assert re.fullmatch(r"[A-Za-z0-9_-]{32,64}", token)
        assert looks_like_token(token)
    assert token_hash("abc") != "abc" and len(token_hash("abc")) == 64
    assert not looks_like_token("short") and not looks_like_token("a b" * 10)


async def test_only_the_assigned_coordinator_invites():
    uow, cid = await conference_of_ayse()
    for outsider in (KEES.person_id, PersonId(100), PersonId(9)):
        with pytest.raises(AccessDenied):
            await invite(uow, outsider, cid, WIM, NOW)
    invitee, token = await invite(uow, AYSE.person_id, cid, WIM, NOW)
    assert invitee.state is InviteeState.INVITED
    assert token not in uow.invitees.tokens  # only the hash is kept
    assert token_hash(token) in uow.invitees.tokens


async def test_a_link_binds_to_the_first_phone_and_expires_unopened():
    uow, cid = await conference_of_ayse()
    _, token = await invite(uow, AYSE.person_id, cid, WIM, NOW)
    with pytest.raises(InvitationRefused) as expired:
        await open_invitation(uow, PersonId(500), token, NOW + timedelta(days=31))
    assert expired.value.reason is Refusal.EXPIRED
    bound = await open_invitation(uow, PersonId(500), token, NOW + timedelta(days=1))
    assert bound.person_id == 500 and bound.state is InviteeState.OPENED
    again = await open_invitation(uow, PersonId(500), token, NOW + timedelta(days=90))
    assert again.id == bound.id  # once bound, the owner keeps access
    with pytest.raises(InvitationRefused) as taken:
        await open_invitation(uow, PersonId(501), token, NOW + timedelta(days=2))
    assert taken.value.reason is Refusal.TAKEN
    with pytest.raises(InvitationRefused) as unknown:
        await open_invitation(uow, PersonId(500), new_token(), NOW)
    assert unknown.value.reason is Refusal.UNKNOWN


async def test_only_the_invited_person_answers():
    uow, cid = await conference_of_ayse()
    invitee, token = await invite(uow, AYSE.person_id, cid, WIM, NOW)
    with pytest.raises(NotFound):
        await answer(uow, PersonId(500), invitee.id, Rsvp.YES, now=NOW)  # not opened by them
    await open_invitation(uow, PersonId(500), token, NOW)
    assert (
        await answer(uow, PersonId(500), invitee.id, Rsvp.NO, now=NOW)
    ).state is InviteeState.NO
    with pytest.raises(NotFound):
        await answer(uow, PersonId(501), invitee.id, Rsvp.YES, now=NOW)


async def test_once_the_meeting_has_begun_the_answer_is_settled():
    uow, cid = await conference_of_ayse()
    invitee, token = await invite(uow, AYSE.person_id, cid, WIM, NOW)
    await open_invitation(uow, PersonId(500), token, NOW)
    await answer(uow, PersonId(500), invitee.id, Rsvp.YES, now=NOW)
    starts = NOW + timedelta(days=10)
    await uow.meetings.save(Meeting(cid, starts))
    changed = await answer(
        uow, PersonId(500), invitee.id, Rsvp.NO, now=starts - timedelta(seconds=1)
    )
    assert changed.rsvp is Rsvp.NO  # up to the last moment
    for late in (starts, starts + timedelta(days=30)):
        with pytest.raises(TooLate):
            await answer(uow, PersonId(500), invitee.id, Rsvp.YES, now=late)
    assert (await uow.invitees.get(invitee.id)).rsvp is Rsvp.NO
    await uow.meetings.save(Meeting(cid, starts, cancelled=True))  # called off: open again
    assert (await answer(uow, PersonId(500), invitee.id, Rsvp.YES, now=starts)).rsvp is Rsvp.YES


async def test_a_new_link_replaces_the_old_one_and_binds_anew():
    from conference.circle import reissue

    uow, cid = await conference_of_ayse()
    invitee, old = await invite(uow, AYSE.person_id, cid, WIM, NOW)
    await open_invitation(uow, PersonId(500), old, NOW)
    with pytest.raises(AccessDenied):
        await reissue(uow, KEES.person_id, invitee.id, NOW)
    _, new = await reissue(uow, AYSE.person_id, invitee.id, NOW)
    with pytest.raises(InvitationRefused) as refused:
        await open_invitation(uow, PersonId(500), old, NOW)
    assert refused.value.reason is Refusal.UNKNOWN
    assert (await open_invitation(uow, PersonId(777), new, NOW)).person_id == 777


async def test_food_needs_consent_and_counts_only_who_comes():
    from conference.circle import catering, set_food
    from conference.model.circle import Allergen, Diet, Food

    uow, cid = await conference_of_ayse()
    wim, token = await invite(uow, AYSE.person_id, cid, WIM, NOW)
    await open_invitation(uow, PersonId(500), token, NOW)
    with pytest.raises(NotFound):
        await set_food(uow, PersonId(501), wim.id, Food(True, Diet.HALAL))
    stored = await set_food(
        uow, PersonId(500), wim.id, Food(False, Diet.HALAL, frozenset({Allergen.MILK}))
    )
    assert stored.food == Food()  # without consent nothing is kept
    await set_food(
        uow, PersonId(500), wim.id, Food(True, Diet.HALAL, frozenset({Allergen.PEANUTS}))
    )
    people = await uow.invitees.of_conference(cid)
    assert catering(people) == ({}, {})  # has not said yes yet
    await answer(uow, PersonId(500), wim.id, Rsvp.MAYBE, now=NOW)
    people = await uow.invitees.of_conference(cid)
    assert catering(people) == ({Diet.HALAL: 1}, {Allergen.PEANUTS: 1})


async def test_needs_are_clamped_and_summed_over_who_comes():
    from conference.circle import needs_summary, set_needs
    from conference.model.circle import Needs

    uow, cid = await conference_of_ayse()
    wim, token = await invite(uow, AYSE.person_id, cid, WIM, NOW)
    await open_invitation(uow, PersonId(500), token, NOW)
    stored = await set_needs(uow, PersonId(500), wim.id, Needs("ar", 99, True, True))
    assert stored.needs.children == 8  # at most MAX_CHILDREN
    stored = await set_needs(uow, PersonId(500), wim.id, Needs(None, 0, True))
    assert not stored.needs.childcare  # no children, no childcare
    await set_needs(uow, PersonId(500), wim.id, Needs("ar", 2, True, True))
    assert needs_summary(await uow.invitees.of_conference(cid)).children == 0  # not coming
    await answer(uow, PersonId(500), wim.id, Rsvp.YES, now=NOW)
    summary = needs_summary(await uow.invitees.of_conference(cid))
    assert (summary.interpreters, summary.children, summary.childcare, summary.transport) == (
        {"ar": 1},
        2,
        1,
        1,
    )


async def test_an_interpreter_in_every_language_kring_invites_in_and_the_coordinators():
    """Persian among them (kring invites in it), the coordinator's own languages, a few more;
    any other is kept as typed (issue 11, point 12)."""
    from dataclasses import replace

    from conference.circle import interpreter_choices, set_interpreter

    uow, cid = await conference_of_ayse()
    await uow.staff.add(replace(AYSE, languages=("nl", "tr", "ber")))
    invitee, token = await invite(uow, AYSE.person_id, cid, WIM, NOW)
    await open_invitation(uow, PersonId(500), token, NOW)
    shipped = ("nl", "en", "tr", "ar", "pl", "uk", "fa", "ti")
    choices = await interpreter_choices(uow, PersonId(500), invitee.id, shipped)
    assert choices[:8] == shipped and "ber" in choices
    assert {"so", "pap", "ku"} <= set(choices) and len(set(choices)) == len(choices)
    with pytest.raises(NotFound):
        await interpreter_choices(uow, PersonId(501), invitee.id, shipped)
    typed = await set_interpreter(uow, PersonId(500), invitee.id, "  Tamazight  ")
    assert typed.needs.interpreter == "Tamazight"


async def test_only_a_professional_of_the_conference_sets_the_minimum_requirement():
    from dataclasses import replace

    from conference.circle import set_minimum_requirement
    from conference.model.request import ApplicantRole

    uow, cid = await conference_of_ayse()
    herman, herman_token = await invite(
        uow, AYSE.person_id, cid, InviteeDraft("Herman", "oom", Group.FAMILY, "nl", False), NOW
    )
    _bos, bos_token = await invite(
        uow,
        AYSE.person_id,
        cid,
        InviteeDraft("Bos", "gezinsvoogd", Group.PROFESSIONAL, "nl", False),
        NOW,
    )
    await open_invitation(uow, PersonId(501), herman_token, NOW)
    await open_invitation(uow, PersonId(502), bos_token, NOW)
    for outsider in (PersonId(501), AYSE.person_id, PersonId(9), PersonId(999)):
        with pytest.raises(AccessDenied):  # family, coordinator, a non-professional applicant
            await set_minimum_requirement(uow, outsider, cid, "Niet bij opa wonen", NOW)
    request, told = await set_minimum_requirement(
        uow, PersonId(502), cid, "  Niet bij opa wonen ", NOW
    )
    assert request.minimum_requirement == "Niet bij opa wonen"
    assert [p.id for p in told] == [herman.id]  # the family invited before, not Bos himself
    uow.conferences.rows[cid] = replace(
        uow.conferences.rows[cid], applicant_role=ApplicantRole.PROFESSIONAL
    )
    await set_minimum_requirement(uow, PersonId(9), cid, "Anders", NOW)  # she applied as one
    await uow.meetings.save(Meeting(cid, NOW - timedelta(hours=1)))
    with pytest.raises(TooLate):
        await set_minimum_requirement(uow, PersonId(502), cid, "Te laat", NOW)


async def test_the_coordinator_adds_the_applicant_bound_to_their_own_account():
    """Kring knows the applicant since the request: bound at once (no link), named and in
    the language they use with kring; only the conference's coordinator may, and only once
    (issue 11, point 15)."""
    uow, cid = await conference_of_ayse()
    await uow.persons.set_locale(PersonId(9), "tr")  # Edith switched kring to Turkish
    for outsider in (KEES.person_id, PersonId(100), PersonId(9)):
        with pytest.raises(AccessDenied):
            await invite_applicant(uow, outsider, cid, "tante", Group.FAMILY, False, NOW)
    request, edith = await invite_applicant(
        uow, AYSE.person_id, cid, "tante", Group.FAMILY, True, NOW
    )
    assert (edith.name, edith.person_id, edith.locale, edith.group) == (
        "Edith",
        PersonId(9),
        "tr",
        Group.FAMILY,
    )
    assert edith.must_attend and edith.state is InviteeState.INVITED
    assert request.id == cid
    with pytest.raises(AlreadyInCircle) as again:  # a double tap adds nobody
        await invite_applicant(uow, AYSE.person_id, cid, "tante", Group.FAMILY, True, NOW)
    assert again.value.invitee.id == edith.id
    assert len(await uow.invitees.of_conference(cid)) == 1
    answered = await answer(
        uow, PersonId(9), edith.id, Rsvp.YES, now=NOW
    )  # her own, from her chat
    assert answered.rsvp is Rsvp.YES


async def test_a_professional_who_applied_joins_as_a_professional():
    uow, cid = await conference_of_ayse()
    uow.conferences.rows[cid] = replace(
        uow.conferences.rows[cid], applicant_role=ApplicantRole.PROFESSIONAL
    )
    _, guardian = await invite_applicant(
        uow, AYSE.person_id, cid, "gezinsvoogd", Group.FAMILY, False, NOW
    )
    assert guardian.group is Group.PROFESSIONAL


async def test_an_applicant_kring_cannot_reach_is_added_the_usual_way():
    uow, cid = await conference_of_ayse()
    del uow.persons.rows[PersonId(9)]
    with pytest.raises(ApplicantUnknown):
        await invite_applicant(uow, AYSE.person_id, cid, "tante", Group.FAMILY, False, NOW)
    assert not await uow.invitees.of_conference(cid)


async def test_links_wait_once_all_accounts_together_were_refused_too_often():
    """Three accounts refused once each (the limit here is 3): the next link waits, even a
    real one, and the wait is audited but not counted as a refusal (so it ends an hour after
    the flood, not an hour after the last person who tried)."""
    uow, conference = await conference_of_ayse()
    draft = InviteeDraft("Wim", "broer", Group.FAMILY, "en", False)
    _wim, token = await invite(uow, AYSE.person_id, conference, draft, NOW)
    for guesser in (601, 602, 603):
        with pytest.raises(InvitationRefused) as refused:
            await open_invitation(uow, PersonId(guesser), "g" * 32, NOW, tries_in_total=3)
        assert refused.value.reason is Refusal.UNKNOWN
    with pytest.raises(InvitationRefused) as refused:
        await open_invitation(uow, PersonId(502), token, NOW, tries_in_total=3)
    assert refused.value.reason is Refusal.PAUSED
    assert [what for who, what, _ in uow.audit.entries if who == PersonId(502)] == [
        "invitation.paused"
    ]
    assert await uow.audit.count_recent("invitation.refused", timedelta(hours=1)) == 3
    opened = await open_invitation(uow, PersonId(502), token, NOW, tries_in_total=4)
    assert opened.person_id == PersonId(502)  # below the limit, the link opens
