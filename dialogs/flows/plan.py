"""After the meeting the coordinator records the family's plan in chat: agreements (what, who,
when), who keeps an eye on them, the next get-together; a professional accepts it where that
is needed; then everyone who took part gets it, "your agreements" first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.i18n import I18n
from babel.dates import format_date

from conference.errors import (
    InvalidAnswer,
    NotFound,
    PlanError,
    PlanProblem,
    SlotError,
    SlotProblem,
)
from conference.intake import clean_text
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.model.plan import Acceptance, Agreement, Plan, Who
from conference.model.request import ConferenceRequest, Field
from conference.plan import (
    add_agreement,
    agreements_of,
    answer_acceptance,
    ask_acceptance,
    default_follow_up,
    plan_of,
    publish,
    remove_agreement,
    set_follow_up,
    set_monitor,
    set_next_meeting,
    view_plan,
)
from conference.ports import UnitOfWork
from conference.slots import parse_slot
from dialogs.callbacks import PlanAnswer, PlanStep
from dialogs.clock import now
from dialogs.filters import ButtonsOf, CoordinatorOf, HasText, OwnInvitation, UnderMessage
from dialogs.flows.intake import problem_text
from dialogs.in_place import buttons_in_place, edit_in_place
from dialogs.refusals import not_for_you, not_yours
from dialogs.render.button_text import button_text
from dialogs.render.labels import current_locale, listed, slot_problem_text
from dialogs.render.long_text import split_message
from dialogs.render.texts import _, joined, labelled, native_digits, ngettext
from dialogs.replies import Replies
from dialogs.states import Planning
from dialogs.to_others import coordinator_language, notify, when


def _button(text: str, conference: int, action: str, value: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=PlanStep(conference=conference, action=action, value=value).pack()
    )


def _names(who: Sequence[Who], people: dict[int, Invitee]) -> str:
    return (
        listed(
            [
                escape(people[w.invitee_id].name) if w.invitee_id in people else escape(w.name)
                for w in who
            ]
        )
        or "-"
    )


def agreement_line(item: Agreement, people: dict[int, Invitee], locale: str) -> str:
    """One agreement as written: the family's words, the people, the when (each isolated for
    a right-to-left reader, the line read from the right)."""
    moment = (
        native_digits(format_date(item.on, "long", locale=locale), locale)
        if item.on
        else (escape(item.when_text) if item.when_text else "")
    )
    return labelled("•", joined([escape(item.what), _names(item.who, people), moment], sep=" — "))


def plan_text(
    plan: Plan, people: dict[int, Invitee], zone: ZoneInfo, locale: str, reader: int | None = None
) -> str:
    """The plan as one message; for a reader in the circle, their own agreements first."""
    lines = (
        ["<b>" + _("Het plan") + "</b>"]
        + ([escape(plan.question)] if plan.question else [])
        + [""]
    )
    if reader is not None and (mine := agreements_of(plan, reader)):
        lines += ["<b>" + _("Jouw afspraken") + "</b>"]
        lines += [agreement_line(a, people, locale) for a in mine] + [""]
        lines += ["<b>" + _("Alle afspraken") + "</b>"]
    lines += [agreement_line(a, people, locale) for a in plan.agreements] or [
        _("Nog geen afspraken.")
    ]
    if plan.monitor:
        lines += [
            "",
            _("👁 Houdt een oogje in het zeil: {name}").format(
                name=_names((plan.monitor,), people)
            ),
        ]
    if plan.next_meeting:
        lines.append(
            _("📅 Volgende bijeenkomst: {moment}").format(
                moment=when(plan.next_meeting, zone, locale)
            )
        )
    if plan.acceptance and plan.acceptor in people:
        name = escape(people[plan.acceptor].name)
        lines.append(
            {
                Acceptance.PENDING: _("⚖️ {name} moet het plan nog accepteren."),
                Acceptance.ACCEPTED: _("⚖️ {name} heeft het plan geaccepteerd."),
                Acceptance.REJECTED: _("⚖️ {name} heeft het plan niet geaccepteerd."),
            }[plan.acceptance].format(name=name)
            + (
                " " + _("Reden: {reason}").format(reason=escape(plan.acceptance_reason))
                if plan.acceptance_reason
                else ""
            )
        )
    return "\n".join(lines)


async def _people(uow: UnitOfWork, conference: ConferenceId) -> dict[int, Invitee]:
    return {p.id: p for p in await uow.invitees.of_conference(conference)}


def _screen(
    plan: Plan, people: dict[int, Invitee], zone: ZoneInfo, locale: str, status: str
) -> list[str]:
    return split_message(plan_text(plan, people, zone, locale) + "\n\n" + status)


async def show_plan(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    zone: ZoneInfo,
    locale: str,
) -> None:
    plan = await view_plan(uow, person.id, conference)
    people = await _people(uow, conference)
    status = (
        _("Versie {version} is verstuurd.").format(version=plan.version)
        if plan.published
        else _("Nog niet verstuurd.")
    )
    rows = [
        [_button(_("➕ Afspraak toevoegen"), conference, "add")],
        [_button(_("👁 Wie houdt een oogje in het zeil?"), conference, "monitor")],
        [_button(_("📅 Volgende bijeenkomst"), conference, "next")],
    ]
    rows.append([_button(_("🔔 Wie krijgt de vragen na 4 weken?"), conference, "askers")])
    if any(p.group is Group.PROFESSIONAL for p in people.values()):
        rows.append([_button(_("⚖️ Een professional moet akkoord geven"), conference, "accept")])
    if plan.agreements:
        bins = [
            _button(_("🗑 {number}").format(number=i), conference, "remove", a.id)
            for i, a in enumerate(plan.agreements, start=1)
        ]
        rows += [bins[i : i + 8] for i in range(0, len(bins), 8)]  # Telegram: 8 in a row
        rows.append([_button(_("📤 Versturen aan wie er was"), conference, "publish")])
    *before, last = _screen(plan, people, zone, locale, status)
    for part in before:
        replies.send(chat.answer(part, protect_content=True))
    replies.send(
        chat.answer(
            last, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows), protect_content=True
        )
    )


def _plan_problem(error: PlanError) -> str:
    return {
        PlanProblem.EMPTY: _("Voeg eerst een afspraak toe."),
        PlanProblem.TOO_MANY: _("Dat zijn veel afspraken: hoogstens 30."),
        PlanProblem.NOT_PROFESSIONAL: _("Dat is geen professional in deze kring."),
        PlanProblem.WAITING: _("Wacht eerst op het antwoord van de professional."),
    }[error.problem]


# The coordinator's buttons (PlanStep): CoordinatorOf lets only this conference's coordinator
# through and gives the handler the conference.


async def menu(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await state.clear()
    await show_plan(replies, message, uow, person, conference.id, zone, i18n.current_locale)


async def add(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await state.set_state(Planning.what)
    await state.set_data({"conference": conference.id})
    replies.send(
        message.answer(_("Wat is de afspraak? Schrijf het in de woorden van de familie."))
    )


async def who(
    callback: CallbackQuery,
    callback_data: PlanStep,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    replies: Replies,
) -> None:
    """A name ticked (or unticked) for the agreement being written."""
    people, value = await _people(uow, conference.id), callback_data.value
    if value not in people:
        await earlier_question(callback, replies)
        return
    data = await state.get_data()
    chosen = (
        [i for i in data["who"] if i != value] if value in data["who"] else [*data["who"], value]
    )
    await state.update_data(who=chosen)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        buttons_in_place(message, reply_markup=_who_markup(conference.id, people, chosen))
    )


async def who_done(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await state.set_state(Planning.when)
    replies.send(
        message.answer(
            _(
                "Wanneer? Typ een datum (bijvoorbeeld 3-7), of in eigen woorden "
                "(bijvoorbeeld: elk tweede weekend). Of tik op Geen."
            ),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[_button(_("Geen"), conference.id, "none")]]
            ),
        )
    )


async def no_date(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """The "Geen" button: the agreement being written has no when."""
    try:
        await _add(state, uow, person, conference.id, None, None)
    except PlanError as error:
        replies.send(callback.answer(_plan_problem(error), show_alert=True))
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await _show_added(replies, message, uow, person, conference.id, zone)


async def monitor(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    replies: Replies,
) -> None:
    people = await _people(uow, conference.id)
    replies.send(callback.answer())
    await state.set_state(Planning.monitor)
    await state.set_data({"conference": conference.id})
    replies.send(
        message.answer(
            _("Wie houdt een oogje in het zeil? Tik op een naam of typ er een."),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [_button(p.name, conference.id, "watch", p.id)] for p in people.values()
                ][:20]
            ),
        )
    )


async def watch(
    callback: CallbackQuery,
    callback_data: PlanStep,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """Someone in the circle keeps an eye on the agreements."""
    if callback_data.value not in await _people(uow, conference.id):
        await earlier_question(callback, replies)
        return
    await set_monitor(uow, person.id, conference.id, Who(callback_data.value))
    await state.clear()
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await show_plan(replies, message, uow, person, conference.id, zone, i18n.current_locale)


async def next_meeting(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await state.set_state(Planning.next)
    await state.set_data({"conference": conference.id})
    replies.send(
        message.answer(
            _("Wanneer is de volgende bijeenkomst? Typ datum en tijd, bijvoorbeeld: 29-9 10:00")
        )
    )


async def accept(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    uow: UnitOfWork,
    replies: Replies,
) -> None:
    """Which professional must accept the plan."""
    people = await _people(uow, conference.id)
    replies.send(callback.answer())
    replies.send(
        message.answer(
            _(
                "Welke professional moet het plan accepteren? Dat is nodig "
                "bij verplichte hulp. Of als het plan zich niet houdt aan de "
                "minimumeis."
            ),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [_button(p.name, conference.id, "acceptor", p.id)]
                    for p in people.values()
                    if p.group is Group.PROFESSIONAL
                ]
            ),
        )
    )


async def acceptor(
    callback: CallbackQuery,
    callback_data: PlanStep,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """The professional chosen: they get the plan to accept, if the bot can reach them."""
    try:
        plan, professional = await ask_acceptance(
            uow, person.id, conference.id, callback_data.value
        )
    except PlanError as error:
        replies.send(callback.answer(_plan_problem(error), show_alert=True))
        return
    except NotFound:  # not of this circle
        replies.send(
            callback.answer(_("Dat is geen professional in deze kring."), show_alert=True)
        )
        return
    people = await _people(uow, conference.id)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    reachable = _send_for_acceptance(replies, i18n, zone, plan, people, professional)
    replies.send(
        message.answer(
            _("{name} krijgt het plan om te accepteren.").format(name=escape(professional.name))
            if reachable
            else _("{name} is niet te bereiken via de bot.").format(name=escape(professional.name))
        )
    )


async def askers(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    """Who gets the questions after 4 weeks: the names to tick."""
    people = await _people(uow, conference.id)
    chosen = await _askers(state, uow, person, conference.id, people)
    await state.update_data(askers=chosen, askers_for=conference.id)
    replies.send(callback.answer())
    replies.send(
        message.answer(
            _(
                "Wie vragen we na 4 weken hoe het gaat met de afspraken? "
                "Meestal de hoofdpersoon en wie een oogje in het zeil "
                "houdt."
            ),
            reply_markup=_askers_markup(conference.id, people, chosen),
        )
    )


async def asker(
    callback: CallbackQuery,
    callback_data: PlanStep,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    """A name ticked (or unticked) for the questions after 4 weeks."""
    people, value = await _people(uow, conference.id), callback_data.value
    chosen = await _askers(state, uow, person, conference.id, people)
    if value not in people:
        await earlier_question(callback, replies)
        return
    chosen = [i for i in chosen if i != value] if value in chosen else [*chosen, value]
    await state.update_data(askers=chosen, askers_for=conference.id)
    replies.send(callback.answer())
    replies.send(
        buttons_in_place(message, reply_markup=_askers_markup(conference.id, people, chosen))
    )


async def askers_done(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    people = await _people(uow, conference.id)
    chosen = await _askers(state, uow, person, conference.id, people)
    await set_follow_up(uow, person.id, conference.id, chosen)
    await state.clear()
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await show_plan(replies, message, uow, person, conference.id, zone, i18n.current_locale)


async def remove(
    callback: CallbackQuery,
    callback_data: PlanStep,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    try:
        await remove_agreement(uow, person.id, conference.id, callback_data.value)
    except NotFound:
        await earlier_question(callback, replies)
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await show_plan(replies, message, uow, person, conference.id, zone, i18n.current_locale)


async def publish_plan(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    conference: ConferenceRequest,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """Everyone who took part gets the plan (the outbox sends it)."""
    try:
        plan, to = await publish(uow, person.id, conference.id, now(), zone)
    except PlanError as error:
        replies.send(callback.answer(_plan_problem(error), show_alert=True))
        return
    people = await _people(uow, conference.id)
    await _send_plan(uow, i18n, zone, person, plan, people, to)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    # the screen as it is now: this version is on its way (the outbox sends it)
    replies.send(
        edit_in_place(
            message,
            _screen(
                plan,
                people,
                zone,
                i18n.current_locale,
                _("Versie {version} wordt verstuurd.").format(version=plan.version),
            )[-1],
            reply_markup=None,
        )
    )
    replies.send(
        message.answer(
            ngettext(
                "Het plan (versie {version}) gaat naar {count} persoon.",
                "Het plan (versie {version}) gaat naar {count} mensen.",
                len(to),
            ).format(version=plan.version, count=len(to))
        )
    )


async def earlier_question(callback: CallbackQuery, replies: Replies) -> None:
    """A coordinator's button from an earlier question (or a step already past)."""
    replies.send(callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True))


# What the coordinator types while planning.


def _typed_text(message: Message, replies: Replies) -> str | None:
    """The typed words, cleaned; None (and why) if they cannot be used."""
    try:
        return clean_text(Field.CONCERNS, message.text or "")
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return None


async def typed_what(
    message: Message, state: FSMContext, uow: UnitOfWork, replies: Replies
) -> None:
    """The agreement in the family's words; next: who does it."""
    if (text := _typed_text(message, replies)) is None:
        return
    conference = ConferenceId((await state.get_data())["conference"])
    await state.update_data(what=text, who=[], names=[])
    await state.set_state(Planning.who)
    await _ask_who(replies, message, uow, conference, [])


async def typed_name(
    message: Message, state: FSMContext, uow: UnitOfWork, replies: Replies
) -> None:
    """Someone who is not in the circle does it too."""
    data = await state.get_data()
    names = [*data.get("names", []), (message.text or "").strip()[:64]]
    await state.update_data(names=names)
    await _ask_who(replies, message, uow, ConferenceId(data["conference"]), data["who"], names)


async def typed_when(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """When: a date, or the family's own words."""
    if (text := _typed_text(message, replies)) is None:
        return
    conference = ConferenceId((await state.get_data())["conference"])
    on: date | None = None
    when_text: str | None = text[:100]
    try:
        on = parse_slot(
            text + " 12:00", now(), zone, (i18n.current_locale, *i18n.available_locales)
        ).date()
        when_text = None
    except SlotError as error:
        if error.code not in (SlotProblem.UNREADABLE, SlotProblem.NO_TIME):
            replies.send(message.answer(slot_problem_text(error, zone, i18n.current_locale)))
            return
    await _add(state, uow, person, conference, on, when_text)
    await _show_added(replies, message, uow, person, conference, zone)


async def typed_monitor(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """Someone outside the circle keeps an eye on the agreements."""
    if (text := _typed_text(message, replies)) is None:
        return
    conference = ConferenceId((await state.get_data())["conference"])
    await set_monitor(uow, person.id, conference, Who(None, text[:64]))
    await _saved(replies, message, state, uow, person, conference, zone, i18n)


async def typed_next(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """The next get-together: a date and a time."""
    if (text := _typed_text(message, replies)) is None:
        return
    conference = ConferenceId((await state.get_data())["conference"])
    try:
        moment = parse_slot(text, now(), zone, (i18n.current_locale, *i18n.available_locales))
    except SlotError as error:
        replies.send(message.answer(slot_problem_text(error, zone, i18n.current_locale)))
        return
    await set_next_meeting(uow, person.id, conference, moment)
    await _saved(replies, message, state, uow, person, conference, zone, i18n)


async def _saved(
    replies: Replies,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    zone: ZoneInfo,
    i18n: I18n,
) -> None:
    await state.clear()
    replies.send(message.answer(_("Opgeslagen ✓")))
    await show_plan(replies, message, uow, person, conference, zone, i18n.current_locale)


# The professional's answer (PlanAnswer): OwnInvitation lets only the invited professional
# through and gives the handler their invitation and the message.


async def accepts(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    try:
        plan = await answer_acceptance(uow, person.id, invitee.id, True, None)
    except NotFound:
        replies.send(callback.answer(_("Er is niets om te accepteren."), show_alert=True))
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    # the screen from the plan as it is now (accepted), not the one it was sent with
    people = await _people(uow, invitee.conference_id)
    replies.send(
        edit_in_place(
            message,
            split_message(plan_text(plan, people, zone, i18n.current_locale))[-1],
            reply_markup=None,
        )
    )
    await _tell_coordinator(replies, uow, i18n, invitee, accepted=True)


async def rejects(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    """First: why not (the family reads it)."""
    replies.send(callback.answer())
    await state.set_state(Planning.reason)
    await state.set_data({"invitee": invitee.id})
    replies.send(
        message.answer(_("Waarom accepteer je het plan niet? De familie leest je antwoord."))
    )


async def reason(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    invitee_id = (await state.get_data())["invitee"]
    try:
        text = clean_text(Field.CONCERNS, message.text or "")
        await answer_acceptance(uow, person.id, invitee_id, False, text)
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    except NotFound:
        await state.clear()
        replies.send(message.answer(_("Er is niets om te accepteren.")))
        return
    await state.clear()
    replies.send(message.answer(_("Opgeslagen ✓ De coördinator en de familie horen het.")))
    invitee = await uow.invitees.get(invitee_id)
    if invitee is not None:
        await _tell_coordinator(replies, uow, i18n, invitee, accepted=False)


def router() -> Router:
    r = Router(name="plan")
    r.callback_query.filter(ButtonsOf(PlanAnswer, PlanStep))
    coordinator, on_message = CoordinatorOf(), UnderMessage()
    for action, handler in (
        ("menu", menu),
        ("add", add),
        ("monitor", monitor),
        ("watch", watch),
        ("next", next_meeting),
        ("accept", accept),
        ("acceptor", acceptor),
        ("askers", askers),
        ("asker", asker),
        ("askers_done", askers_done),
        ("remove", remove),
        ("publish", publish_plan),
    ):
        r.callback_query.register(
            handler, PlanStep.filter(F.action == action), coordinator, on_message
        )
    # the steps of one agreement, while it is being written
    r.callback_query.register(
        who, PlanStep.filter(F.action == "who"), StateFilter(Planning.who), coordinator, on_message
    )
    r.callback_query.register(
        who_done,
        PlanStep.filter(F.action == "done"),
        StateFilter(Planning.who),
        coordinator,
        on_message,
    )
    r.callback_query.register(
        no_date,
        PlanStep.filter(F.action == "none"),
        StateFilter(Planning.when),
        coordinator,
        on_message,
    )
    r.callback_query.register(earlier_question, PlanStep.filter(), coordinator)
    r.callback_query.register(not_for_you, PlanStep.filter())
    r.message.register(typed_what, StateFilter(Planning.what), HasText())
    r.message.register(typed_name, StateFilter(Planning.who), HasText())
    r.message.register(typed_when, StateFilter(Planning.when), HasText())
    r.message.register(typed_monitor, StateFilter(Planning.monitor), HasText())
    r.message.register(typed_next, StateFilter(Planning.next), HasText())
    r.callback_query.register(accepts, PlanAnswer.filter(F.accepted), OwnInvitation())
    r.callback_query.register(rejects, PlanAnswer.filter(~F.accepted), OwnInvitation())
    r.callback_query.register(not_yours, PlanAnswer.filter())
    r.message.register(reason, StateFilter(Planning.reason), HasText())
    return r


def _who_markup(
    conference: int, people: dict[int, Invitee], chosen: Sequence[int]
) -> InlineKeyboardMarkup:
    rows = [
        [_button(("✓ " if p.id in chosen else "") + p.name, conference, "who", p.id)]
        for p in people.values()
    ][:20]
    rows.append([_button(_("Klaar ✓"), conference, "done")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


async def _ask_who(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    conference: ConferenceId,
    chosen: Sequence[int],
    names: Sequence[str] = (),
) -> None:
    people = await _people(uow, conference)
    text: str = _("Wie doet het? Tik op de namen, of typ een naam die er niet bij staat.")
    if names:
        text += "\n" + _("Erbij: {names}").format(names=listed([escape(n) for n in names]))
    replies.send(chat.answer(text, reply_markup=_who_markup(conference, people, chosen)))


async def _add(
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    on: date | None,
    when_text: str | None,
) -> None:
    """The agreement written in this conversation (what, who), with its when."""
    data = await state.get_data()
    who = [Who(i) for i in data.get("who", [])] + [Who(None, n) for n in data.get("names", [])]
    await add_agreement(uow, person.id, conference, data["what"], who, on, when_text)
    await state.clear()


async def _show_added(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    zone: ZoneInfo,
) -> None:
    replies.send(chat.answer(_("Afspraak opgeslagen ✓")))
    await show_plan(replies, chat, uow, person, conference, zone, current_locale())


async def _askers(
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    people: dict[int, Invitee],
) -> list[int]:
    """Who gets the 4-week questions so far: as ticked in this conversation, else as saved,
    else the plan's default."""
    data = await state.get_data()
    if data.get("askers_for") == conference and data.get("askers") is not None:
        return list(data["askers"])
    plan = await plan_of(uow, person.id, conference)
    return list(plan.follow_up or default_follow_up(plan, list(people.values())))


def _askers_markup(
    conference: int, people: dict[int, Invitee], chosen: Sequence[int]
) -> InlineKeyboardMarkup:
    rows = [
        [_button(("✓ " if p.id in chosen else "") + p.name, conference, "asker", p.id)]
        for p in people.values()
    ][:20]
    rows.append([_button(_("Klaar ✓"), conference, "askers_done")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _send_for_acceptance(
    replies: Replies,
    i18n: I18n,
    zone: ZoneInfo,
    plan: Plan,
    people: dict[int, Invitee],
    professional: Invitee,
) -> bool:
    """The plan to the professional, to accept; False if the bot cannot reach them."""
    if professional.person_id is None or not professional.reachable:
        return False
    with i18n.use_locale(professional.locale):
        text = (
            plan_text(plan, people, zone, professional.locale)
            + "\n\n"
            + _("Accepteer je dit plan?")
        )
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=button_text("✅ Akkoord"),
                        callback_data=PlanAnswer(invitee=professional.id, accepted=True).pack(),
                    ),
                    InlineKeyboardButton(
                        text=button_text("Niet akkoord"),
                        callback_data=PlanAnswer(invitee=professional.id, accepted=False).pack(),
                    ),
                ]
            ]
        )
    *before, last = split_message(text)
    for part in before:
        notify(replies, professional.person_id, part, protect=True)
    notify(replies, professional.person_id, last, markup, protect=True)
    return True


async def _send_plan(
    uow: UnitOfWork,
    i18n: I18n,
    zone: ZoneInfo,
    by: Person,
    plan: Plan,
    people: dict[int, Invitee],
    to: Sequence[Invitee],
) -> None:
    messages = []
    for reader in to:
        assert reader.person_id is not None
        with i18n.use_locale(reader.locale):
            header = (
                _("Hallo {name}, hier is het plan dat jullie samen maakten.").format(
                    name=escape(reader.name)
                )
                if plan.version == 1
                else _("Hallo {name}, het plan is aangepast (versie {version}).").format(
                    name=escape(reader.name), version=plan.version
                )
            )
            text = header + "\n\n" + plan_text(plan, people, zone, reader.locale, reader.id)
        messages.append(
            Outbound(
                reader.person_id,
                reader.id,
                tuple(Text(part, protect_content=True) for part in split_message(text)),
            )
        )
    await uow.outbox.enqueue(
        Batch(
            kind="plan",
            created_by=by.id,
            conference_id=plan.conference_id,
            report_chat=by.id,
            report_locale=current_locale(),
            key=f"plan:{plan.conference_id}:v{plan.version}",
        ),
        messages,
        now(),
    )


async def _tell_coordinator(
    replies: Replies, uow: UnitOfWork, i18n: I18n, invitee: Invitee, accepted: bool
) -> None:
    """The professional answered: the coordinator hears it at once, in their own language."""
    async with coordinator_language(uow, i18n, invitee.conference_id) as request:
        if request is None or request.coordinator_id is None:
            return
        text = (
            _("{reference}: {name} heeft het plan geaccepteerd.")
            if accepted
            else _(
                "{reference}: {name} heeft het plan niet geaccepteerd. Open het plan voor de "
                "reden."
            )
        )
        notify(
            replies,
            request.coordinator_id,
            text.format(reference=request.reference, name=escape(invitee.name)),
        )
