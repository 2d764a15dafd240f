"""The minimum requirement, set or changed before the meeting by a professional of the circle
(the youth-care worker involved, say, when a grandparent applied). Everyone in the family who
was invited before hears it through the outbox, in their own language; whoever is invited
later reads it in their invitation."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from conference.circle import circle, set_minimum_requirement
from conference.errors import AccessDenied, InvalidAnswer, NotFound, TooLate
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from dialogs.button_text import button_text
from dialogs.callbacks import AskMinimum, MinimumStart
from dialogs.clock import now
from dialogs.filters import TypedWords
from dialogs.intake import problem_text
from dialogs.owned import owned
from dialogs.states import SettingMinimum
from dialogs.texts import _


def minimum_button(invitee: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=button_text("⚖️ Minimumeis"), callback_data=MinimumStart(invitee=invitee).pack()
        )
    ]


async def start(
    callback: CallbackQuery,
    callback_data: MinimumStart,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
) -> None:
    if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
        return
    invitee, message = found
    if invitee.group is not Group.PROFESSIONAL:
        await callback.answer(
            _("Dit is alleen voor een professional in de kring."), show_alert=True
        )
        return
    await callback.answer()
    await state.set_state(SettingMinimum.text)
    await state.update_data(minimum_for=invitee.conference_id)
    request = await uow.conferences.get(invitee.conference_id)
    text: str = _(
        "Welke regel staat vooraf vast? Elk plan moet zich daaraan houden. Dat is de "
        "minimumeis. Bijvoorbeeld: Johan woont niet bij zijn opa. Typ het in één bericht. "
        "De familie leest het."
    )
    if request is not None and request.minimum_requirement:
        text += "\n\n" + _("Nu: {requirement}").format(
            requirement=escape(request.minimum_requirement)
        )
    await message.answer(text)


async def typed(
    message: Message, state: FSMContext, uow: UnitOfWork, person: Person, i18n: I18n
) -> None:
    conference = ConferenceId((await state.get_data()).get("minimum_for") or 0)
    try:
        request, told = await set_minimum_requirement(
            uow, person.id, conference, message.text or "", now()
        )
    except InvalidAnswer as error:
        await message.answer(problem_text(error))
        return
    except (AccessDenied, NotFound, TooLate):
        await state.set_state(None)
        await message.answer(
            _("Dat kan niet (meer): de conferentie is begonnen, of dit is niet voor jou.")
        )
        return
    await state.set_state(None)
    await _tell(uow, i18n, person, request, told)
    await message.answer(
        _(
            "Opgeslagen ✓ Wie al is uitgenodigd, krijgt het bericht. Wie later "
            "wordt uitgenodigd, leest het in de uitnodiging."
        )
    )


async def _tell(
    uow: UnitOfWork, i18n: I18n, by: Person, request: ConferenceRequest, told: list[Invitee]
) -> None:
    """To the family invited before, and to the coordinator, each in their own language."""
    assert request.minimum_requirement is not None
    requirement = escape(request.minimum_requirement)
    messages = []
    for person in told:
        assert person.person_id is not None
        with i18n.use_locale(person.locale):
            text = _(
                "Hallo {name}, er is nieuws over de Eigen Kracht-conferentie. Eén regel "
                "staat vooraf vast. Elk plan moet zich daaraan houden. Dat is de "
                "minimumeis: {requirement}"
            ).format(name=escape(person.name), requirement=requirement)
        messages.append(Outbound(person.person_id, person.id, (Text(text),)))
    if request.coordinator_id is not None:
        staff = await uow.persons.get(request.coordinator_id)
        with i18n.use_locale(staff.locale if staff and staff.locale else i18n.default_locale):
            text = _("{reference}: de minimumeis is nu: {requirement}").format(
                reference=request.reference, requirement=requirement
            )
        messages.append(Outbound(request.coordinator_id, None, (Text(text),)))
    await uow.outbox.enqueue(
        Batch(kind="minimum", created_by=by.id, conference_id=request.id), messages, now()
    )


def ask_button(conference: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=_("⚖️ Minimumeis vragen"), callback_data=AskMinimum(conference=conference).pack()
        )
    ]


async def ask(
    callback: CallbackQuery, callback_data: AskMinimum, uow: UnitOfWork, person: Person, i18n: I18n
) -> None:
    """The coordinator asks a professional of the circle to set (or change) it."""
    conference = ConferenceId(callback_data.conference)
    try:
        _request, people = await circle(uow, person.id, conference)
    except AccessDenied:
        await callback.answer(
            _("Dit is alleen voor de coördinator van deze conferentie."), show_alert=True
        )
        return
    professionals = [
        p
        for p in people
        if p.group is Group.PROFESSIONAL and p.person_id is not None and p.reachable
    ]
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    if not callback_data.invitee:
        await callback.answer()
        await message.answer(
            _("Welke professional vragen we om de minimumeis?")
            if professionals
            else _("Er is nog geen professional in de kring die de uitnodiging opende."),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=p.name,
                            callback_data=AskMinimum(conference=conference, invitee=p.id).pack(),
                        )
                    ]
                    for p in professionals[:20]
                ]
            ),
        )
        return
    chosen = next((p for p in professionals if p.id == callback_data.invitee), None)
    if chosen is None or chosen.person_id is None:
        await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)
        return
    with i18n.use_locale(chosen.locale):
        text = _(
            "Hallo {name}, de coördinator vraagt je om de minimumeis voor de Eigen "
            "Kracht-conferentie te geven, als die er is."
        ).format(name=escape(chosen.name))
        button = minimum_button(chosen.id)[0]
    row = ((button.text, button.callback_data or ""),)
    await uow.outbox.enqueue(
        Batch(kind="note", created_by=person.id, conference_id=conference),
        [Outbound(chosen.person_id, chosen.id, (Text(text, (row,)),))],
        now(),
    )
    await callback.answer(_("Opgeslagen ✓"))
    await message.edit_text(_("{name} krijgt de vraag.").format(name=escape(chosen.name)))


def router() -> Router:
    r = Router(name="minimum")
    r.callback_query.register(start, MinimumStart.filter())
    r.callback_query.register(ask, AskMinimum.filter())
    r.message.register(typed, StateFilter(SettingMinimum.text), TypedWords())
    return r
