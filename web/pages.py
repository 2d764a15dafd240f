"""The invitation page: GET shows it, each form POSTs to one action, which calls the same use
case as the chat, commits, and sends the browser back to the page (303), where "Saved ✓"
stands by what was saved. Every request checks the link and the browser against the database."""

from __future__ import annotations

import gettext
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from aiohttp import web
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from jinja2 import Environment
from markupsafe import Markup

from conference.circle import (
    MAX_CHILDREN,
    interpreter_choices,
    tell_of_second_phone,
)
from conference.errors import (
    InvitationRefused,
    Refusal,
)
from conference.meeting import may_propose, my_ballot
from conference.model.circle import (
    Group,
    Invitee,
    Rsvp,
)
from conference.model.meeting import Meeting, Slot, Venue, Vote
from conference.model.plan import Agreement, Plan, Who
from conference.model.request import ConferenceRequest
from conference.plan import FollowUpAsked, agreements_of, follow_up_asked
from conference.ports import UnitOfWork
from conference.web_invitation import (
    MAX_EMAIL,
    open_by_browser,
    open_on_web,
    published_plan,
)
from web.addresses import MINE, one_of_mine
from web.door import Door
from web.labels import choice_labels, follow_up_labels
from web.render import direction, moment, numeral, own_name, render
from web.security import (
    COOKIE,
    CSRF_FIELD,
    SAVED_COOKIE,
    browser_hash,
    csrf_token,
    forget_saved,
    keep_secret,
    new_secret,
)

log = logging.getLogger(__name__)

DOOR = web.AppKey("door", Door)
TEMPLATES = web.AppKey("templates", Environment)

MAX_NAME = 60
MAX_REACH = 200
MAX_LANGUAGE_NAME = 40
SECTIONS = (
    "rsvp",
    "dates",
    "propose",
    "minimum",
    "food",
    "needs",
    "suggest",
    "email",
    "language",
    "followup",
    "checkin",
)
_AGREEMENT_SECTION = re.compile(r"followup-[0-9]{1,10}")  # one form per agreement


class BadInput(Exception):
    """A form the page cannot take as it is: shown again with a kind word, nothing lost."""

    def __init__(self, section: str, message: str) -> None:
        super().__init__(section)
        self.section = section
        self.message = message


@dataclass
class Shown:
    """What the page shows besides the invitee: read through the use cases."""

    request: ConferenceRequest | None
    meeting: Meeting
    slots: Sequence[Slot]
    votes: Mapping[int, Vote]
    interpreters: Sequence[str]
    plan: tuple[Plan, dict[int, str]] | None = None
    email: str | None = None
    follow_up: FollowUpAsked | None = None
    typed: dict[str, str] = field(default_factory=dict)


def _secret(request: web.Request) -> tuple[str, bool]:
    """The browser's secret from its cookie, or a new one (then set with the answer)."""
    secret = request.cookies.get(COOKIE, "")
    if 20 <= len(secret) <= 100:
        return secret, False
    return new_secret(), True


def accepted_locale(request: web.Request, door: Door) -> str:
    """The first language the browser asks for that kring ships, else the default."""
    for part in request.headers.get("Accept-Language", "").split(","):
        tag = part.split(";")[0].strip().lower().replace("_", "-").split("-")[0]
        if tag in door.catalogs:
            return tag
    return door.default_locale


async def to_mine(request: web.Request) -> web.StreamResponse:
    """/i/: the page of the invitation this browser holds (e-mails link here)."""
    raise web.HTTPSeeOther(f"/i/{MINE}")


async def invitation_page(request: web.Request) -> web.StreamResponse:
    door = request.app[DOOR]
    secret, fresh = _secret(request)
    async with door.units() as uow:
        found = await opened(request, uow, secret)
        if isinstance(found, web.Response):
            await uow.commit()
            return found
        shown = await shown_for(uow, door, found)
        await uow.commit()
    response = page(request, found, shown, secret, saved=request.cookies.get(SAVED_COOKIE))
    forget_saved(request, response)
    if fresh:
        keep_secret(response, secret, door.secure_cookie)
    return response


async def opened(request: web.Request, uow: UnitOfWork, secret: str) -> Invitee | web.Response:
    """The invitee behind the link for this browser, or the page that kindly refuses it (the
    coordinator is told of a second browser, once a day per invitation)."""
    door = request.app[DOOR]
    token = request.match_info["token"]
    # no cookie (or a mangled one): no browser to bind, so nothing opens
    known = browser_hash(secret) if 20 <= len(secret) <= 100 else ""
    try:
        if token == MINE:
            return await open_by_browser(uow, known, door.refusals_per_hour)
        if (which := one_of_mine(token)) is not None:
            return await open_by_browser(uow, known, door.refusals_per_hour, which)
        return await open_on_web(uow, token, known, door.now(), door.refusals_per_hour)
    except InvitationRefused as refused:
        if refused.reason is Refusal.PAUSED:
            log.warning("invitation links paused (too many refused of late): a web page")
        taken = refused.invitee if refused.reason is Refusal.TAKEN else None
        if taken is not None and await tell_of_second_phone(uow, taken, door.now()):
            await door.notices.second_browser(uow, taken)
        locale = door.locale(
            refused.invitee.locale if refused.invitee else accepted_locale(request, door)
        )
        return _refusal(request, refused.reason, locale)


def _refusal(request: web.Request, reason: Refusal, locale: str) -> web.Response:
    door = request.app[DOOR]
    words = door.words(locale)
    _ = words.gettext
    text = {
        Refusal.UNKNOWN: _(
            "Deze uitnodiging ken ik niet (meer). Vraag de coördinator om een nieuwe link."
        ),
        Refusal.EXPIRED: _(
            "Deze uitnodiging is verlopen. Vraag de coördinator om een nieuwe link."
        ),
        Refusal.TAKEN: _(
            "Deze uitnodiging is al geopend in een andere browser of op een andere telefoon. "
            "Is dat niet van jou? De coördinator hoort het en geeft je een nieuwe link."
        ),
        Refusal.TOO_MANY: _(
            "Dat waren te veel links die niet klopten. Probeer het over een uur "
            "opnieuw, of vraag de coördinator om een nieuwe link."
        ),
        Refusal.PAUSED: _(
            "Je uitnodiging openen lukt nu even niet. Probeer je link over een uur opnieuw. Sorry!"
        ),
    }[reason]
    html = render(
        request.app[TEMPLATES],
        "refused.html",
        words,
        lang=locale,
        dir=direction(locale),
        text=text,
    )
    return web.Response(text=html, content_type="text/html", status=403)


async def shown_for(uow: UnitOfWork, door: Door, invitee: Invitee) -> Shown:
    person = invitee.person_id
    assert person is not None
    _invitee, slots, votes = await my_ballot(uow, person, invitee.id)
    return Shown(
        await uow.conferences.get(invitee.conference_id),
        await uow.meetings.get(invitee.conference_id),
        slots,
        votes,
        await interpreter_choices(uow, person, invitee.id, tuple(door.catalogs)),
        await published_plan(uow, person, invitee.id),
        account.email if (account := await uow.web_accounts.get(person)) else None,
        await follow_up_asked(uow, person, invitee.id),
    )


def saved_section(saved: str | None) -> str | None:
    """The section a "Saved ✓" belongs by (from the cookie: only a section the page has)."""
    if saved is None:
        return None
    return saved if saved in SECTIONS or _AGREEMENT_SECTION.fullmatch(saved) else None


def _introduction(words: gettext.NullTranslations, invitee: Invitee, shown: Shown) -> list[Markup]:
    """The invitation as the chat gives it, one paragraph per line; the message is escaped,
    the values isolated (<bdi>: a Latin name in Arabic text keeps its place)."""
    _ = words.gettext
    text = Markup.escape(
        _(
            "Hallo {name}! Je bent uitgenodigd voor een Eigen Kracht-conferentie.\n\n"
            "Daar maken familie, vrienden en buren samen een plan. Een onafhankelijke "
            "coördinator helpt met de voorbereiding. Het plan is van de familie.\n"
            "Eerst krijgt iedereen uitleg en informatie. Daarna praat de familie "
            "alleen verder, zonder coördinator en hulpverleners. Dat heet het besloten "
            "deel.\n"
            "Wat we van je vragen: kom als je kunt, en denk mee."
        )
    ).format(name=_isolated(invitee.name))
    request = shown.request
    if (
        request is not None
        and request.minimum_requirement
        and invitee.group is not Group.PROFESSIONAL
    ):
        text += Markup("\n") + Markup.escape(
            _(
                "Eén regel staat al vast: {requirement}\nElk plan moet zich daaraan houden. "
                "Zo'n regel heet een minimumeis."
            )
        ).format(requirement=_isolated(request.minimum_requirement))
    return [line for line in text.split("\n") if line.strip()]


def _isolated(value: str) -> Markup:
    return Markup("<bdi>{}</bdi>").format(value)


def page(
    request: web.Request,
    invitee: Invitee,
    shown: Shown,
    secret: str,
    saved: str | None = None,
    problem: BadInput | None = None,
) -> web.Response:
    door = request.app[DOOR]
    locale = door.locale(invitee.locale)
    words = door.words(locale)
    token = request.match_info["token"]
    meeting = shown.meeting
    voting = bool(shown.slots) and not meeting.fixed and invitee.rsvp is not Rsvp.NO
    labels = choice_labels(words)
    _ = words.gettext
    if meeting.fixed and invitee.rsvp in (Rsvp.YES, Rsvp.MAYBE):
        # the date stands: the question is whether they still can
        labels["rsvp"] |= {
            Rsvp.YES: _("✅ Ik kan nog steeds komen"),
            Rsvp.NO: _("Ik kan niet meer komen"),
        }
    html = render(
        request.app[TEMPLATES],
        "invitation.html",
        words,
        lang=locale,
        dir=direction(locale),
        invitee=invitee,
        paragraphs=_introduction(words, invitee, shown),
        action=lambda name: f"/i/{token}/{name}",
        csrf_field=CSRF_FIELD,
        csrf=csrf_token(secret),
        saved=saved_section(saved),
        problem=problem,
        typed=shown.typed,
        slots=[(slot, moment(slot.starts_at, door.zone, locale)) for slot in shown.slots],
        votes=shown.votes,
        voting=voting,
        proposing=may_propose(invitee) and not meeting.fixed,
        professional=invitee.group is Group.PROFESSIONAL,
        minimum=shown.typed.get(
            "minimum", (shown.request.minimum_requirement if shown.request else None) or ""
        ),
        fixed=meeting.fixed,
        question=_("Kun je nog komen?") if meeting.fixed else _("Kom je?"),
        # answers are for before the meeting (as /me in chat)
        past=meeting.has_begun(door.now()),
        past_note=_("De conferentie is geweest. Dank je wel voor je inzet!"),
        cancelled_note=(
            Markup.escape(
                _(
                    "Hallo {name}. De Eigen Kracht-conferentie van {moment} gaat niet door. "
                    "De coördinator laat je weten hoe het verder gaat."
                )
            ).format(
                name=_isolated(invitee.name),
                moment=_isolated(moment(meeting.starts_at, door.zone, locale)),
            )
            if meeting.cancelled and meeting.starts_at is not None
            else None
        ),
        when=moment(meeting.starts_at, door.zone, locale) if meeting.starts_at else None,
        venue=meeting.venue if meeting.fixed else None,
        map_url=_map(meeting.venue) if meeting.fixed and meeting.venue else None,
        interpreters=_interpreters(invitee, shown, locale),
        languages=[(code, own_name(code)) for code in sorted(door.catalogs)],
        max_children=MAX_CHILDREN,
        max_name=MAX_NAME,
        max_reach=MAX_REACH,
        max_email=MAX_EMAIL,
        max_language=MAX_LANGUAGE_NAME,
        email=shown.typed.get("email", shown.email or ""),
        **_plan(words, shown, invitee, door.zone, locale),
        **_follow_up(words, shown, invitee, locale),
        **labels,
    )
    return web.Response(
        text=html, content_type="text/html", status=422 if problem is not None else 200
    )


def _plan(
    words: gettext.NullTranslations, shown: Shown, invitee: Invitee, zone: ZoneInfo, locale: str
) -> dict[str, Any]:
    """The published plan as the chat sends it: their own agreements first, then all."""
    if shown.plan is None:
        return {"plan": None}
    plan, names = shown.plan
    _ = words.gettext

    def who(people: Sequence[Who]) -> str:
        named = [names.get(w.invitee_id, w.name) if w.invitee_id else w.name for w in people]
        return format_list([n for n in named if n], locale=locale) if named else ""

    def line(item: Agreement) -> list[str]:
        when = format_date(item.on, "long", locale=locale) if item.on else item.when_text or ""
        return [part for part in (item.what, who(item.who), when) if part]

    notes = []
    if plan.monitor:
        notes.append(_("👁 Houdt een oogje in het zeil: {name}").format(name=who((plan.monitor,))))
    if plan.next_meeting:
        notes.append(
            _("📅 Volgende bijeenkomst: {moment}").format(
                moment=moment(plan.next_meeting, zone, locale)
            )
        )
    return {
        "plan": plan,
        "mine": [line(a) for a in agreements_of(plan, invitee.id)],
        "everything": [line(a) for a in plan.agreements],
        "plan_notes": notes,
    }


def _follow_up(
    words: gettext.NullTranslations, shown: Shown, invitee: Invitee, locale: str
) -> dict[str, Any]:
    """The follow-up questions as the chat puts them (the same words), once they were put."""
    asked = shown.follow_up
    if asked is None:
        return {"follow_up": None}
    _ = words.gettext
    name = _isolated(invitee.name)
    return {
        "follow_up": asked,
        "follow_up_intro": Markup.escape(
            _(
                "Hallo {name}, de conferentie is nu 4 weken geleden. Hoe gaat het met de "
                "afspraken? Tik per afspraak wat past."
            )
        ).format(name=name),
        "check_in_question": Markup.escape(
            _(
                "Hallo {name}, de conferentie is nu 3 maanden geleden. Gebruiken jullie "
                "het plan nog?"
            )
        ).format(name=name),
        "scores": [(n, numeral(n, locale)) for n in range(1, 6)],
        **follow_up_labels(words),
    }


def _map(venue: Venue) -> str:
    """OpenStreetMap: a link the reader follows, never a request the page makes itself."""
    if venue.latitude is not None and venue.longitude is not None:
        lat, lon = f"{venue.latitude:.6f}", f"{venue.longitude:.6f}"
        return f"https://www.openstreetmap.org/?mlat={lat}&mlon={lon}#map=17/{lat}/{lon}"
    where = ", ".join(part for part in (venue.name, venue.address) if part)
    return "https://www.openstreetmap.org/search?" + urlencode({"query": where})


async def calendar_file(request: web.Request) -> web.StreamResponse:
    """The fixed meeting as an .ics file, for this browser's invitation only."""
    door = request.app[DOOR]
    secret = request.cookies.get(COOKIE, "")
    async with door.units() as uow:
        found = await opened(request, uow, secret)
        if isinstance(found, web.Response):
            await uow.commit()
            return found
        conference = await uow.conferences.get(found.conference_id)
        meeting = await uow.meetings.get(found.conference_id)
        await uow.commit()
    if conference is None or not meeting.fixed:
        raise web.HTTPNotFound()
    name, data = door.calendar(conference, meeting, door.locale(found.locale))
    return web.Response(
        body=data,
        content_type="text/calendar",
        # RFC 6266: a plain name for old browsers, the translated one (UTF-8) for the rest
        headers={
            "Content-Disposition": 'attachment; filename="kring.ics"; '
            f"filename*=UTF-8''{quote(name)}"
        },
    )


def _interpreters(invitee: Invitee, shown: Shown, locale: str) -> list[tuple[str, str]]:
    """The languages offered, named in the reader's; one typed in chat stays among them."""
    offered = [(code, _language_name(code, locale)) for code in shown.interpreters]
    typed = invitee.needs.interpreter
    if typed and typed not in shown.interpreters:
        offered.append((typed, typed))
    return offered


def _language_name(code: str, locale: str) -> str:
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, UnknownLocaleError):
        return code
