"""The minimum requirement, set or changed before the meeting by a professional of the circle
(the youth-care worker involved, say, when a grandparent applied). Everyone in the family who
was invited before hears it through the outbox, in their own language; whoever is invited
later reads it in their invitation."""

from __future__ import annotations

from html import escape

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

from conference.circle import set_minimum_requirement
from conference.errors import AccessDenied, InvalidAnswer, NotFound, TooLate
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId, PersonId
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from dialogs.callbacks import AskMinimum, MinimumStart
from dialogs.clock import now
from dialogs.filters import ButtonsOf, CoordinatorOf, OwnInvitation, TypedWords, UnderMessage
from dialogs.flows.intake import problem_text
from dialogs.in_place import edit_in_place
from dialogs.refusals import not_for_you, not_yours
from dialogs.render.buttons import minimum_button
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.states import SettingMinimum


async def start(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    replies: Replies,
) -> None:
    if invitee.group is not Group.PROFESSIONAL:
        replies.send(
            callback.answer(_("Dit is alleen voor een professional in de kring."), show_alert=True)
        )
        return
    replies.send(callback.answer())
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
    replies.send(message.answer(text))


async def typed(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    conference = ConferenceId((await state.get_data()).get("minimum_for") or 0)
    try:
        request, told = await set_minimum_requirement(
            uow, person.id, conference, message.text or "", now()
        )
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    except (AccessDenied, NotFound, TooLate):
        await state.set_state(None)
        replies.send(
            message.answer(
                _("Dat kan niet (meer): de conferentie is begonnen, of dit is niet voor jou.")
            )
        )
        return
    await state.set_state(None)
    await tell_minimum(uow, i18n, person.id, request, told)
    replies.send(
        message.answer(
            _(
                "Opgeslagen ✓ Wie al is uitgenodigd, krijgt het bericht. Wie later "
                "wordt uitgenodigd, leest het in de uitnodiging."
            )
        )
    )


async def tell_minimum(
    uow: UnitOfWork, i18n: I18n, by: PersonId, request: ConferenceRequest, told: list[Invitee]
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
        Batch(kind="minimum", created_by=by, conference_id=request.id), messages, now()
    )


def ask_button(conference: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=_("⚖️ Minimumeis vragen"), callback_data=AskMinimum(conference=conference).pack()
        )
    ]


async def choose_professional(
    callback: CallbackQuery,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    replies: Replies,
) -> None:
    """The coordinator asks for the minimum requirement: first, which professional."""
    professionals = await _reachable_professionals(uow, conference.id)
    replies.send(callback.answer())
    replies.send(
        message.answer(
            _("Welke professional vragen we om de minimumeis?")
            if professionals
            else _("Er is nog geen professional in de kring die de uitnodiging opende."),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=p.name,
                            callback_data=AskMinimum(
                                conference=conference.id, invitee=p.id
                            ).pack(),
                        )
                    ]
                    for p in professionals[:20]
                ]
            ),
        )
    )


async def ask(
    callback: CallbackQuery,
    callback_data: AskMinimum,
    conference: ConferenceRequest,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    """The coordinator asks the chosen professional of the circle to set (or change) it."""
    professionals = await _reachable_professionals(uow, conference.id)
    chosen = next((p for p in professionals if p.id == callback_data.invitee), None)
    if chosen is None or chosen.person_id is None:
        replies.send(callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True))
        return
    with i18n.use_locale(chosen.locale):
        text = _(
            "Hallo {name}, de coördinator vraagt je om de minimumeis voor de Eigen "
            "Kracht-conferentie te geven, als die er is."
        ).format(name=escape(chosen.name))
        button = minimum_button(chosen.id)[0]
    row = ((button.text, button.callback_data or ""),)
    await uow.outbox.enqueue(
        Batch(kind="note", created_by=person.id, conference_id=conference.id),
        [Outbound(chosen.person_id, chosen.id, (Text(text, (row,)),))],
        now(),
    )
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        edit_in_place(message, _("{name} krijgt de vraag.").format(name=escape(chosen.name)))
    )


async def _reachable_professionals(uow: UnitOfWork, conference: ConferenceId) -> list[Invitee]:
    """The circle's professionals the bot can write to."""
    return [
        p
        for p in await uow.invitees.of_conference(conference)
        if p.group is Group.PROFESSIONAL and p.person_id is not None and p.reachable
    ]


def router() -> Router:
    r = Router(name="minimum")
    r.callback_query.filter(ButtonsOf(AskMinimum, MinimumStart))
    r.callback_query.register(start, MinimumStart.filter(), OwnInvitation())
    r.callback_query.register(not_yours, MinimumStart.filter())
    r.callback_query.register(
        choose_professional, AskMinimum.filter(F.invitee == 0), CoordinatorOf(), UnderMessage()
    )
    r.callback_query.register(
        ask, AskMinimum.filter(F.invitee != 0), CoordinatorOf(), UnderMessage()
    )
    r.callback_query.register(not_for_you, AskMinimum.filter())
    r.message.register(typed, StateFilter(SettingMinimum.text), TypedWords())
    return r
