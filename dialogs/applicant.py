"""The applicant into the circle with one tap: kring knows them since the request (their
Telegram account, name, language), so the coordinator answers only what kring cannot know,
and the invitation reaches the applicant in their chat, without a link."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n

from conference.circle import applicant_of, circle, invite_applicant
from conference.errors import AccessDenied, AlreadyInCircle, ApplicantUnknown, InvalidAnswer
from conference.intake import clean_text
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.model.request import ApplicantRole, ConferenceRequest, Field
from conference.ports import UnitOfWork
from dialogs.callbacks import AddApplicant, InviteeChoice
from dialogs.circle import group_question, must_attend_question
from dialogs.clock import now
from dialogs.filters import TypedWords
from dialogs.intake import problem_text
from dialogs.invitation import invitation_text, rsvp_buttons
from dialogs.labels import language_name
from dialogs.states import AddingApplicant
from dialogs.texts import _


def _not_yours() -> str:
    return _("Dit is alleen voor de coördinator van deze conferentie.")


def _already(name: str) -> str:
    return _("{name} staat al in de kring.").format(name=name)


async def start(
    callback: CallbackQuery,
    callback_data: AddApplicant,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
) -> None:
    try:
        request, people = await circle(uow, person.id, ConferenceId(callback_data.conference))
    except AccessDenied:
        await callback.answer(_not_yours(), show_alert=True)
        return
    if applicant_of(request, people) is not None:  # an old view's button, tapped again
        await callback.answer(_already(request.applicant_name), show_alert=True)
        return
    await callback.answer()
    await state.set_state(AddingApplicant.relation)
    await state.set_data({"conference": request.id})
    if isinstance(callback.message, Message):
        await callback.message.answer(
            _(
                "Wat is {name} van de hoofdpersoon? Bijvoorbeeld: "
                "vader, tante, buurvrouw, gezinsvoogd."
            ).format(name=escape(request.applicant_name))
        )


async def typed_relation(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    try:
        relation = clean_text(Field.SUBJECT_NAME, message.text or "")
    except InvalidAnswer as error:
        await message.answer(problem_text(error))
        return
    data = await state.get_data()
    request = await uow.conferences.get(ConferenceId(data["conference"]))
    if request is None:
        await state.clear()
        return
    await state.update_data(relation=relation)
    if request.applicant_role is ApplicantRole.PROFESSIONAL:  # joins as a professional
        await state.update_data(group=Group.PROFESSIONAL.value)
        await state.set_state(AddingApplicant.must_attend)
        text, markup = must_attend_question()
        await message.answer(text, reply_markup=markup)
        return
    await state.set_state(AddingApplicant.group)
    text, markup = group_question(request.applicant_name)
    await message.answer(text, reply_markup=markup)


async def chosen(
    callback: CallbackQuery,
    callback_data: InviteeChoice,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
) -> None:
    step, value = await state.get_state(), callback_data.value
    message = callback.message
    if not isinstance(message, Message):
        await callback.answer()
        return
    if step == AddingApplicant.group.state and value in Group._value2member_map_:
        await state.update_data(group=value)
        await state.set_state(AddingApplicant.must_attend)
        await callback.answer(_("Opgeslagen ✓"))
        text, markup = must_attend_question()
        await message.edit_text(text, reply_markup=markup)
    elif step == AddingApplicant.must_attend.state and value in ("yes", "no"):
        await add(callback, message, state, uow, person, i18n, value == "yes")
    else:
        await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)


async def add(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    must_attend: bool,
) -> None:
    data = await state.get_data()
    await state.clear()
    try:
        request, invitee = await invite_applicant(
            uow,
            person.id,
            ConferenceId(data["conference"]),
            data["relation"],
            Group(data["group"]),
            must_attend,
            now(),
        )
    except AccessDenied:
        await callback.answer(_not_yours(), show_alert=True)
        return
    except AlreadyInCircle as already:
        await callback.answer(_already(already.invitee.name), show_alert=True)
        await message.edit_reply_markup(reply_markup=None)
        return
    except ApplicantUnknown:
        await callback.answer(
            _(
                "Ik kan de aanvrager niet bereiken. Voeg de aanvrager toe "
                "met ➕ Persoon toevoegen en geef een link."
            ),
            show_alert=True,
        )
        return
    await send_invitation(uow, i18n, person, request, invitee)
    await callback.answer(_("Opgeslagen ✓"))
    await message.edit_text(
        _("{name} staat in de kring ✓").format(name=escape(invitee.name))
        + "\n"
        + _(
            "{name} krijgt de uitnodiging in de chat ({language}). Een link is niet nodig."
        ).format(
            name=escape(invitee.name), language=language_name(invitee.locale, i18n.current_locale)
        )
    )


async def send_invitation(
    uow: UnitOfWork, i18n: I18n, by: Person, request: ConferenceRequest, invitee: Invitee
) -> None:
    """In the applicant's language, with the usual answer buttons; through the outbox, so it
    goes only once they are in the circle (after the commit)."""
    assert invitee.person_id is not None
    shipped = invitee.locale in i18n.available_locales
    with i18n.use_locale(invitee.locale if shipped else i18n.default_locale):
        text = invitation_text(invitee, request, applicant=True)
        markup = rsvp_buttons(invitee.id, minimum=invitee.group is Group.PROFESSIONAL)
    rows = tuple(
        tuple((b.text, b.callback_data or "") for b in row) for row in markup.inline_keyboard
    )
    await uow.outbox.enqueue(
        Batch(kind="invitation", created_by=by.id, conference_id=request.id),
        [Outbound(invitee.person_id, invitee.id, (Text(text, rows),))],
        now(),
    )


def router() -> Router:
    r = Router(name="applicant")
    r.callback_query.register(start, AddApplicant.filter())
    r.message.register(typed_relation, StateFilter(AddingApplicant.relation), TypedWords())
    r.callback_query.register(chosen, StateFilter(AddingApplicant), InviteeChoice.filter())
    return r
