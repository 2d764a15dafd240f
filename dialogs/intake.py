"""The intake: one question at a time, typed answers and buttons, back and skip."""

from __future__ import annotations

import re
from collections.abc import Callable

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InaccessibleMessage, InlineKeyboardMarkup, Message

from conference.errors import InvalidAnswer, Problem
from conference.intake import (
    OPTIONAL_FIELDS,
    clean_text,
    parse_age,
    previous_step,
    toggle_language,
)
from conference.model.request import ApplicantRole, ConferenceModel, Field, RequestDraft
from dialogs.callbacks import Answer, Nav
from dialogs.filters import HasContact, HasText
from dialogs.flow import answered, current_step, load_draft, reask, save_draft, show
from dialogs.intake_prompts import contact_labels, prompt
from dialogs.start import show_welcome
from dialogs.states import Intake
from dialogs.texts import _, ngettext

CHOICE_STEPS = (Field.ROLE, Field.MODEL, Field.CONSENT)


def problem_text(error: InvalidAnswer) -> str:
    limit = error.limit or 0
    texts: dict[Problem, Callable[[], str]] = {
        Problem.EMPTY: lambda: _("Ik zie geen antwoord. Typ je antwoord alsjeblieft."),
        Problem.TOO_LONG: lambda: ngettext(
            "Dat is wat lang: hier past {limit} teken, jouw tekst heeft er {length}. "
            "Kun je het korter zeggen?",
            "Dat is wat lang: hier passen {limit} tekens, jouw tekst heeft er {length}. "
            "Kun je het korter zeggen?",
            limit,
        ).format(limit=limit, length=error.length),
        Problem.TOO_SHORT: lambda: ngettext(
            "Dat is wat kort. Kun je het iets uitgebreider zeggen (minstens {limit} teken)?",
            "Dat is wat kort. Kun je het iets uitgebreider zeggen (minstens {limit} tekens)?",
            limit,
        ).format(limit=limit),
        Problem.NOT_A_NUMBER: lambda: _(
            "Typ de leeftijd als getal, bijvoorbeeld 8. Of tik op 'Overslaan'."
        ),
        Problem.OUT_OF_RANGE: lambda: _(
            "Dat lijkt me geen leeftijd. Typ een getal van 0 tot {limit}."
        ).format(limit=error.limit),
        Problem.NO_LETTERS: lambda: _("Typ het met letters alsjeblieft."),
        Problem.TOO_MANY: lambda: ngettext(
            "Je kunt hoogstens {limit} taal kiezen.",
            "Je kunt hoogstens {limit} talen kiezen.",
            limit,
        ).format(limit=limit),
    }
    return texts[error.problem]()


def _chat(callback: CallbackQuery) -> Message | None:
    message = callback.message
    return None if message is None or isinstance(message, InaccessibleMessage) else message


async def _current(
    callback: CallbackQuery, state: FSMContext, field: str
) -> tuple[Field, Message] | None:
    """The question a button belongs to must be the one we are at: buttons on older
    messages stay on screen, and what the phone sends is not to be trusted. With the step, the
    message the button is on."""
    step = await current_step(state)
    chat = _chat(callback)
    if step is None or step.value != field or chat is None:
        await callback.answer(
            _("Die knop hoort bij een eerdere vraag. Kijk bij het laatste bericht."),
            show_alert=True,
        )
        return None
    return step, chat


def router() -> Router:
    r = Router(name="intake")
    r.message.filter(StateFilter(Intake))
    r.callback_query.filter(StateFilter(Intake))

    @r.callback_query(Nav.filter(F.action == "back"))
    async def back(callback: CallbackQuery, callback_data: Nav, state: FSMContext) -> None:
        if (current := await _current(callback, state, callback_data.field)) is None:
            return
        step, chat = current
        await callback.answer()
        draft = await load_draft(state)
        target = previous_step(draft, step)
        if target is None:
            await state.set_state(None)
            await show_welcome(chat)
            return
        await show(chat, state, draft, target, edit=True)

    @r.callback_query(Nav.filter(F.action == "skip"))
    async def skip(callback: CallbackQuery, callback_data: Nav, state: FSMContext) -> None:
        current = await _current(callback, state, callback_data.field)
        if current is None or current[0] not in OPTIONAL_FIELDS:
            return
        step, chat = current
        await callback.answer(_("Opgeslagen ✓"))
        draft = (await load_draft(state)).with_answer(step, **{step.value: None})
        await answered(chat, state, draft, step, edit=True)

    @r.callback_query(Nav.filter(F.action == "done"))
    async def languages_done(
        callback: CallbackQuery, callback_data: Nav, state: FSMContext
    ) -> None:
        current = await _current(callback, state, callback_data.field)
        if current is None or current[0] is not Field.LANGUAGES:
            return
        chat = current[1]
        draft = await load_draft(state)
        if not draft.languages:
            await callback.answer(_("Kies minstens één taal, of typ er een."), show_alert=True)
            return
        await callback.answer(_("Opgeslagen ✓"))
        await answered(chat, state, draft.with_answer(Field.LANGUAGES), Field.LANGUAGES, edit=True)

    @r.callback_query(Answer.filter())
    async def chosen(callback: CallbackQuery, callback_data: Answer, state: FSMContext) -> None:
        if (current := await _current(callback, state, callback_data.field)) is None:
            return
        step, chat = current
        draft = await load_draft(state)
        value = callback_data.value
        try:
            if step is Field.ROLE:
                draft = draft.with_answer(step, role=ApplicantRole(value))
            elif step is Field.MODEL:
                draft = draft.with_answer(step, model=ConferenceModel(value))
            elif step is Field.LANGUAGES:
                draft = toggle_language(draft, value)
                await save_draft(state, draft)
                await callback.answer(_("Opgeslagen ✓"))
                markup = prompt(step, draft)[1]
                if isinstance(markup, InlineKeyboardMarkup):  # the languages step's always is
                    await chat.edit_reply_markup(reply_markup=markup)
                return
            elif step is Field.CONSENT and value in ("yes", "no"):
                if value == "no":
                    await callback.answer()
                    await reask(
                        chat,
                        state,
                        _(
                            "Dat begrijp ik. Zonder je toestemming kunnen we de aanvraag niet "
                            "bewaren of doorgeven. Wil je toch doorgaan, tik dan op 'Ja, ik ga "
                            "akkoord'. Met /cancel stop je, en dan bewaren we niets."
                        ),
                    )
                    return
                draft = draft.with_answer(step, consent=True)
            else:
                raise ValueError(value)
        except InvalidAnswer as error:
            await callback.answer(problem_text(error), show_alert=True)
            return
        except ValueError:
            await callback.answer(_("Die keuze ken ik niet."), show_alert=True)
            return
        await callback.answer(_("Opgeslagen ✓"))
        await answered(chat, state, draft, step, edit=True)

    @r.message(StateFilter(Intake.contact), HasContact())
    async def contact(message: Message, state: FSMContext) -> None:
        shared = message.contact
        assert shared is not None and message.from_user is not None
        if shared.user_id != message.from_user.id:
            await reask(
                message,
                state,
                _("Deel alsjeblieft je eigen nummer met de knop, of kies 'Alleen via Telegram'."),
            )
            return
        phone = "+" + re.sub(r"\D", "", shared.phone_number)[:20]
        draft = (await load_draft(state)).with_answer(
            Field.CONTACT, phone=phone, contact_given=True
        )
        await answered(message, state, draft, Field.CONTACT)

    @r.message(StateFilter(Intake.contact), HasText())
    async def contact_text(message: Message, state: FSMContext) -> None:
        _share, telegram_only, back_label = contact_labels()
        draft = await load_draft(state)
        if message.text == telegram_only:
            draft = draft.with_answer(Field.CONTACT, phone=None, contact_given=True)
            await answered(message, state, draft, Field.CONTACT)
        elif message.text == back_label:
            await show(message, state, draft, previous_step(draft, Field.CONTACT))
        else:
            await reask(message, state, _("Tik op een van de knoppen onder in je scherm."))

    @r.message(HasText(), ~StateFilter(Intake.review))
    async def typed(message: Message, state: FSMContext) -> None:
        step = await current_step(state)
        text = message.text or ""
        if step is None:
            return
        if text.startswith("/"):
            await reask(message, state, _("Dat commando ken ik hier niet. We waren hier:"))
            return
        if step in CHOICE_STEPS:
            await reask(message, state, _("Kies een van de knoppen hieronder alsjeblieft."))
            return
        draft = await load_draft(state)
        try:
            draft = _typed_answer(step, draft, text)
        except InvalidAnswer as error:
            await reask(message, state, problem_text(error))
            return
        if step is Field.LANGUAGES:  # a typed language is added; the list stays open
            await save_draft(state, draft)
            await show(message, state, draft, step, saved=True)
            return
        await answered(message, state, draft, step)

    @r.message()
    async def not_text(message: Message, state: FSMContext) -> None:
        if await current_step(state) is None:
            await reask(message, state, _("Gebruik de knoppen hieronder alsjeblieft."))
        else:
            await reask(
                message,
                state,
                _("Dat kan ik hier niet gebruiken. Typ je antwoord als tekst alsjeblieft."),
            )

    return r


def _typed_answer(step: Field, draft: RequestDraft, text: str) -> RequestDraft:
    if step is Field.SUBJECT_AGE:
        return draft.with_answer(step, subject_age=parse_age(text))
    if step is Field.LANGUAGES:
        name = clean_text(step, text)
        return draft if name in draft.languages else toggle_language(draft, name)
    return draft.with_answer(step, **{step.value: clean_text(step, text)})
