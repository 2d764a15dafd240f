"""A relative without Telegram answers on a web page: the same personal link (its token), opened
in a browser. The first browser to open it gets a web account (`web_account_of`) and is bound to
it by the hash of a secret in its cookie; from then on the page acts as that account, through
the same use cases as the chat. Another browser, or a link a Telegram account opened, is refused
kindly and the coordinator hears of it (`circle.tell_of_second_phone`)."""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from datetime import datetime

from conference.access import own_invitation
from conference.circle import (
    REFUSED,
    TRIES_IN_TOTAL,
    looks_like_token,
    refuse_while_flooded,
    reissue,
    token_hash,
)
from conference.errors import BadEmail, InvitationRefused, Refusal
from conference.model.circle import Invitee, Rsvp
from conference.model.ids import ROW_IDS, InviteeId, PersonId, on_the_web, web_account_of
from conference.model.plan import Plan
from conference.model.web import WebAccount
from conference.ports import UnitOfWork


async def open_on_web(
    uow: UnitOfWork,
    token: str,
    browser_hash: str,
    now: datetime,
    tries_in_total: int = TRIES_IN_TOTAL,
) -> Invitee:
    """The invitation behind the link, for this browser (`browser_hash`: the SHA-256 of the
    secret in its cookie). Unopened and not expired: bound to a new web account and to this
    browser. Bound to this browser: the same. Otherwise refused (InvitationRefused, audited
    without an actor: a browser has no account; never the token). Refusals count towards the
    limit of all refusals together, as the Telegram door's do."""
    await refuse_while_flooded(uow, None, tries_in_total)
    try:
        return await _open_on_web(uow, token, browser_hash, now)
    except InvitationRefused as refused:
        conference = refused.invitee.conference_id if refused.invitee is not None else None
        await uow.audit.record(None, f"{REFUSED}.{refused.reason.value}", conference)
        raise


async def open_by_browser(
    uow: UnitOfWork,
    browser_hash: str,
    tries_in_total: int = TRIES_IN_TOTAL,
    invitee_id: InviteeId | None = None,
) -> Invitee:
    """The invitation this browser holds, without its link: the page's short address, which
    e-mails to a relative point to (`/i/mine-<invitee_id>`: that invitation, if this browser
    holds it; an id alone opens nothing). Without an id (`/i/mine`): the newest it holds."""
    await refuse_while_flooded(uow, None, tries_in_total)
    account: WebAccount | None = None
    if invitee_id is not None and invitee_id in ROW_IDS:
        account = await uow.web_accounts.get(web_account_of(invitee_id))
        if account is not None and not (
            browser_hash
            and account.browser_hash
            and hmac.compare_digest(account.browser_hash, browser_hash)
        ):
            account = None
    elif invitee_id is None and browser_hash:
        account = await uow.web_accounts.by_browser(browser_hash)
    invitee = await uow.invitees.get(account.invitee_id) if account is not None else None
    if account is None or invitee is None or invitee.person_id != account.person_id:
        await uow.audit.record(None, f"{REFUSED}.{Refusal.UNKNOWN.value}", None)
        raise InvitationRefused(Refusal.UNKNOWN)
    return invitee


async def _open_on_web(uow: UnitOfWork, token: str, browser_hash: str, now: datetime) -> Invitee:
    if not looks_like_token(token) or not browser_hash:
        raise InvitationRefused(Refusal.UNKNOWN)
    found = await uow.invitees.by_token(token_hash(token))
    if found is None:
        raise InvitationRefused(Refusal.UNKNOWN)
    invitee, expires_at = found
    web_person = web_account_of(invitee.id)
    if invitee.person_id is None:
        if expires_at <= now:
            raise InvitationRefused(Refusal.EXPIRED, invitee)
        await uow.web_accounts.add(invitee.id, now)
        await uow.web_accounts.bind_browser(web_person, browser_hash)
        return await uow.invitees.bind(invitee.id, web_person, now)
    if invitee.person_id != web_person:  # a Telegram account opened it
        raise InvitationRefused(Refusal.TAKEN, invitee)
    account = await uow.web_accounts.get(web_person)
    if account is None or account.browser_hash is None:  # a new link: unopened, so it expires
        if expires_at <= now:
            raise InvitationRefused(Refusal.EXPIRED, invitee)
        await uow.web_accounts.add(invitee.id, now)
        await uow.web_accounts.bind_browser(web_person, browser_hash)
    elif not hmac.compare_digest(account.browser_hash, browser_hash):
        raise InvitationRefused(Refusal.TAKEN, invitee)
    return invitee


MAX_EMAIL = 254  # RFC 5321's limit for a forward path
_EMAIL = re.compile(r"[^@\s<>,;:\"]+@[^@\s<>,;:\"]+\.[^@\s<>,;:\".]{2,}")


def email_address(text: str) -> str:
    """An e-mail address as typed (trimmed), or BadEmail: one address, no display name."""
    address = text.strip()
    if len(address) > MAX_EMAIL or _EMAIL.fullmatch(address) is None:
        raise BadEmail("not an e-mail address")
    return address


async def mark_answers_on_web(
    uow: UnitOfWork, actor: PersonId, invitee_id: int, email: str | None, now: datetime
) -> tuple[Invitee, str]:
    """The coordinator marks someone of the circle as answering on the web page: a new link
    (the old one stops working, as with `reissue`), their web account made ready, and, if
    given, the address kring e-mails the link and later news to (sealed). Returns the invitee
    and the new token, for the caller to hand out (and queue for the e-mail)."""
    address = email_address(email) if email else None
    invitee, token = await reissue(uow, actor, invitee_id, now)
    await uow.web_accounts.add(invitee.id, now)
    if address is not None:
        await uow.web_accounts.set_email(web_account_of(invitee.id), address)
    await uow.audit.record(actor, "invitee.on_the_web", invitee.conference_id)
    return invitee, token


async def set_email(
    uow: UnitOfWork, person: PersonId, invitee_id: int, email: str | None
) -> Invitee:
    """Their own address for reminders and changes, given, changed or taken away on the web
    page (None or blank: no more e-mail). Only an invitation answered on the web has one."""
    invitee = await own_invitation(uow, person, invitee_id)
    address = email_address(email) if email and email.strip() else None
    if answers_on_the_web(invitee):
        await uow.web_accounts.set_email(web_account_of(invitee.id), address)
    return invitee


async def set_language(
    uow: UnitOfWork, person: PersonId, invitee_id: int, locale: str, shipped: Sequence[str]
) -> Invitee:
    """The language of their own invitation (the web page's, and of what kring sends them):
    one kring ships, else nothing changes."""
    invitee = await own_invitation(uow, person, invitee_id)
    if locale not in shipped or locale == invitee.locale:
        return invitee
    return await uow.invitees.set_locale(invitee_id, locale)


async def published_plan(
    uow: UnitOfWork, person: PersonId, invitee_id: int
) -> tuple[Plan, dict[int, str]] | None:
    """The plan as those who took part got it (published, and they said yes), with the names
    of the circle it names; None before that."""
    invitee = await own_invitation(uow, person, invitee_id)
    plan = await uow.plans.get(invitee.conference_id)
    if plan is None or not plan.published or invitee.rsvp is not Rsvp.YES:
        return None
    people = await uow.invitees.of_conference(invitee.conference_id)
    return plan, {p.id: p.name for p in people}


def answers_on_the_web(invitee: Invitee) -> bool:
    """Bound to a web account (not a Telegram one)."""
    return invitee.person_id is not None and on_the_web(invitee.person_id)
