"""'Who else should be asked?' An invited person suggests someone; the coordinator hears it
and adds them to the circle or not (the circle grows, the family decides)."""

from __future__ import annotations

from html import escape

from aiogram import Router
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

from conference.circle import decide_suggestion, suggest
from conference.errors import AccessDenied, InvalidAnswer, NotFound
from conference.intake import clean_text
from conference.model.circle import Invitee, Suggestion
from conference.model.people import Person
from conference.model.request import Field
from conference.ports import UnitOfWork
from dialogs.callbacks import SuggestionDecision, SuggestStart
from dialogs.clock import now
from dialogs.filters import ButtonsOf, HasText, OwnInvitation, UnderMessage
from dialogs.flows.circle import ask_relation
from dialogs.flows.intake import problem_text
from dialogs.in_place import buttons_in_place
from dialogs.refusals import not_yours
from dialogs.render.button_text import button_text
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.states import Suggest
from dialogs.to_others import notify


def _skip() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=button_text("Weet ik niet"), callback_data=SuggestStart(invitee=0).pack()
                )
            ]
        ]
    )


async def start(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await state.set_state(Suggest.name)
    await state.set_data({"invitee": invitee.id})
    replies.send(message.answer(_("Wie zou er nog bij moeten zijn? Typ de naam.")))


async def typed(message: Message, state: FSMContext, replies: Replies) -> None:
    """Their name, then what they are to the family."""
    try:
        value = clean_text(Field.SUBJECT_NAME, message.text or "")
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    if await state.get_state() == Suggest.name.state:
        await state.update_data(name=value)
        await state.set_state(Suggest.relation)
        replies.send(
            message.answer(
                _(
                    "Wie is {name} voor de familie? Bijvoorbeeld: opa, buurvrouw, voetbaltrainer."
                ).format(name=escape(value))
            )
        )
        return
    await state.update_data(relation=value)
    await state.set_state(Suggest.reach)
    replies.send(
        message.answer(
            _(
                "Hoe kan de coördinator {name} bereiken? Bijvoorbeeld een "
                "telefoonnummer. Alleen de coördinator ziet het."
            ).format(name=escape((await state.get_data())["name"])),
            reply_markup=_skip(),
        )
    )


async def reach(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    default_locale: str,
    replies: Replies,
) -> None:
    """How the coordinator can reach them, typed."""
    try:
        how = clean_text(Field.COORDINATOR_PREFERENCE, message.text or "")[:200]
    except InvalidAnswer as error:
        replies.send(message.answer(problem_text(error)))
        return
    await _done(message, state, uow, person, i18n, default_locale, how, replies)


async def unknown(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    default_locale: str,
    replies: Replies,
) -> None:
    """How to reach them: "I don't know"."""
    replies.send(callback.answer())
    await _done(message, state, uow, person, i18n, default_locale, None, replies)


async def decided(
    callback: CallbackQuery,
    callback_data: SuggestionDecision,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    """The coordinator adds the suggested person, or not now. `decide_suggestion` checks it is
    theirs to decide (the button names the suggestion, not the conference) and not decided."""
    try:
        found = await decide_suggestion(uow, person.id, callback_data.id, callback_data.accept)
    except (AccessDenied, NotFound):
        replies.send(
            callback.answer(_("Hierover is al beslist, of het is niet voor jou."), show_alert=True)
        )
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(buttons_in_place(message, reply_markup=None))
    if not callback_data.accept:
        replies.send(
            message.answer(
                _("Genoteerd: {name} nu niet. Opgeslagen ✓").format(name=escape(found.name))
            )
        )
        return
    # Into the usual "add a person" questions, with the name filled in; the relation as
    # the family typed it is offered, but the coordinator's view is in their own words.
    await state.set_data(
        {"conference": found.conference_id, "name": found.name, "suggested": found.relation}
    )
    await ask_relation(replies, message, state, found.name, found.relation)


async def _done(
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    default_locale: str,
    how: str | None,
    replies: Replies,
) -> None:
    data = await state.get_data()
    try:
        made = await suggest(
            uow, person.id, int(data.get("invitee", 0)), data["name"], data["relation"], how, now()
        )
    except (NotFound, KeyError):
        await state.clear()
        replies.send(chat.answer(_("Deze uitnodiging is niet van jou.")))
        return
    await state.clear()
    replies.send(
        chat.answer(_("Dank je! De coördinator bespreekt het met de familie. Opgeslagen ✓"))
    )
    await tell_of_suggestion(replies, uow, i18n, default_locale, made)


async def tell_of_suggestion(
    replies: Replies, uow: UnitOfWork, i18n: I18n, default_locale: str, made: Suggestion
) -> None:
    """The coordinator hears who was suggested, in their own language, with the buttons to
    decide (the chat's and the web page's suggestions alike)."""
    request = await uow.conferences.get(made.conference_id)
    if request is None or request.coordinator_id is None:
        return
    coordinator = await uow.staff.get(request.coordinator_id)
    locale = (
        coordinator.locale
        if coordinator and coordinator.locale in (i18n.available_locales)
        else default_locale
    )
    with i18n.use_locale(locale):
        text = _("{by} stelt voor om ook {name} ({relation}) te vragen voor {reference}.").format(
            by=escape(made.suggested_by),
            name=escape(made.name),
            relation=escape(made.relation),
            reference=request.reference,
        )
        if made.reach:
            text += "\n" + _("Bereikbaar: {how}").format(how=escape(made.reach))
        markup = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text=_("➕ Toevoegen aan de kring"),
                        callback_data=SuggestionDecision(id=made.id, accept=True).pack(),
                    )
                ],
                [
                    InlineKeyboardButton(
                        text=_("Niet nu"),
                        callback_data=SuggestionDecision(id=made.id, accept=False).pack(),
                    )
                ],
            ]
        )
    notify(replies, request.coordinator_id, text, markup)


def router() -> Router:
    r = Router(name="suggest")
    r.callback_query.filter(ButtonsOf(SuggestStart, SuggestionDecision))
    r.callback_query.register(
        start, SuggestStart.filter(), ~StateFilter(Suggest.reach), OwnInvitation()
    )
    r.message.register(typed, StateFilter(Suggest.name, Suggest.relation), HasText())
    r.message.register(reach, StateFilter(Suggest.reach), HasText())
    r.callback_query.register(
        unknown, StateFilter(Suggest.reach), SuggestStart.filter(), UnderMessage()
    )
    r.callback_query.register(not_yours, SuggestStart.filter())
    r.callback_query.register(decided, SuggestionDecision.filter(), UnderMessage())
    return r
