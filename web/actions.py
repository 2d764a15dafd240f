"""The page's forms: each POST reads its form, checks the browser's CSRF token, calls the same
use case as the chat, commits once, and sends the browser back to the page (303) with "Saved ✓"
by what was saved; a form that does not fit is shown again with a kind word, nothing lost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Any, TypeVar

from aiohttp import web
from multidict import MultiDictProxy

from conference.circle import (
    MAX_CHILDREN,
    answer,
    give_reason,
    set_food,
    set_minimum_requirement,
    set_needs,
    suggest,
)
from conference.errors import (
    AlreadyAnswered,
    BadEmail,
    DomainError,
    InvalidAnswer,
    NotFound,
    SlotError,
    TooLate,
)
from conference.intake import clean_text
from conference.meeting import my_ballot, propose_by_family, vote
from conference.model.circle import (
    Allergen,
    Diet,
    Food,
    Invitee,
    Needs,
    NoReason,
    Rsvp,
)
from conference.model.ids import ROW_IDS
from conference.model.meeting import Vote
from conference.model.plan import FollowUp
from conference.model.request import Field
from conference.plan import answer_follow_up, check_in, comment_follow_up, follow_up_asked
from conference.ports import UnitOfWork
from conference.web_invitation import (
    set_email,
    set_language,
)
from web.door import Door
from web.pages import (
    DOOR,
    MAX_LANGUAGE_NAME,
    MAX_NAME,
    MAX_REACH,
    BadInput,
    opened,
    page,
    shown_for,
)
from web.security import (
    COOKIE,
    CSRF_FIELD,
    csrf_ok,
    say_saved,
)

Form = MultiDictProxy[Any]
E = TypeVar("E", bound=StrEnum)
# an action returns the section its "Saved ✓" stands by, when that is not its own name
Action = Callable[[UnitOfWork, Door, Invitee, Form], Awaitable[str | None]]


def _one(form: Form, name: str) -> str:
    value = form.get(name, "")
    return value if isinstance(value, str) else ""


def _choice(kind: type[E], value: str, section: str, message: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise BadInput(section, message) from None


async def _rsvp(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    words = door.words(invitee.locale)
    _ = words.gettext
    person = invitee.person_id
    assert person is not None
    rsvp = _choice(Rsvp, _one(form, "answer"), "rsvp", _("Kies ja, misschien of nee."))
    reason = (
        _choice(NoReason, _one(form, "reason"), "rsvp", _("Die keuze ken ik niet."))
        if _one(form, "reason")
        else None
    )
    before = invitee.rsvp
    try:
        answered = await answer(
            uow, person, invitee.id, rsvp, reason, policy=door.policy, now=door.now()
        )
    except TooLate:  # a page left open past the start: who comes is settled
        raise BadInput(
            "rsvp", _("De conferentie is al begonnen. Je antwoord blijft zoals het was.")
        ) from None
    typed = " ".join(_one(form, "reason_text").split())
    if rsvp is Rsvp.NO and typed:
        answered = await give_reason(uow, person, invitee.id, typed)
    await door.notices.answered(uow, answered, before)


async def _dates(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    _mine, slots, _votes = await my_ballot(uow, person, invitee.id)
    chosen = {
        slot.id: _choice(Vote, value, "dates", _("Die keuze ken ik niet."))
        for slot in slots
        if (value := _one(form, f"slot-{slot.id}"))
    }
    for slot_id, choice in chosen.items():
        try:
            await vote(uow, person, invitee.id, slot_id, choice, door.now())
        except DomainError:
            raise BadInput("dates", _("De datum staat al vast, kiezen kan niet meer.")) from None


async def _food(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    consent = _one(form, "consent") == "yes"
    diet = (
        _choice(Diet, _one(form, "diet"), "food", _("Die keuze ken ik niet."))
        if _one(form, "diet")
        else None
    )
    allergens = frozenset(
        _choice(Allergen, value, "food", _("Die keuze ken ik niet."))
        for value in form.getall("allergen", [])
        if isinstance(value, str)
    )
    await set_food(uow, person, invitee.id, Food(consent, diet, allergens))


async def _needs(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    try:
        children = int(_one(form, "children") or "0")
    except ValueError:
        raise BadInput("needs", _("Typ een getal, bijvoorbeeld 2.")) from None
    if not 0 <= children <= MAX_CHILDREN:
        raise BadInput("needs", _("Typ een getal, bijvoorbeeld 2."))
    # a language typed (one the list lacks) wins over the list's choice
    chosen = _one(form, "interpreter_other") or _one(form, "interpreter")
    interpreter = " ".join(chosen.split())[:MAX_LANGUAGE_NAME] or None
    await set_needs(
        uow,
        person,
        invitee.id,
        Needs(
            interpreter=interpreter,
            children=children,
            childcare=_one(form, "childcare") == "yes",
            transport=_one(form, "transport") == "yes",
            accessibility=_one(form, "accessibility") == "yes",
        ),
    )


async def _suggest(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    name = " ".join(_one(form, "name").split())[:MAX_NAME]
    relation = " ".join(_one(form, "relation").split())[:MAX_NAME]
    reach = " ".join(_one(form, "reach").split())[:MAX_REACH] or None
    if not name or not relation:
        raise BadInput("suggest", _("Vul de naam in en wie het is voor de familie."))
    made = await suggest(uow, person, invitee.id, name, relation, reach, door.now())
    await door.notices.suggested(uow, invitee, made)


async def _propose(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    text = " ".join(_one(form, "proposal").split())[:MAX_REACH]
    if not text:
        raise BadInput("propose", _("Voorstellen kan nu niet (meer)."))
    locale = door.locale(invitee.locale)
    try:
        proposal = await propose_by_family(
            uow, person, invitee.id, text, door.now(), door.zone, (locale, *door.catalogs)
        )
    except SlotError as error:
        raise BadInput("propose", door.notices.slot_problem(error, locale)) from None
    except DomainError:
        raise BadInput("propose", _("Voorstellen kan nu niet (meer).")) from None
    await door.notices.proposed(uow, invitee, proposal)


async def _minimum(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    try:
        request, told = await set_minimum_requirement(
            uow, person, invitee.conference_id, _one(form, "minimum"), door.now()
        )
    except InvalidAnswer as error:
        raise BadInput("minimum", door.notices.text_problem(error, invitee.locale)) from None
    except DomainError:
        raise BadInput(
            "minimum",
            _("Dat kan niet (meer): de conferentie is begonnen, of dit is niet voor jou."),
        ) from None
    await door.notices.minimum_set(uow, invitee, request, told)


async def _email(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    try:
        await set_email(uow, person, invitee.id, _one(form, "email"))
    except BadEmail:
        raise BadInput(
            "email", _("Dat is geen e-mailadres. Typ het zo: naam@voorbeeld.nl")
        ) from None


async def _language(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    person = invitee.person_id
    assert person is not None
    await set_language(uow, person, invitee.id, _one(form, "locale"), tuple(door.catalogs))


async def _followup(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> str:
    """One agreement's 4-week answer, with a comment if they typed one; the coordinator hears
    it as from the chat."""
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    unknown = _("Die afspraak ken ik niet (meer).")
    number = _one(form, "agreement")
    agreement_id = int(number) if number.isdigit() and len(number) <= 10 else 0
    asked = await follow_up_asked(uow, person, invitee.id)
    if asked is None or agreement_id not in ROW_IDS:
        raise BadInput("followup", unknown)
    section = f"followup-{agreement_id}"
    given = _one(form, "answer")
    if not given:
        raise BadInput(section, _("Kies hoe het gaat met deze afspraak."))
    answer = _choice(FollowUp, given, section, _("Die keuze ken ik niet."))
    comment = None
    if _one(form, "comment").strip():
        try:
            comment = clean_text(Field.CONCERNS, _one(form, "comment"))
        except InvalidAnswer as error:
            raise BadInput(section, door.notices.text_problem(error, invitee.locale)) from None
    try:
        agreement = await answer_follow_up(
            uow, person, invitee.id, agreement_id, answer, door.now()
        )
        if comment is not None:
            await comment_follow_up(uow, person, invitee.id, agreement_id, comment)
    except NotFound:
        raise BadInput("followup", unknown) from None
    changed = asked.answers.get(agreement_id) is not answer
    await door.notices.followed_up(uow, invitee, agreement, answer if changed else None, comment)
    return section


async def _checkin(uow: UnitOfWork, door: Door, invitee: Invitee, form: Form) -> None:
    """The three-month question, both parts at once; stored without their name."""
    _ = door.words(invitee.locale).gettext
    person = invitee.person_id
    assert person is not None
    used, score = _one(form, "used"), _one(form, "score")
    asked = await follow_up_asked(uow, person, invitee.id)
    if asked is None or not asked.check_in:
        raise BadInput("checkin", _("Die keuze ken ik niet."))
    if used not in ("yes", "partly", "no") or score not in ("1", "2", "3", "4", "5"):
        raise BadInput("checkin", _("Kies een antwoord op beide vragen."))
    try:
        await check_in(uow, person, invitee.id, used, int(score), door.now())
    except AlreadyAnswered:
        return None  # a second tab: the first answer counts, the page thanks them
    except NotFound:
        raise BadInput("checkin", _("Die keuze ken ik niet.")) from None


ACTIONS: dict[str, Action] = {
    "rsvp": _rsvp,
    "dates": _dates,
    "food": _food,
    "needs": _needs,
    "suggest": _suggest,
    "email": _email,
    "propose": _propose,
    "minimum": _minimum,
    "language": _language,
    "followup": _followup,
    "checkin": _checkin,
}


async def act(request: web.Request) -> web.StreamResponse:
    door = request.app[DOOR]
    section = request.match_info["action"]
    action = ACTIONS.get(section)
    if action is None:
        raise web.HTTPNotFound()
    form = await request.post()
    secret = request.cookies.get(COOKIE, "")
    async with door.units() as uow:
        found = await opened(request, uow, secret)
        if isinstance(found, web.Response):
            await uow.commit()
            return found
        if not csrf_ok(secret, form.get(CSRF_FIELD)):
            # a form from elsewhere, or one that waited through a new link: shown again
            _ = door.words(found.locale).gettext
            problem = BadInput(section, _("Dat lukte niet. Probeer het nog een keer."))
            shown = await shown_for(uow, door, found)
            await uow.commit()
            return page(request, found, shown, secret, problem=problem)
        try:
            section = await action(uow, door, found, form) or section
        except BadInput as problem:
            shown = await shown_for(uow, door, found)
            shown.typed = {k: v for k, v in form.items() if isinstance(v, str)}
            await uow.commit()  # nothing was written: the form is shown again, as typed
            return page(request, found, shown, secret, problem=problem)
        await uow.commit()
    saved = web.Response(
        status=303, headers={"Location": f"/i/{request.match_info['token']}#{section}"}
    )
    say_saved(saved, section, door.secure_cookie)
    return saved
