"""The circle: the people a coordinator invites, their personal invitation links, their answer."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from conference.access import coordinator_of, known_account, known_rows, own_invitation
from conference.errors import (
    AccessDenied,
    AlreadyInCircle,
    ApplicantUnknown,
    InvitationRefused,
    NotFound,
    Refusal,
    TooLate,
)
from conference.intake import clean_text
from conference.model.audit import OnBehalfOf
from conference.model.circle import (
    Allergen,
    Diet,
    Food,
    Group,
    Invitee,
    InviteeDraft,
    Needs,
    NeedsSummary,
    NoReason,
    Rsvp,
    Suggestion,
)
from conference.model.ids import ACCOUNT_IDS, ConferenceId, InviteeId, PersonId, web_account_of
from conference.model.people import StaffRole
from conference.model.reminders import Policy
from conference.model.request import MORE_LANGUAGES, ApplicantRole, ConferenceRequest, Field
from conference.ports import UnitOfWork
from conference.reminders import replan_person

INVITATION_DAYS = 30
TOKEN_BYTES = 24  # 192 bits; token_urlsafe gives 32 characters of A-Za-z0-9_-
MAX_CHILDREN = 8


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def token_hash(token: str) -> str:
    """Only this is stored: a leaked database gives no working links."""
    return hashlib.sha256(token.encode()).hexdigest()


# an account whose links were refused this often within the window is not heard for a while:
# no guessing (the tokens have 128 bits anyway) and no flood of warnings
TRIES_PER_ACCOUNT = 10
TRIES_WINDOW = timedelta(hours=1)
REFUSED = "invitation.refused"
# and when all accounts together were refused this often within the window, every link waits
# until fewer were (KRING_INVITATION_REFUSALS_PER_HOUR): a flood from many accounts stops there
TRIES_IN_TOTAL = 100
PAUSED = "invitation.paused"


def looks_like_token(text: str) -> bool:
    return 20 <= len(text) <= 64 and all(c.isalnum() or c in "-_" for c in text)


async def my_conferences(uow: UnitOfWork, actor: PersonId) -> Sequence[ConferenceRequest]:
    known_account(actor)
    member = await uow.staff.get(actor)
    if member is None or member.role is not StaffRole.COORDINATOR:
        raise AccessDenied("only coordinators have conferences")
    await uow.audit.record(actor, "request.listed", None, on_behalf_of=OnBehalfOf.COORDINATOR)
    return await uow.conferences.of_coordinator(actor)


async def circle(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId
) -> tuple[ConferenceRequest, Sequence[Invitee]]:
    """The conference and its circle, for the coordinator's own use (whom to send to); a view
    of it shown to them is `view_circle`."""
    request = await coordinator_of(uow, actor, conference_id)
    return request, await uow.invitees.of_conference(conference_id)


async def view_circle(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId
) -> tuple[ConferenceRequest, Sequence[Invitee]]:
    """The conference's view for its coordinator (the circle, answers, needs, catering):
    audited as one read."""
    found = await circle(uow, actor, conference_id)
    await uow.audit.record(actor, "circle.viewed", conference_id)
    return found


async def acknowledge_unconfirmed(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, now: datetime
) -> int:
    """The coordinator has seen the messages that may not have arrived (and can ask those
    people themselves): they leave the conference's view. Returns how many."""
    await coordinator_of(uow, actor, conference_id)
    await uow.audit.record(actor, "circle.unconfirmed_seen", conference_id)
    return await uow.outbox.acknowledge_unconfirmed(conference_id, now)


async def invite(
    uow: UnitOfWork,
    actor: PersonId,
    conference_id: ConferenceId,
    draft: InviteeDraft,
    now: datetime,
) -> tuple[Invitee, str]:
    """Add a person to the circle; returns them and their personal token (shown once)."""
    await coordinator_of(uow, actor, conference_id)
    token = new_token()
    invitee = await uow.invitees.add(
        conference_id, draft, token_hash(token), now + timedelta(days=INVITATION_DAYS), now
    )
    await uow.audit.record(actor, "invitee.added", conference_id)
    return invitee, token


def applicant_of(request: ConferenceRequest, people: Sequence[Invitee]) -> Invitee | None:
    """The applicant's place in the circle, bound to their own Telegram account, if any."""
    return next((p for p in people if p.person_id == request.applicant_id), None)


async def invite_applicant(
    uow: UnitOfWork,
    actor: PersonId,
    conference_id: ConferenceId,
    relation: str,
    group: Group,
    must_attend: bool,
    now: datetime,
) -> tuple[ConferenceRequest, Invitee]:
    """The coordinator adds the applicant to the circle with one tap: kring knows them since
    the request (their Telegram account, name and language), so they are bound at once and
    need no link. A professional who applied joins as a professional."""
    request = await coordinator_of(uow, actor, conference_id)
    present = applicant_of(request, await uow.invitees.of_conference(conference_id))
    if present is not None:
        raise AlreadyInCircle(present)
    known = await uow.persons.get(request.applicant_id)
    if known is None:
        raise ApplicantUnknown("no Telegram person for the applicant")
    if request.applicant_role is ApplicantRole.PROFESSIONAL:
        group = Group.PROFESSIONAL
    draft = InviteeDraft(
        request.applicant_name,
        relation,
        group,
        known.locale or request.applicant_locale,
        must_attend,
    )
    # No link is handed out: the hash of a token nobody is ever shown fills its place, and
    # it has expired already (a bound invitation needs none).
    invitee = await uow.invitees.add(
        conference_id, draft, token_hash(new_token()), now, now, person=request.applicant_id
    )
    await uow.audit.record(actor, "invitee.added_applicant", conference_id)
    return request, invitee


async def reissue(
    uow: UnitOfWork, actor: PersonId, invitee_id: InviteeId, now: datetime
) -> tuple[Invitee, str]:
    """A new link for someone (lost it, or the wrong phone opened it): the old link stops
    working and the new one binds to whoever opens it first. Their answers stay."""
    known_account(actor)
    known_rows(invitee_id)
    invitee = await uow.invitees.get(invitee_id)
    if invitee is None:
        raise NotFound("no such invitee")
    await coordinator_of(uow, actor, invitee.conference_id)
    token = new_token()
    renewed = await uow.invitees.new_token(
        invitee_id, token_hash(token), now + timedelta(days=INVITATION_DAYS)
    )
    # a browser bound to the old link lets go too: the next one to open the new link takes it
    await uow.web_accounts.bind_browser(web_account_of(invitee_id), None)
    await uow.audit.record(actor, "invitee.new_link", invitee.conference_id)
    return renewed, token


async def open_invitation(
    uow: UnitOfWork,
    person: PersonId,
    token: str,
    now: datetime,
    tries_in_total: int = TRIES_IN_TOTAL,
) -> Invitee:
    """The link was opened: bind it to this Telegram account the first time, refuse others.
    Every refusal is audited (never the token); an account refused TRIES_PER_ACCOUNT times
    within TRIES_WINDOW is refused without a look at the link until the window has passed.
    When all accounts together were refused `tries_in_total` times within the window, every
    link is refused (PAUSED, audited as such but not counted as a refusal, so the pause ends
    a window after the flood) until fewer were."""
    if person not in ACCOUNT_IDS:  # no Telegram account: nothing to look at, nobody to audit
        raise InvitationRefused(Refusal.UNKNOWN)
    if await uow.audit.count_recent(REFUSED, TRIES_WINDOW, person) >= TRIES_PER_ACCOUNT:
        raise InvitationRefused(Refusal.TOO_MANY)
    await refuse_while_flooded(uow, person, tries_in_total)
    try:
        return await _open_invitation(uow, person, token, now)
    except InvitationRefused as refused:
        conference = refused.invitee.conference_id if refused.invitee is not None else None
        await uow.audit.record(person, f"{REFUSED}.{refused.reason.value}", conference)
        raise


async def refuse_while_flooded(
    uow: UnitOfWork, actor: PersonId | None, tries_in_total: int
) -> None:
    """PAUSED (audited, not counted as a refusal) while all links together, whichever door,
    were refused `tries_in_total` times within the window."""
    if await uow.audit.count_recent(REFUSED, TRIES_WINDOW) >= tries_in_total:
        await uow.audit.record(actor, PAUSED, None)
        raise InvitationRefused(Refusal.PAUSED)


async def _open_invitation(
    uow: UnitOfWork, person: PersonId, token: str, now: datetime
) -> Invitee:
    if not looks_like_token(token):
        raise InvitationRefused(Refusal.UNKNOWN)
    found = await uow.invitees.by_token(token_hash(token))
    if found is None:
        raise InvitationRefused(Refusal.UNKNOWN)
    invitee, expires_at = found
    if invitee.person_id is not None and invitee.person_id != person:
        raise InvitationRefused(Refusal.TAKEN, invitee)
    if invitee.person_id is None and expires_at <= now:
        raise InvitationRefused(Refusal.EXPIRED, invitee)
    if invitee.person_id is None or not invitee.opened:
        invitee = await uow.invitees.bind(invitee.id, person, now)
    if await is_applicant(uow, invitee):
        # the one who applied: the language they chose then stands (not asked again)
        request = await uow.conferences.get(invitee.conference_id)
        known = await uow.persons.get(person)
        assert request is not None
        locale = known.locale if known is not None and known.locale else (request.applicant_locale)
        if locale != invitee.locale:
            invitee = await uow.invitees.set_locale(invitee.id, locale)
    return invitee


# a coordinator hears of a second phone trying an invitation at most this often
SECOND_PHONE_TOLD_EVERY = timedelta(days=1)


async def tell_of_second_phone(uow: UnitOfWork, invitee: Invitee, now: datetime) -> bool:
    """Another phone tried a bound invitation: is the coordinator to be told (once a day per
    invitation, not once per try)?"""
    return await uow.invitees.tell_second_phone(invitee.id, now - SECOND_PHONE_TOLD_EVERY, now)


async def is_applicant(uow: UnitOfWork, invitee: Invitee) -> bool:
    """Is this person of the circle the one who applied for the conference (the same
    Telegram account)? Then they are one person to kring, known since the request."""
    if invitee.person_id is None:
        return False
    request = await uow.conferences.get(invitee.conference_id)
    return request is not None and request.applicant_id == invitee.person_id


async def set_food(
    uow: UnitOfWork, person: PersonId, invitee_id: InviteeId, food: Food
) -> Invitee:
    """Only with consent, only fixed choices; withdrawing consent forgets the choices."""
    await own_invitation(uow, person, invitee_id)
    if not food.consent:
        food = Food()
    return await uow.invitees.set_food(invitee_id, food)


async def set_needs(
    uow: UnitOfWork, person: PersonId, invitee_id: InviteeId, needs: Needs
) -> Invitee:
    await own_invitation(uow, person, invitee_id)
    children = max(0, min(MAX_CHILDREN, needs.children))
    return await uow.invitees.set_needs(
        invitee_id, replace(needs, children=children, childcare=needs.childcare and children > 0)
    )


async def set_minimum_requirement(
    uow: UnitOfWork, actor: PersonId, conference_id: ConferenceId, text: str, now: datetime
) -> tuple[ConferenceRequest, list[Invitee]]:
    """A professional of this conference (invited as one, or the professional who applied)
    sets or changes the minimum requirement before the meeting. Returns the conference as it
    is now and those in the circle invited before, who should hear it (professionals learn
    it from the coordinator; those invited later read it in their invitation)."""
    known_account(actor)
    known_rows(conference_id)
    request = await uow.conferences.get(conference_id)
    if request is None:
        raise NotFound("no such conference")
    people = await uow.invitees.of_conference(conference_id)
    invited_as_professional = any(
        p.person_id == actor and p.group is Group.PROFESSIONAL for p in people
    )
    applied_as_professional = (
        request.applicant_id == actor and request.applicant_role is ApplicantRole.PROFESSIONAL
    )
    if not (invited_as_professional or applied_as_professional):
        raise AccessDenied("only a professional of this conference")
    if (await uow.meetings.get(conference_id)).has_begun(now):
        raise TooLate("the meeting has begun")
    requirement = clean_text(Field.MINIMUM_REQUIREMENT, text)  # InvalidAnswer if not fit
    await uow.conferences.set_minimum_requirement(conference_id, requirement)
    await uow.audit.record(actor, "minimum_requirement.set", conference_id)
    # everyone the bot can write to: who opened their link, and the applicant invited in chat
    told = [
        p
        for p in people
        if p.group is not Group.PROFESSIONAL and p.person_id is not None and p.reachable
    ]
    return replace(request, minimum_requirement=requirement), told


MAX_LANGUAGE_NAME = 40


async def interpreter_choices(
    uow: UnitOfWork, person: PersonId, invitee_id: InviteeId, shipped: Sequence[str]
) -> tuple[str, ...]:
    """The languages offered for an interpreter: every language kring invites in, those the
    conference's coordinator speaks, and a few more spoken in many families. Any other can
    be typed (`set_interpreter`)."""
    invitee = await own_invitation(uow, person, invitee_id)
    request = await uow.conferences.get(invitee.conference_id)
    coordinator = (
        await uow.staff.get(request.coordinator_id)
        if request is not None and (request.coordinator_id is not None)
        else None
    )
    staff = coordinator.languages if coordinator is not None else ()
    return tuple(dict.fromkeys((*shipped, *staff, *MORE_LANGUAGES)))


async def set_interpreter(
    uow: UnitOfWork, person: PersonId, invitee_id: InviteeId, language: str | None
) -> Invitee:
    """A language code from the choices, or a language's name as they typed it."""
    invitee = await own_invitation(uow, person, invitee_id)
    name = " ".join((language or "").split())[:MAX_LANGUAGE_NAME] or None
    return await set_needs(uow, person, invitee_id, replace(invitee.needs, interpreter=name))


def needs_summary(people: Sequence[Invitee]) -> NeedsSummary:
    """Interpreters per language, children, childcare, transport, accessibility, counted over
    those who come or may come."""
    coming = [p for p in people if p.rsvp in (Rsvp.YES, Rsvp.MAYBE)]
    interpreters: dict[str, int] = {}
    for person in coming:
        if person.needs.interpreter:
            interpreters[person.needs.interpreter] = (
                interpreters.get(person.needs.interpreter, 0) + 1
            )
    return NeedsSummary(
        interpreters,
        sum(p.needs.children for p in coming),
        sum(p.needs.childcare for p in coming),
        sum(p.needs.transport for p in coming),
        sum(p.needs.accessibility for p in coming),
    )


def catering(people: Sequence[Invitee]) -> tuple[dict[Diet, int], dict[Allergen, int]]:
    """What the kitchen needs to know, counted over those who come or may come."""
    diets: dict[Diet, int] = {}
    allergens: dict[Allergen, int] = {}
    for person in people:
        if person.rsvp not in (Rsvp.YES, Rsvp.MAYBE) or not person.food.consent:
            continue
        if person.food.diet and person.food.diet is not Diet.NONE:
            diets[person.food.diet] = diets.get(person.food.diet, 0) + 1
        for allergen in person.food.allergens:
            allergens[allergen] = allergens.get(allergen, 0) + 1
    return diets, allergens


async def suggest(
    uow: UnitOfWork,
    person: PersonId,
    invitee_id: InviteeId,
    name: str,
    relation: str,
    reach: str | None,
    now: datetime,
) -> Suggestion:
    """Who else should be asked? It goes to the coordinator; the family decides."""
    invitee = await own_invitation(uow, person, invitee_id)
    return await uow.invitees.add_suggestion(invitee, name, relation, reach, now)


async def decide_suggestion(
    uow: UnitOfWork, actor: PersonId, suggestion_id: int, accept: bool
) -> Suggestion:
    known_account(actor)
    known_rows(suggestion_id)
    found = await uow.invitees.suggestion(suggestion_id)
    if found is None:
        raise NotFound("no such suggestion")
    await coordinator_of(uow, actor, found.conference_id)
    await uow.invitees.decide_suggestion(suggestion_id, accept)
    await uow.audit.record(actor, "suggestion.decided", found.conference_id)
    return found


async def my_invitations(uow: UnitOfWork, person: PersonId) -> Sequence[Invitee]:
    known_account(person)
    return await uow.invitees.of_person(person)


def coordinator_news(before: Rsvp | None, after: Rsvp) -> Rsvp | None:
    """Once the date is fixed, the coordinator hears who drops out (yes or maybe -> no) and
    who comes back (no -> yes or maybe): the answer to tell, or None."""
    if after is Rsvp.NO and before in (Rsvp.YES, Rsvp.MAYBE):
        return after
    if before is Rsvp.NO and after in (Rsvp.YES, Rsvp.MAYBE):
        return after
    return None


async def answer(
    uow: UnitOfWork,
    person: PersonId,
    invitee_id: InviteeId,
    rsvp: Rsvp,
    reason: NoReason | None = None,
    *,
    now: datetime,
    policy: Policy | None = None,
) -> Invitee:
    """Yes, maybe or no, changed as often as they like until the meeting begins (then it is
    settled: TooLate); their reminders follow the answer (planned from `now`)."""
    mine = await own_invitation(uow, person, invitee_id)
    if (await uow.meetings.get(mine.conference_id)).has_begun(now):
        raise TooLate("the meeting has begun")
    invitee = await uow.invitees.set_rsvp(invitee_id, rsvp, reason if rsvp is Rsvp.NO else None)
    await replan_person(uow, invitee, policy, now)
    return invitee


MAX_REASON = 200


async def give_reason(
    uow: UnitOfWork, person: PersonId, invitee_id: InviteeId, text: str
) -> Invitee:
    """Why they can't come, in their own words (typed instead of tapping a reason): kept for
    the coordinator, who may be able to help. Only after a no."""
    invitee = await own_invitation(uow, person, invitee_id)
    if invitee.rsvp is not Rsvp.NO:
        raise NotFound("no 'no' to explain")
    words = " ".join(text.split())[:MAX_REASON]
    if not words:
        raise NotFound("nothing typed")
    return await uow.invitees.set_no_reason_text(invitee_id, words)
