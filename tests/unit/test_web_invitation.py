"""The web door's use cases on the fakes: the first browser takes an unopened link and acts as
the invitation's web account; another browser, a link a Telegram account opened, an expired or
unknown link are refused and audited; a new link lets the browser go."""

from __future__ import annotations

import ast
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from conference.circle import answer, invite, open_invitation, reissue
from conference.errors import AccessDenied, BadEmail, InvitationRefused, NotFound, Refusal
from conference.model.circle import Group, InviteeDraft, Rsvp
from conference.model.ids import InviteeId, PersonId, on_the_web, web_account_of
from conference.model.plan import Agreement, Plan, Who
from conference.web_invitation import (
    answers_on_the_web,
    mark_answers_on_web,
    open_by_browser,
    open_on_web,
    published_plan,
    set_email,
    set_language,
)
from tests.unit.examples import AYSE, NOW, conference_of_ayse

EDITH = InviteeDraft("Edith", "tante", Group.FAMILY, "nl", must_attend=False)
FIRST, SECOND = "a" * 64, "b" * 64  # the hashes of two browsers' secrets
LOCALES = ("nl", "en", "ar")


async def test_the_first_browser_takes_the_link_and_acts_as_the_web_account():
    uow, cid = await conference_of_ayse()
    invited, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    opened = await open_on_web(uow, token, FIRST, NOW + timedelta(days=1))
    assert opened.person_id == web_account_of(invited.id) and on_the_web(opened.person_id)
    assert answers_on_the_web(opened) and opened.opened
    account = await uow.web_accounts.get(web_account_of(invited.id))
    assert account is not None and account.browser_hash == FIRST
    again = await open_on_web(uow, token, FIRST, NOW + timedelta(days=90))  # bound: no expiry
    assert again.id == invited.id
    # the chat's use cases take the web account as the invitation's owner
    answered = await answer(uow, web_account_of(invited.id), invited.id, Rsvp.YES, now=NOW)
    assert answered.rsvp is Rsvp.YES


async def test_another_browser_or_a_telegram_account_is_refused_and_audited():
    uow, cid = await conference_of_ayse()
    _invited, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    await open_on_web(uow, token, FIRST, NOW)
    with pytest.raises(InvitationRefused) as taken:
        await open_on_web(uow, token, SECOND, NOW)
    assert taken.value.reason is Refusal.TAKEN and taken.value.invitee is not None
    with pytest.raises(InvitationRefused) as on_telegram:
        await open_invitation(uow, PersonId(500), token, NOW)  # the web took it first
    assert on_telegram.value.reason is Refusal.TAKEN
    _other, other_token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    await open_invitation(uow, PersonId(501), other_token, NOW)  # Telegram took this one
    with pytest.raises(InvitationRefused) as web_too_late:
        await open_on_web(uow, other_token, FIRST, NOW)
    assert web_too_late.value.reason is Refusal.TAKEN
    audited = [action for _actor, action, _conference in uow.audit.entries]
    assert audited.count("invitation.refused.taken") == 3
    assert all(token not in action for action in audited)


async def test_expired_unknown_and_malformed_links_are_refused():
    uow, cid = await conference_of_ayse()
    _invited, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    for link, browser, reason in (
        (token, FIRST, Refusal.EXPIRED),
        ("x" * 32, FIRST, Refusal.UNKNOWN),
        ("<script>", FIRST, Refusal.UNKNOWN),
        (token, "", Refusal.UNKNOWN),
    ):
        with pytest.raises(InvitationRefused) as refused:
            await open_on_web(uow, link, browser, NOW + timedelta(days=31))
        assert refused.value.reason is reason


async def test_a_flood_of_refusals_pauses_every_link():
    uow, cid = await conference_of_ayse()
    _invited, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    for _ in range(3):
        with pytest.raises(InvitationRefused):
            await open_on_web(uow, "y" * 32, FIRST, NOW, tries_in_total=3)
    with pytest.raises(InvitationRefused) as paused:
        await open_on_web(uow, token, FIRST, NOW, tries_in_total=3)
    assert paused.value.reason is Refusal.PAUSED


async def test_a_new_link_lets_the_browser_go():
    uow, cid = await conference_of_ayse()
    invited, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    await open_on_web(uow, token, FIRST, NOW)
    _renewed, fresh = await reissue(uow, AYSE.person_id, invited.id, NOW)
    with pytest.raises(InvitationRefused):
        await open_on_web(uow, token, SECOND, NOW)  # the old link is gone
    with pytest.raises(InvitationRefused) as late:  # the new one expires unopened, as any
        await open_on_web(uow, fresh, SECOND, NOW + timedelta(days=31))
    assert late.value.reason is Refusal.EXPIRED
    taken = await open_on_web(uow, fresh, SECOND, NOW)
    assert taken.person_id == web_account_of(invited.id)
    account = await uow.web_accounts.get(web_account_of(invited.id))
    assert account is not None and account.browser_hash == SECOND


async def test_the_language_of_ones_own_invitation_only():
    uow, cid = await conference_of_ayse()
    invited, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    await open_on_web(uow, token, FIRST, NOW)
    me = web_account_of(invited.id)
    assert (await set_language(uow, me, invited.id, "ar", LOCALES)).locale == "ar"
    assert (await set_language(uow, me, invited.id, "xx", LOCALES)).locale == "ar"
    with pytest.raises(NotFound):
        await set_language(uow, web_account_of(invited.id + 1), invited.id, "en", LOCALES)


def test_the_web_door_imports_neither_dialogs_nor_storage():
    web = Path(__file__).resolve().parents[2] / "web"
    for path in web.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else []
            )
            assert not any(n.split(".")[0] in ("dialogs", "storage", "bot") for n in names), path


async def test_the_plan_once_published_for_who_took_part():
    uow, cid = await conference_of_ayse()
    invited, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    await open_on_web(uow, token, FIRST, NOW)
    me = web_account_of(invited.id)
    assert await published_plan(uow, me, invited.id) is None  # nothing yet
    draft = Plan(
        cid, "Waar kan Johan veilig opgroeien?", (Agreement(1, "Zwemmen", (Who(invited.id),)),)
    )
    await uow.plans.save(draft)
    await answer(uow, me, invited.id, Rsvp.YES, now=NOW)
    assert await published_plan(uow, me, invited.id) is None  # not sent yet
    await uow.plans.save(replace(draft, version=1))
    found = await published_plan(uow, me, invited.id)
    assert found is not None and found[1][invited.id] == "Edith"
    await answer(uow, me, invited.id, Rsvp.NO, now=NOW)
    assert await published_plan(uow, me, invited.id) is None  # did not take part
    with pytest.raises(NotFound):
        await published_plan(uow, AYSE.person_id, invited.id)


async def test_the_coordinator_marks_someone_as_answering_on_the_web():
    uow, cid = await conference_of_ayse()
    invited, old = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    with pytest.raises(BadEmail):
        await mark_answers_on_web(uow, AYSE.person_id, invited.id, "edith at home", NOW)
    with pytest.raises(AccessDenied):
        await mark_answers_on_web(uow, PersonId(500), invited.id, "edith@example.org", NOW)
    _invitee, token = await mark_answers_on_web(
        uow, AYSE.person_id, invited.id, " edith@example.org ", NOW
    )
    account = await uow.web_accounts.get(web_account_of(invited.id))
    assert account is not None and account.email == "edith@example.org"
    with pytest.raises(InvitationRefused):
        await open_on_web(uow, old, FIRST, NOW)  # a new link: the old one is gone
    assert (await open_on_web(uow, token, FIRST, NOW)).id == invited.id


async def test_the_relative_gives_changes_and_removes_their_own_address():
    uow, cid = await conference_of_ayse()
    invited, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    await open_on_web(uow, token, FIRST, NOW)
    me = web_account_of(invited.id)
    await set_email(uow, me, invited.id, "edith@example.org")
    assert (await uow.web_accounts.get(me)).email == "edith@example.org"  # type: ignore[union-attr]
    with pytest.raises(BadEmail):
        await set_email(uow, me, invited.id, "not an address")
    await set_email(uow, me, invited.id, "  ")
    assert (await uow.web_accounts.get(me)).email is None  # type: ignore[union-attr]
    with pytest.raises(NotFound):
        await set_email(uow, AYSE.person_id, invited.id, "ayse@example.org")


async def test_the_browser_finds_its_own_invitation_without_the_link():
    uow, cid = await conference_of_ayse()
    with pytest.raises(InvitationRefused):
        await open_by_browser(uow, FIRST)
    first, token = await invite(uow, AYSE.person_id, cid, EDITH, NOW)
    await open_on_web(uow, token, FIRST, NOW)
    assert (await open_by_browser(uow, FIRST)).id == first.id
    second, other = await invite(uow, AYSE.person_id, cid, EDITH, NOW + timedelta(hours=1))
    await open_on_web(uow, other, FIRST, NOW + timedelta(hours=1))
    assert (await open_by_browser(uow, FIRST)).id == second.id  # the newest
    for which in (first, second):  # or the one an e-mail names
        assert (await open_by_browser(uow, FIRST, invitee_id=which.id)).id == which.id
    with pytest.raises(InvitationRefused):
        await open_by_browser(uow, SECOND)
    for browser, which in ((SECOND, first.id), (FIRST, InviteeId(999)), (FIRST, InviteeId(0))):
        with pytest.raises(InvitationRefused):  # not this browser's, or none at all
            await open_by_browser(uow, browser, invitee_id=which)
    await reissue(uow, AYSE.person_id, second.id, NOW)  # a new link lets the browser go
    assert (await open_by_browser(uow, FIRST)).id == first.id
