"""After the meeting the coordinator records the family's plan in chat: agreements (what, who,
when), who keeps an eye on them, the next get-together; a professional accepts it where that
is needed; then everyone who took part gets it, "your agreements" first."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from html import escape
from zoneinfo import ZoneInfo

from aiogram import Bot, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n
from babel.dates import format_date

from conference.circle import circle
from conference.errors import (
    AccessDenied,
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
from conference.model.request import Field
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
)
from conference.ports import UnitOfWork
from conference.slots import parse_slot
from dialogs.button_text import button_text
from dialogs.callbacks import PlanAnswer, PlanStep
from dialogs.clock import now
from dialogs.filters import HasText
from dialogs.intake import problem_text
from dialogs.labels import current_locale, listed, slot_problem_text
from dialogs.long_text import split_message
from dialogs.outbound import coordinator_language, deliver, when
from dialogs.owned import owned
from dialogs.states import Planning
from dialogs.texts import _, joined, labelled, native_digits, ngettext


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


async def _people(uow: UnitOfWork, person: Person, conference: ConferenceId) -> dict[int, Invitee]:
    _request, people = await circle(uow, person.id, conference)
    return {p.id: p for p in people}


def _screen(
    plan: Plan, people: dict[int, Invitee], zone: ZoneInfo, locale: str, status: str
) -> list[str]:
    return split_message(plan_text(plan, people, zone, locale) + "\n\n" + status)


async def show_plan(
    chat: Message,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    zone: ZoneInfo,
    locale: str,
) -> None:
    plan = await plan_of(uow, person.id, conference)
    people = await _people(uow, person, conference)
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
        await chat.answer(part, protect_content=True)
    await chat.answer(
        last, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows), protect_content=True
    )


def router() -> Router:
    r = Router(name="plan")

    @r.callback_query(PlanStep.filter())
    async def step(
        callback: CallbackQuery,
        callback_data: PlanStep,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        zone: ZoneInfo,
        bot: Bot,
    ) -> None:
        message, conference = callback.message, ConferenceId(callback_data.conference)
        try:
            people = await _people(uow, person, conference)
        except AccessDenied:
            await callback.answer(
                _("Dit is alleen voor de coördinator van deze conferentie."), show_alert=True
            )
            return
        if not isinstance(message, Message):
            await callback.answer()
            return
        action, value = callback_data.action, callback_data.value
        try:
            await _step(
                callback,
                message,
                state,
                uow,
                person,
                i18n,
                zone,
                bot,
                conference,
                people,
                action,
                value,
            )
        except PlanError as error:
            await callback.answer(
                {
                    PlanProblem.EMPTY: _("Voeg eerst een afspraak toe."),
                    PlanProblem.TOO_MANY: _("Dat zijn veel afspraken: hoogstens 30."),
                    PlanProblem.NOT_PROFESSIONAL: _("Dat is geen professional in deze kring."),
                    PlanProblem.WAITING: _("Wacht eerst op het antwoord van de professional."),
                }[error.problem],
                show_alert=True,
            )
        except NotFound:
            await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)

    @r.message(
        StateFilter(Planning.what, Planning.when, Planning.monitor, Planning.next), HasText()
    )
    async def typed(
        message: Message,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        zone: ZoneInfo,
    ) -> None:
        data = await state.get_data()
        conference, step = ConferenceId(data["conference"]), await state.get_state()
        try:
            text = clean_text(Field.CONCERNS, message.text or "")
        except InvalidAnswer as error:
            await message.answer(problem_text(error))
            return
        if step == Planning.what.state:
            await state.update_data(what=text, who=[], names=[])
            await state.set_state(Planning.who)
            await _ask_who(message, uow, person, conference, [])
            return
        if step == Planning.monitor.state:
            await set_monitor(uow, person.id, conference, Who(None, text[:64]))
        elif step == Planning.next.state:
            try:
                moment = parse_slot(
                    text, now(), zone, (i18n.current_locale, *i18n.available_locales)
                )
            except SlotError as error:
                await message.answer(slot_problem_text(error, zone, i18n.current_locale))
                return
            await set_next_meeting(uow, person.id, conference, moment)
        else:  # when: a date, or the family's own words
            on: date | None = None
            when_text: str | None = text[:100]
            try:
                on = parse_slot(
                    text + " 12:00", now(), zone, (i18n.current_locale, *i18n.available_locales)
                ).date()
                when_text = None
            except SlotError as error:
                if error.code not in (SlotProblem.UNREADABLE, SlotProblem.NO_TIME):
                    await message.answer(slot_problem_text(error, zone, i18n.current_locale))
                    return
            await _add(message, state, uow, person, conference, on, when_text, zone)
            return
        await state.clear()
        await message.answer(_("Opgeslagen ✓"))
        await show_plan(message, uow, person, conference, zone, i18n.current_locale)

    @r.message(StateFilter(Planning.who), HasText())
    async def typed_name(
        message: Message, state: FSMContext, uow: UnitOfWork, person: Person
    ) -> None:
        data = await state.get_data()
        names = [*data.get("names", []), (message.text or "").strip()[:64]]
        await state.update_data(names=names)
        await _ask_who(message, uow, person, ConferenceId(data["conference"]), data["who"], names)

    @r.callback_query(PlanAnswer.filter())
    async def accepted(
        callback: CallbackQuery,
        callback_data: PlanAnswer,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        bot: Bot,
        i18n: I18n,
        zone: ZoneInfo,
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        if not callback_data.accepted:  # first: why not (the family reads it)
            await callback.answer()
            await state.set_state(Planning.reason)
            await state.set_data({"invitee": invitee.id})
            await message.answer(
                _("Waarom accepteer je het plan niet? De familie leest je antwoord.")
            )
            return
        try:
            plan = await answer_acceptance(uow, person.id, invitee.id, True, None)
        except NotFound:
            await callback.answer(_("Er is niets om te accepteren."), show_alert=True)
            return
        await callback.answer(_("Opgeslagen ✓"))
        # the screen from the plan as it is now (accepted), not the one it was sent with
        people = {p.id: p for p in await uow.invitees.of_conference(invitee.conference_id)}
        await message.edit_text(
            split_message(plan_text(plan, people, zone, i18n.current_locale))[-1],
            reply_markup=None,
        )
        await _tell_coordinator(bot, uow, i18n, invitee, accepted=True)

    @r.message(StateFilter(Planning.reason), HasText())
    async def reason(
        message: Message, state: FSMContext, uow: UnitOfWork, person: Person, bot: Bot, i18n: I18n
    ) -> None:
        invitee_id = (await state.get_data())["invitee"]
        try:
            text = clean_text(Field.CONCERNS, message.text or "")
            await answer_acceptance(uow, person.id, invitee_id, False, text)
        except InvalidAnswer as error:
            await message.answer(problem_text(error))
            return
        except NotFound:
            await state.clear()
            await message.answer(_("Er is niets om te accepteren."))
            return
        await state.clear()
        await message.answer(_("Opgeslagen ✓ De coördinator en de familie horen het."))
        invitee = await uow.invitees.get(invitee_id)
        if invitee is not None:
            await _tell_coordinator(bot, uow, i18n, invitee, accepted=False)

    return r


async def _step(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    bot: Bot,
    conference: ConferenceId,
    people: dict[int, Invitee],
    action: str,
    value: int,
) -> None:
    locale = i18n.current_locale
    if action == "menu":
        await callback.answer()
        await state.clear()
        await show_plan(message, uow, person, conference, zone, locale)
    elif action == "add":
        await callback.answer()
        await state.set_state(Planning.what)
        await state.set_data({"conference": conference})
        await message.answer(_("Wat is de afspraak? Schrijf het in de woorden van de familie."))
    elif action == "who" and await state.get_state() == Planning.who.state:
        data = await state.get_data()
        chosen = (
            [i for i in data["who"] if i != value]
            if value in data["who"]
            else [*data["who"], value]
        )
        if value not in people:
            raise NotFound("not in this circle")
        await state.update_data(who=chosen)
        await callback.answer(_("Opgeslagen ✓"))
        await message.edit_reply_markup(reply_markup=_who_markup(conference, people, chosen))
    elif action == "done" and await state.get_state() == Planning.who.state:
        await callback.answer(_("Opgeslagen ✓"))
        await state.set_state(Planning.when)
        await message.answer(
            _(
                "Wanneer? Typ een datum (bijvoorbeeld 3-7), of in eigen woorden "
                "(bijvoorbeeld: elk tweede weekend). Of tik op Geen."
            ),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[[_button(_("Geen"), conference, "none")]]
            ),
        )
    elif action == "none" and await state.get_state() == Planning.when.state:
        await callback.answer(_("Opgeslagen ✓"))
        await _add(message, state, uow, person, conference, None, None, zone)
    elif action == "monitor":
        await callback.answer()
        await state.set_state(Planning.monitor)
        await state.set_data({"conference": conference})
        await message.answer(
            _("Wie houdt een oogje in het zeil? Tik op een naam of typ er een."),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [_button(p.name, conference, "watch", p.id)] for p in people.values()
                ][:20]
            ),
        )
    elif action == "watch" and value in people:
        await set_monitor(uow, person.id, conference, Who(value))
        await state.clear()
        await callback.answer(_("Opgeslagen ✓"))
        await show_plan(message, uow, person, conference, zone, locale)
    elif action == "next":
        await callback.answer()
        await state.set_state(Planning.next)
        await state.set_data({"conference": conference})
        await message.answer(
            _("Wanneer is de volgende bijeenkomst? Typ datum en tijd, bijvoorbeeld: 29-9 10:00")
        )
    elif action == "accept":
        await callback.answer()
        await message.answer(
            _(
                "Welke professional moet het plan accepteren? Dat is nodig "
                "bij verplichte hulp. Of als het plan zich niet houdt aan de "
                "minimumeis."
            ),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [_button(p.name, conference, "acceptor", p.id)]
                    for p in people.values()
                    if p.group is Group.PROFESSIONAL
                ]
            ),
        )
    elif action == "acceptor":
        plan, professional = await ask_acceptance(uow, person.id, conference, value)
        await callback.answer(_("Opgeslagen ✓"))
        sent = await _send_for_acceptance(bot, uow, i18n, zone, plan, people, professional)
        await message.answer(
            _("{name} krijgt het plan om te accepteren.").format(name=escape(professional.name))
            if sent
            else _("{name} is niet te bereiken via de bot.").format(name=escape(professional.name))
        )
    elif action in ("askers", "asker", "askers_done"):
        plan = await plan_of(uow, person.id, conference)
        data = await state.get_data()
        saved = data.get("askers") if data.get("askers_for") == conference else None
        askers: list[int] = (
            saved
            if saved is not None
            else list(plan.follow_up or default_follow_up(plan, list(people.values())))
        )
        if action == "asker":
            if value not in people:
                raise NotFound("not in this circle")
            askers = [i for i in askers if i != value] if value in askers else [*askers, value]
        if action == "askers_done":
            await set_follow_up(uow, person.id, conference, askers)
            await state.clear()
            await callback.answer(_("Opgeslagen ✓"))
            await show_plan(message, uow, person, conference, zone, locale)
            return
        await state.update_data(askers=askers, askers_for=conference)
        await callback.answer()
        rows = [
            [_button(("✓ " if p.id in askers else "") + p.name, conference, "asker", p.id)]
            for p in people.values()
        ][:20]
        rows.append([_button(_("Klaar ✓"), conference, "askers_done")])
        markup = InlineKeyboardMarkup(inline_keyboard=rows)
        if action == "asker":
            await message.edit_reply_markup(reply_markup=markup)
        else:
            await message.answer(
                _(
                    "Wie vragen we na 4 weken hoe het gaat met de afspraken? "
                    "Meestal de hoofdpersoon en wie een oogje in het zeil "
                    "houdt."
                ),
                reply_markup=markup,
            )
    elif action == "remove":
        await remove_agreement(uow, person.id, conference, value)
        await callback.answer(_("Opgeslagen ✓"))
        await show_plan(message, uow, person, conference, zone, locale)
    elif action == "publish":
        plan, to = await publish(uow, person.id, conference, now(), zone)
        await _send_plan(uow, i18n, zone, person, plan, people, to)
        await callback.answer(_("Opgeslagen ✓"))
        # the screen as it is now: this version is on its way (the outbox sends it)
        await message.edit_text(
            _screen(
                plan,
                people,
                zone,
                locale,
                _("Versie {version} wordt verstuurd.").format(version=plan.version),
            )[-1],
            reply_markup=None,
        )
        await message.answer(
            ngettext(
                "Het plan (versie {version}) gaat naar {count} persoon.",
                "Het plan (versie {version}) gaat naar {count} mensen.",
                len(to),
            ).format(version=plan.version, count=len(to))
        )
    else:
        await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)


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
    chat: Message,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    chosen: Sequence[int],
    names: Sequence[str] = (),
) -> None:
    people = await _people(uow, person, conference)
    text: str = _("Wie doet het? Tik op de namen, of typ een naam die er niet bij staat.")
    if names:
        text += "\n" + _("Erbij: {names}").format(names=listed([escape(n) for n in names]))
    await chat.answer(text, reply_markup=_who_markup(conference, people, chosen))


async def _add(
    chat: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    on: date | None,
    when_text: str | None,
    zone: ZoneInfo,
) -> None:
    data = await state.get_data()
    who = [Who(i) for i in data.get("who", [])] + [Who(None, n) for n in data.get("names", [])]
    await add_agreement(uow, person.id, conference, data["what"], who, on, when_text)
    await state.clear()
    await chat.answer(_("Afspraak opgeslagen ✓"))
    await show_plan(chat, uow, person, conference, zone, current_locale())


async def _send_for_acceptance(
    bot: Bot,
    uow: UnitOfWork,
    i18n: I18n,
    zone: ZoneInfo,
    plan: Plan,
    people: dict[int, Invitee],
    professional: Invitee,
) -> bool:
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
        if not await deliver(bot, uow, professional.person_id, part, protect=True):
            return False
    return await deliver(bot, uow, professional.person_id, last, markup, protect=True)


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
    bot: Bot, uow: UnitOfWork, i18n: I18n, invitee: Invitee, accepted: bool
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
        await deliver(
            bot,
            uow,
            request.coordinator_id,
            text.format(reference=request.reference, name=escape(invitee.name)),
        )
