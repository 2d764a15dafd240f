"""Fixing the date, time and venue (or changing them, or calling the meeting off): a few
short questions, a summary to check, then everyone who comes hears it in their own language."""

from __future__ import annotations

from datetime import datetime
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

from conference.circle import circle
from conference.errors import AccessDenied, InvalidAnswer, MeetingError, NotFound, SlotError
from conference.intake import clean_text
from conference.meeting import cancel_meeting, coming, fix_meeting, reachable, slot_time
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Meeting, Venue
from conference.model.people import Person
from conference.model.reminders import Policy
from conference.model.request import ConferenceRequest, Field
from conference.ports import UnitOfWork
from conference.slots import parse_slot
from dialogs.callbacks import Dates, FixSlot, VenueChoice
from dialogs.clock import now
from dialogs.filters import ButtonsOf, HasText, UnderMessage
from dialogs.flows.intake import problem_text
from dialogs.in_place import buttons_in_place
from dialogs.render.announce import Announced, announce
from dialogs.render.labels import current_locale, short_when, slot_problem_text
from dialogs.render.texts import _, joined, labelled, ngettext
from dialogs.replies import Replies
from dialogs.states import Dating
from dialogs.to_others import when


def _rows(*buttons: tuple[str, str]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=text, callback_data=data)] for text, data in buttons
        ]
    )


async def earlier_question(callback: CallbackQuery, replies: Replies) -> None:
    """A button of a question answered before."""
    replies.send(callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True))


async def ask_when(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
    zone: ZoneInfo,
    slot: int | None = None,
) -> None:
    """Which date: a proposed one (buttons), the current one (when changing), or typed.
    For the conference's coordinator (the callers' buttons are filtered on that)."""
    meeting = await uow.meetings.get(conference)
    await state.set_state(Dating.when)
    await state.set_data({"conference": conference})
    if slot:
        await _chose(replies, chat, state, uow, person.id, conference, zone, slot)
        return
    locale = current_locale()
    buttons = [
        (
            "📅 " + short_when(s.starts_at, zone, locale),
            FixSlot(conference=conference, slot=s.id).pack(),
        )
        for s in await uow.meetings.slots(conference)
    ]
    if meeting.fixed:
        buttons.insert(
            0, (_("Zelfde datum en tijd"), FixSlot(conference=conference, slot=0).pack())
        )
    replies.send(
        chat.answer(
            _(
                "Op welke datum en tijd? Tik op een datum, of typ er een, "
                "bijvoorbeeld: za 3 juli 10:00"
            ),
            reply_markup=_rows(*buttons),
        )
    )


async def _chose(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    actor: PersonId,
    conference: ConferenceId,
    zone: ZoneInfo,
    slot: int,
) -> None:
    meeting = await uow.meetings.get(conference)
    if slot == 0 and meeting.starts_at is not None:
        starts_at = meeting.starts_at
    else:
        starts_at = await slot_time(uow, actor, conference, slot)
    await state.update_data(starts_at=starts_at.isoformat())
    await _ask_venue(replies, chat, state, meeting)


def _known_place(meeting: Meeting) -> str | None:
    """The place kring knows already, labelled by where it came from: the family's proposal
    (taken over before any date was fixed), the place of the fixed meeting, or of the one
    that was cancelled."""
    if meeting.venue is None:
        return None
    if meeting.fixed:
        label = _("Zelfde plek: {name}")
    elif meeting.starts_at is None:
        label = _("💡 Voorstel: {name}")
    else:
        label = _("Vorige plek: {name}")
    return label.format(name=meeting.venue.name)


async def _ask_venue(
    replies: Replies, chat: MaybeInaccessibleMessageUnion, state: FSMContext, meeting: Meeting
) -> None:
    await state.set_state(Dating.venue)
    known = _known_place(meeting)
    markup = _rows((known, VenueChoice(action="keep").pack())) if known else None
    replies.send(
        chat.answer(
            _(
                "Waar is de conferentie? Typ de naam van de plek, bijvoorbeeld: "
                "Buurthuis De Linde."
            ),
            reply_markup=markup,
        )
    )


async def _summary(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    zone: ZoneInfo,
) -> None:
    data = await state.get_data()
    _request, people = await circle(uow, person.id, ConferenceId(data["conference"]))
    count = len(reachable(coming(people))[0])
    await state.set_state(Dating.confirm)
    starts_at = datetime.fromisoformat(data["starts_at"])
    lines = [
        "<b>" + _("Klopt dit?") + "</b>",
        labelled("📅", when(starts_at, zone, current_locale())),
        labelled("📍", joined([escape(data["venue"]), escape(data.get("address") or "")], ", ")),
    ]
    if data.get("latitude") is not None:
        lines.append(_("Met een kaartpin."))
    lines += [
        "",
        ngettext(
            "Dit gaat naar {count} persoon die ja of misschien zei, met een agenda-bestand.",
            "Dit gaat naar {count} mensen die ja of misschien zeiden, met een agenda-bestand.",
            count,
        ).format(count=count),
    ]
    replies.send(
        chat.answer(
            "\n".join(lines),
            reply_markup=_rows(
                (
                    _("✅ Vastzetten en versturen"),
                    Dates(conference=data["conference"], action="send").pack(),
                ),
                (_("Toch niet"), Dates(conference=data["conference"], action="menu").pack()),
            ),
        )
    )


async def ask_cancel(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    conference: ConferenceId,
) -> None:
    _request, people = await circle(uow, person.id, conference)
    count = len(reachable(coming(people))[0])
    replies.send(
        chat.answer(
            ngettext(
                "Weet je zeker dat je de bijeenkomst wilt afzeggen? {count} persoon krijgt "
                "bericht.",
                "Weet je zeker dat je de bijeenkomst wilt afzeggen? {count} mensen krijgen "
                "bericht.",
                count,
            ).format(count=count),
            reply_markup=_rows(
                (_("Ja, afzeggen"), Dates(conference=conference, action="cancel_yes").pack()),
                (_("Nee, laat staan"), Dates(conference=conference, action="menu").pack()),
            ),
        )
    )


async def confirmed(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    policy: Policy,
    organisation: str,
    replies: Replies,
) -> None:
    """The summary checked: fix the date and venue, and tell everyone who comes. The
    `Dates` buttons are routed in dates.router(); this one in the `Dating.confirm` state."""
    data = await state.get_data()
    conference = ConferenceId(data["conference"])
    venue = Venue(
        data["venue"], data.get("address") or "", data.get("latitude"), data.get("longitude")
    )
    try:
        before, after = await fix_meeting(
            uow,
            person.id,
            conference,
            datetime.fromisoformat(data["starts_at"]),
            venue,
            now(),
            policy,
        )
    except SlotError:
        replies.send(
            callback.answer(_("Die datum is al voorbij. Kies een andere."), show_alert=True)
        )
        return
    await state.clear()
    announced = await announce(uow, i18n, zone, person, conference, before, after, organisation)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(buttons_in_place(message, reply_markup=None))
    text = ngettext(
        "Vastgezet ✓ {count} persoon krijgt het bericht.",
        "Vastgezet ✓ {count} mensen krijgen het bericht.",
        announced.told,
    ).format(count=announced.told)
    replies.send(message.answer(text + _not_told(announced)))


def _not_told(announced: Announced) -> str:
    """Whom the notice does not reach by itself, and what the coordinator can do."""
    note = ""
    if announced.web_page_only:
        note += " " + ngettext(
            "{count} persoon ziet het alleen op de webpagina (geen e-mail): bel die persoon.",
            "{count} mensen zien het alleen op de webpagina (geen e-mail): bel hen.",
            announced.web_page_only,
        ).format(count=announced.web_page_only)
    if announced.unreachable:
        note += " " + ngettext(
            "{count} persoon is niet te bereiken via de bot: vertel het die persoon zelf.",
            "{count} mensen zijn niet te bereiken via de bot: vertel het hun zelf.",
            announced.unreachable,
        ).format(count=announced.unreachable)
    return note


async def call_off(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    organisation: str,
    replies: Replies,
) -> None:
    """ "Yes, cancel": the meeting is off, and everyone who would come hears it. Routed in
    dates.router() with the other `Dates` buttons."""
    before = await uow.meetings.get(conference.id)
    try:
        after = await cancel_meeting(uow, person.id, conference.id, now())
    except MeetingError:
        replies.send(callback.answer(_("Er staat geen bijeenkomst vast."), show_alert=True))
        return
    announced = await announce(uow, i18n, zone, person, conference.id, before, after, organisation)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(buttons_in_place(message, reply_markup=None))
    text = ngettext(
        "Afgezegd ✓ {count} persoon krijgt bericht.",
        "Afgezegd ✓ {count} mensen krijgen bericht.",
        announced.told,
    ).format(count=announced.told)
    replies.send(message.answer(text + _not_told(announced)))


async def chose_slot(
    callback: CallbackQuery,
    callback_data: FixSlot,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    data = await state.get_data()
    if data.get("conference") != callback_data.conference:
        await earlier_question(callback, replies)
        return
    try:
        await _chose(
            replies,
            message,
            state,
            uow,
            person.id,
            ConferenceId(callback_data.conference),
            zone,
            callback_data.slot,
        )
    except (AccessDenied, NotFound):
        replies.send(callback.answer(_("Die datum ken ik niet (meer)."), show_alert=True))
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))


async def typed_when(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    i18n: I18n,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    try:
        starts_at = parse_slot(
            message.text or "", now(), zone, (i18n.current_locale, *i18n.available_locales)
        )
    except SlotError as error:
        replies.send(message.answer(slot_problem_text(error, zone, i18n.current_locale)))
        return
    await state.update_data(starts_at=starts_at.isoformat())
    meeting = await uow.meetings.get(ConferenceId((await state.get_data())["conference"]))
    await _ask_venue(replies, message, state, meeting)


async def typed_venue(message: Message, state: FSMContext, replies: Replies) -> None:
    try:
        venue = clean_text(Field.REGION, message.text or "")
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    await state.update_data(venue=venue)
    await state.set_state(Dating.address)
    replies.send(message.answer(_("Wat is het adres? Bijvoorbeeld: Lindelaan 4, Utrecht")))


async def typed_address(message: Message, state: FSMContext, replies: Replies) -> None:
    try:
        address = clean_text(Field.REGION, message.text or "")
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    await state.update_data(address=address)
    await state.set_state(Dating.pin)
    replies.send(
        message.answer(
            _(
                "Wil je er een kaartpin bij sturen? Tik op 📎 en kies "
                "Locatie. Of tik op Overslaan."
            ),
            reply_markup=_rows((_("Overslaan"), VenueChoice(action="skip").pack())),
        )
    )


async def pin(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    if message.location is None:
        replies.send(
            message.answer(
                _("Stuur een locatie (tik op 📎 en dan op Locatie), of tik op Overslaan.")
            )
        )
        return
    await state.update_data(
        latitude=message.location.latitude, longitude=message.location.longitude
    )
    await _summary(replies, message, state, uow, person, zone)


async def kept_venue(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    """The place kring knew (see `_known_place`): no address or pin to ask."""
    meeting = await uow.meetings.get(ConferenceId((await state.get_data())["conference"]))
    if meeting.venue is None:
        await earlier_question(callback, replies)
        return
    await state.update_data(
        venue=meeting.venue.name,
        address=meeting.venue.address,
        latitude=meeting.venue.latitude,
        longitude=meeting.venue.longitude,
    )
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await _summary(replies, message, state, uow, person, zone)


async def skipped_pin(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    zone: ZoneInfo,
    replies: Replies,
) -> None:
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await _summary(replies, message, state, uow, person, zone)


def router() -> Router:
    r = Router(name="fixing")
    r.callback_query.filter(ButtonsOf(FixSlot, VenueChoice))
    on_message = UnderMessage()
    r.callback_query.register(chose_slot, StateFilter(Dating.when), FixSlot.filter(), on_message)
    r.message.register(typed_when, StateFilter(Dating.when), HasText())
    r.message.register(typed_venue, StateFilter(Dating.venue), HasText())
    r.message.register(typed_address, StateFilter(Dating.address), HasText())
    r.message.register(pin, StateFilter(Dating.pin))
    r.callback_query.register(
        kept_venue, StateFilter(Dating.venue), VenueChoice.filter(F.action == "keep"), on_message
    )
    # in the pin question, any venue button goes on (an older "keep" found the venue set)
    r.callback_query.register(
        skipped_pin, StateFilter(Dating.pin), VenueChoice.filter(), on_message
    )
    return r
