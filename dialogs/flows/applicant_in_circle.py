"""The applicant into the circle with one tap: kring knows them since the request (their
Telegram account, name, language), so the coordinator answers only what kring cannot know,
and the invitation reaches the applicant in their chat, without a link."""

from __future__ import annotations

from html import escape

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, MaybeInaccessibleMessageUnion, Message
from aiogram.utils.i18n import I18n

from conference.circle import applicant_of, invite_applicant
from conference.errors import AccessDenied, AlreadyInCircle, ApplicantUnknown, InvalidAnswer
from conference.intake import clean_text
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.model.request import ApplicantRole, ConferenceRequest, Field
from conference.ports import UnitOfWork
from dialogs.callbacks import AddApplicant, InviteeChoice
from dialogs.clock import now
from dialogs.filters import ButtonsOf, CoordinatorOf, TypedWords, UnderMessage
from dialogs.flows.circle import group_question, must_attend_question
from dialogs.flows.intake import problem_text
from dialogs.flows.invitation import invitation_text
from dialogs.in_place import buttons_in_place, edit_in_place
from dialogs.refusals import not_for_you
from dialogs.render.buttons import rsvp_buttons
from dialogs.render.labels import language_name
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.states import AddingApplicant


def _already(name: str) -> str:
    return _("{name} staat al in de kring.").format(name=name)


async def start(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    replies: Replies,
) -> None:
    people = await uow.invitees.of_conference(conference.id)
    if applicant_of(conference, people) is not None:  # an old view's button, tapped again
        replies.send(callback.answer(_already(conference.applicant_name), show_alert=True))
        return
    replies.send(callback.answer())
    await state.set_state(AddingApplicant.relation)
    await state.set_data({"conference": conference.id})
    replies.send(
        message.answer(
            _(
                "Wat is {name} van de hoofdpersoon? Bijvoorbeeld: "
                "vader, tante, buurvrouw, gezinsvoogd."
            ).format(name=escape(conference.applicant_name))
        )
    )


async def typed_relation(
    message: Message, state: FSMContext, uow: UnitOfWork, replies: Replies
) -> None:
    try:
        relation = clean_text(Field.SUBJECT_NAME, message.text or "")
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
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
        replies.send(message.answer(text, reply_markup=markup))
        return
    await state.set_state(AddingApplicant.group)
    text, markup = group_question(request.applicant_name)
    replies.send(message.answer(text, reply_markup=markup))


async def group_chosen(
    callback: CallbackQuery,
    callback_data: InviteeChoice,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    await state.update_data(group=callback_data.value)
    await state.set_state(AddingApplicant.must_attend)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    text, markup = must_attend_question()
    replies.send(edit_in_place(message, text, reply_markup=markup))


async def must_attend_chosen(
    callback: CallbackQuery,
    callback_data: InviteeChoice,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    """The last answer: the applicant joins the circle."""
    data = await state.get_data()
    await state.clear()
    try:
        request, invitee = await invite_applicant(
            uow,
            person.id,
            ConferenceId(data["conference"]),
            data["relation"],
            Group(data["group"]),
            callback_data.value == "yes",
            now(),
        )
    except AccessDenied:  # no longer their conference
        replies.send(
            callback.answer(
                _("Dit is alleen voor de coördinator van deze conferentie."), show_alert=True
            )
        )
        return
    except AlreadyInCircle as already:
        replies.send(callback.answer(_already(already.invitee.name), show_alert=True))
        replies.send(buttons_in_place(message, reply_markup=None))
        return
    except ApplicantUnknown:
        replies.send(
            callback.answer(
                _(
                    "Ik kan de aanvrager niet bereiken. Voeg de aanvrager toe "
                    "met ➕ Persoon toevoegen en geef een link."
                ),
                show_alert=True,
            )
        )
        return
    await send_invitation(uow, i18n, person, request, invitee)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        edit_in_place(
            message,
            _("{name} staat in de kring ✓").format(name=escape(invitee.name))
            + "\n"
            + _(
                "{name} krijgt de uitnodiging in de chat ({language}). Een link is niet nodig."
            ).format(
                name=escape(invitee.name),
                language=language_name(invitee.locale, i18n.current_locale),
            ),
        )
    )


async def earlier_choice(callback: CallbackQuery, replies: Replies) -> None:
    """A button of a question already answered (or of another one)."""
    replies.send(callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True))


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
    r.callback_query.filter(ButtonsOf(AddApplicant, InviteeChoice))
    on_message = UnderMessage()
    r.callback_query.register(start, AddApplicant.filter(), CoordinatorOf(), on_message)
    r.callback_query.register(not_for_you, AddApplicant.filter())
    r.message.register(typed_relation, StateFilter(AddingApplicant.relation), TypedWords())
    groups = InviteeChoice.filter(F.value.in_({group.value for group in Group}))
    r.callback_query.register(group_chosen, StateFilter(AddingApplicant.group), groups, on_message)
    answers = InviteeChoice.filter(F.value.in_({"yes", "no"}))
    r.callback_query.register(
        must_attend_chosen, StateFilter(AddingApplicant.must_attend), answers, on_message
    )
    r.callback_query.register(earlier_choice, StateFilter(AddingApplicant), InviteeChoice.filter())
    return r
