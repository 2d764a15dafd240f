"""The coordinator's cockpit, a Telegram Mini App: the circle and each person's state, who can
when (people x dates, the ranking), catering and needs, and the plan editor, on a bigger screen
than a chat. Telegram opens /c/<conference> with its signed init data in the address's
fragment; the page's small script sends it along with every request ("Authorization: tma ..."),
and every request is checked here: the signature, its age, and that this person may open this
conference (conference/cockpit.py). What the coordinator changes goes through the chat's use
cases, and the chat is told."""

from __future__ import annotations

import gettext
from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any

from aiohttp import web
from aiohttp.typedefs import Handler
from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from markupsafe import Markup
from multidict import MultiDictProxy

from conference.cockpit import Cockpit, open_cockpit
from conference.errors import AccessDenied, DomainError, NotFound, PlanError, PlanProblem
from conference.model.ids import ConferenceId, PersonId
from conference.model.plan import Agreement, Who
from conference.plan import MAX_ITEMS, add_agreement, remove_agreement, set_monitor
from conference.ports import UnitOfWork
from web.door import Door
from web.labels import choice_labels, circle_labels
from web.mini_app import HEADER, NotSigned, init_data_of, mini_app_user
from web.pages import DOOR, TEMPLATES, accepted_locale
from web.render import direction, moment, render

PREFIX = "/c/"
# as the invitation page's (web/security.py), but the script fetches the panel (connect-src),
# and Telegram's web clients show a Mini App in a frame of theirs
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
        "connect-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors https://web.telegram.org"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
MAX_WHAT = 300
MAX_NAME = 60
MAX_WHEN = 100


@web.middleware
async def cockpit_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        response = await handler(request)
    except web.HTTPException as error:
        error.headers.update(HEADERS)
        raise
    response.headers.update(HEADERS)
    return response


class BadInput(Exception):
    """A plan form the cockpit cannot take as it is: shown again with a kind word."""


def _words_for(request: web.Request, locale: str | None) -> tuple[str, gettext.NullTranslations]:
    door = request.app[DOOR]
    # nobody known yet: the language the phone asks for
    chosen = door.locale(locale) if locale is not None else accepted_locale(request, door)
    return chosen, door.words(chosen)


def _conference(request: web.Request) -> ConferenceId:
    text = request.match_info["conference"]
    if not text.isdigit() or len(text) > 10:
        raise web.HTTPNotFound()
    return ConferenceId(int(text))


async def shell(request: web.Request) -> web.StreamResponse:
    """The page Telegram opens: no data in it; its script fetches the panel, signed."""
    conference = _conference(request)
    locale, words = _words_for(request, None)
    html = render(
        request.app[TEMPLATES],
        "cockpit.html",
        words,
        lang=locale,
        dir=direction(locale),
        panel=f"{PREFIX}{conference}/panel",
    )
    return web.Response(text=html, content_type="text/html")


async def _actor(request: web.Request) -> PersonId:
    door = request.app[DOOR]
    assert door.mini_app_token is not None  # the cockpit is mounted only with a token
    return mini_app_user(
        door.mini_app_token,
        init_data_of(request.headers.get(HEADER)),
        door.now(),
        door.mini_app_max_age,
    )


async def _locale(uow: UnitOfWork, actor: PersonId) -> str | None:
    person = await uow.persons.get(actor)
    if person is not None and person.locale:
        return person.locale
    member = await uow.staff.get(actor)
    return member.locale if member is not None else None


def _refused(request: web.Request, locale: str | None, status: int) -> web.Response:
    locale, words = _words_for(request, locale)
    _ = words.gettext
    text = (
        _("Open de cockpit opnieuw vanuit Telegram, met de knop bij je conferentie.")
        if status == 401
        else _("Deze conferentie kun je hier niet openen.")
    )
    html = render(request.app[TEMPLATES], "cockpit_refused.html", words, text=text)
    return web.Response(text=html, content_type="text/html", status=status)


async def panel(request: web.Request) -> web.StreamResponse:
    conference = _conference(request)
    try:
        actor = await _actor(request)
    except NotSigned:
        return _refused(request, None, 401)
    door = request.app[DOOR]
    async with door.units() as uow:
        locale = await _locale(uow, actor)
        try:
            cockpit = await open_cockpit(uow, actor, conference)
        except (AccessDenied, NotFound):
            return _refused(request, locale, 403)
        await uow.commit()  # the read is audited
    return _panel(request, cockpit, locale)


Action = Callable[[UnitOfWork, PersonId, ConferenceId, MultiDictProxy[Any]], Awaitable[None]]


def _text(form: MultiDictProxy[Any], name: str, most: int) -> str:
    value = form.get(name)
    return " ".join(value.split())[:most] if isinstance(value, str) else ""


def _who(form: MultiDictProxy[Any], name: str, typed: str) -> Who | None:
    """A person of the circle (their invitee id) or a name typed instead."""
    chosen = form.get(name)
    if isinstance(chosen, str) and chosen.isdigit():
        return Who(invitee_id=int(chosen))
    free = _text(form, typed, MAX_NAME)
    return Who(name=free) if free else None


async def _add(
    uow: UnitOfWork, actor: PersonId, conference: ConferenceId, form: MultiDictProxy[Any]
) -> None:
    what = _text(form, "what", MAX_WHAT)
    if not what:
        raise BadInput("what")
    on: date | None = None
    if day := _text(form, "on", 10):
        try:
            on = date.fromisoformat(day)
        except ValueError as error:
            raise BadInput("on") from error
    who = _who(form, "who", "who_name")
    await add_agreement(
        uow,
        actor,
        conference,
        what,
        (who,) if who else (),
        on,
        _text(form, "when", MAX_WHEN) or None,
    )


async def _remove(
    uow: UnitOfWork, actor: PersonId, conference: ConferenceId, form: MultiDictProxy[Any]
) -> None:
    chosen = form.get("agreement")
    if not isinstance(chosen, str) or not chosen.isdigit() or len(chosen) > 9:
        raise BadInput("gone")
    try:
        await remove_agreement(uow, actor, conference, int(chosen))
    except NotFound as error:  # removed already (a second tap), once access was checked
        raise BadInput("gone") from error


async def _monitor(
    uow: UnitOfWork, actor: PersonId, conference: ConferenceId, form: MultiDictProxy[Any]
) -> None:
    who = _who(form, "monitor", "monitor_name")
    if who is None:
        raise BadInput("monitor")
    await set_monitor(uow, actor, conference, who)


ACTIONS: dict[str, Action] = {"add": _add, "remove": _remove, "monitor": _monitor}


async def act(request: web.Request) -> web.StreamResponse:
    """A change to the plan: the chat's use case, committed, the chat told, the panel again."""
    conference = _conference(request)
    action = ACTIONS.get(request.match_info["action"])
    if action is None:
        raise web.HTTPNotFound()
    try:
        actor = await _actor(request)
    except NotSigned:
        return _refused(request, None, 401)
    form = await request.post()
    door = request.app[DOOR]
    problem: str | None = None
    async with door.units() as uow:
        locale = await _locale(uow, actor)
        try:
            await action(uow, actor, conference, form)
        except (AccessDenied, NotFound):
            return _refused(request, locale, 403)
        except (BadInput, DomainError) as error:
            problem = _problem(request, locale, error)  # nothing written: rolled back
        else:
            await door.notices.plan_changed(uow, actor, conference)
            await uow.commit()
    async with door.units() as uow:
        cockpit = await open_cockpit(uow, actor, conference)
        await uow.commit()
    return _panel(request, cockpit, locale, saved=problem is None, problem=problem)


def _problem(request: web.Request, locale: str | None, problem: Exception) -> str:
    _ = _words_for(request, locale)[1].gettext
    if isinstance(problem, PlanError) and problem.problem is PlanProblem.TOO_MANY:
        return _("Dat zijn veel afspraken: hoogstens 30.")
    if isinstance(problem, BadInput) and str(problem) == "on":
        return _("Die datum kan ik niet lezen. Kies een datum, of laat het leeg.")
    if isinstance(problem, BadInput) and str(problem) == "monitor":
        return _("Kies iemand uit de kring, of typ een naam.")
    if isinstance(problem, BadInput) and str(problem) == "gone":
        return _("Die afspraak staat er niet meer.")
    return _("Schrijf op wat er is afgesproken.")


def _language(code: str, locale: str) -> str:
    """An interpreter's language: a code named in the reader's language, or a typed name."""
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, UnknownLocaleError):
        return code


def _panel(
    request: web.Request,
    cockpit: Cockpit,
    locale: str | None,
    *,
    saved: bool = False,
    problem: str | None = None,
) -> web.Response:
    door: Door = request.app[DOOR]
    locale, words = _words_for(request, locale)
    _ = words.gettext
    names = {p.id: p.name for p in cockpit.people}
    votes = cockpit.availability.ballots
    scores = {score.slot.id: score for score in cockpit.availability.scores}
    ranked = cockpit.availability.scores
    best = ranked[0].slot.id if ranked and ranked[0].must_attend_no == 0 else None
    html = render(
        request.app[TEMPLATES],
        "cockpit_panel.html",
        words,
        lang=locale,
        cockpit=cockpit,
        request=cockpit.request,
        labels=choice_labels(words) | circle_labels(words),
        slots=[
            (slot, moment(slot.starts_at, door.zone, locale), scores[slot.id])
            for slot in cockpit.availability.slots
        ],
        votes=votes,
        best=best,
        interpreters=[
            (_language(code, locale), count) for code, count in cockpit.needs.interpreters.items()
        ],
        agreements=[_agreement(a, names, locale) for a in cockpit.plan.agreements],
        monitor=_names((cockpit.plan.monitor,), names) if cockpit.plan.monitor else None,
        full=len(cockpit.plan.agreements) >= MAX_ITEMS,
        action=lambda name: f"{PREFIX}{cockpit.request.id}/{name}",
        saved=saved,
        problem=problem,
        bdi=lambda value: Markup("<bdi>{}</bdi>").format(value),
    )
    return web.Response(text=html, content_type="text/html")


def _names(who: tuple[Who, ...], names: dict[int, str]) -> str:
    return ", ".join(
        names.get(w.invitee_id, "—") if w.invitee_id is not None else w.name for w in who
    )


def _agreement(item: Agreement, names: dict[int, str], locale: str) -> dict[str, Any]:
    when = format_date(item.on, "long", locale=locale) if item.on else (item.when_text or "")
    return {"id": item.id, "what": item.what, "who": _names(item.who, names), "when": when}
