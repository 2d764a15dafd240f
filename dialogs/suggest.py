"""'Who else should be asked?' An invited person suggests someone; the coordinator hears it
and adds them to the circle or not (the circle grows, the family decides)."""

from __future__ import annotations

from html import escape

from aiogram import Bot, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from conference.circle import decide_suggestion, suggest
from conference.intake import Field, InvalidAnswer, clean_text
from conference.model import Person
from conference.ports import UnitOfWork
from conference.requests import AccessDenied, NotFound
from dialogs.button_text import button_text
from dialogs.callbacks import SuggestionDecision, SuggestStart
from dialogs.circle import ask_relation
from dialogs.clock import now
from dialogs.filters import HasText
from dialogs.intake import problem_text
from dialogs.outbound import deliver
from dialogs.replies import Replies
from dialogs.states import Suggest
from dialogs.texts import _


def suggest_button(invitee: int) -> list[InlineKeyboardButton]:
    return [
        InlineKeyboardButton(
            text=button_text("➕ Wie moeten we nog vragen?"),
            callback_data=SuggestStart(invitee=invitee).pack(),
        )
    ]


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


def router() -> Router:
    r = Router(name="suggest")

    @r.callback_query(SuggestStart.filter(), ~StateFilter(Suggest.reach))
    async def start(
        callback: CallbackQuery,
        callback_data: SuggestStart,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
    ) -> None:
        invitee = await uow.invitees.get(callback_data.invitee)
        if invitee is None or invitee.person_id != person.id:
            await callback.answer(_("Deze uitnodiging is niet van jou."), show_alert=True)
            return
        await callback.answer()
        await state.set_state(Suggest.name)
        await state.set_data({"invitee": invitee.id})
        if isinstance(callback.message, Message):
            await callback.message.answer(_("Wie zou er nog bij moeten zijn? Typ de naam."))

    @r.message(StateFilter(Suggest.name, Suggest.relation), HasText())
    async def typed(message: Message, state: FSMContext) -> None:
        try:
            value = clean_text(Field.SUBJECT_NAME, message.text or "")
        except InvalidAnswer as error:
            await message.answer(problem_text(error))
            return
        if await state.get_state() == Suggest.name.state:
            await state.update_data(name=value)
            await state.set_state(Suggest.relation)
            await message.answer(
                _(
                    "Wie is {name} voor de familie? Bijvoorbeeld: opa, buurvrouw, voetbaltrainer."
                ).format(name=escape(value))
            )
            return
        await state.update_data(relation=value)
        await state.set_state(Suggest.reach)
        await message.answer(
            _(
                "Hoe kan de coördinator {name} bereiken? Bijvoorbeeld een "
                "telefoonnummer. Alleen de coördinator ziet het."
            ).format(name=escape((await state.get_data())["name"])),
            reply_markup=_skip(),
        )

    @r.message(StateFilter(Suggest.reach), HasText())
    async def reach(
        message: Message,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        bot: Bot,
        i18n: I18n,
        default_locale: str,
    ) -> None:
        try:
            how = clean_text(Field.COORDINATOR_PREFERENCE, message.text or "")[:200]
        except InvalidAnswer as error:
            await message.answer(problem_text(error))
            return
        await _done(message, state, uow, person, bot, i18n, default_locale, how)

    @r.callback_query(StateFilter(Suggest.reach), SuggestStart.filter())
    async def unknown(
        callback: CallbackQuery,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        bot: Bot,
        i18n: I18n,
        default_locale: str,
    ) -> None:
        await callback.answer()
        if isinstance(callback.message, Message):
            await _done(callback.message, state, uow, person, bot, i18n, default_locale, None)

    @r.callback_query(SuggestionDecision.filter())
    async def decided(
        callback: CallbackQuery,
        callback_data: SuggestionDecision,
        state: FSMContext,
        uow: UnitOfWork,
        person: Person,
        replies: Replies,
    ) -> None:
        try:
            found = await decide_suggestion(uow, person.id, callback_data.id, callback_data.accept)
        except (AccessDenied, NotFound):
            await callback.answer(
                _("Hierover is al beslist, of het is niet voor jou."), show_alert=True
            )
            return
        await callback.answer(_("Opgeslagen ✓"))
        if not isinstance(callback.message, Message):
            return
        await callback.message.edit_reply_markup(reply_markup=None)
        if not callback_data.accept:
            await callback.message.answer(
                _("Genoteerd: {name} nu niet. Opgeslagen ✓").format(name=escape(found.name))
            )
            return
        # Into the usual "add a person" questions, with the name filled in; the relation as
        # the family typed it is offered, but the coordinator's view is in their own words.
        await state.set_data(
            {"conference": found.conference_id, "name": found.name, "suggested": found.relation}
        )
        await ask_relation(replies, callback.message, state, found.name, found.relation)

    return r


async def _done(
    chat: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    bot: Bot,
    i18n: I18n,
    default_locale: str,
    how: str | None,
) -> None:
    data = await state.get_data()
    try:
        made = await suggest(
            uow, person.id, int(data.get("invitee", 0)), data["name"], data["relation"], how, now()
        )
    except (NotFound, KeyError):
        await state.clear()
        await chat.answer(_("Deze uitnodiging is niet van jou."))
        return
    await state.clear()
    await chat.answer(_("Dank je! De coördinator bespreekt het met de familie. Opgeslagen ✓"))
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
    await deliver(bot, uow, request.coordinator_id, text, markup)
