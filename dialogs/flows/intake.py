"""The intake: one question at a time, typed answers and buttons, back and skip."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiogram import F, Router
from aiogram.filters import Filter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)

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
from dialogs.filters import ButtonsOf, HasContact, HasText
from dialogs.flows.start import show_welcome
from dialogs.in_place import buttons_in_place
from dialogs.intake_draft import answered, current_step, load_draft, reask, save_draft, show
from dialogs.render.intake_questions import contact_labels, prompt
from dialogs.render.texts import _, ngettext
from dialogs.replies import Replies
from dialogs.states import Intake

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


class CurrentQuestion(Filter):
    """A button of the question we are at: buttons on older messages stay on screen, and what
    the phone sends is not to be trusted. The handler gets the question as `step` and the
    message the button is on as `chat` (an `InaccessibleMessage` when it is old: see
    dialogs/in_place.py); a button of another question falls through to
    `earlier_question`."""

    async def __call__(
        self, callback: CallbackQuery, callback_data: Answer | Nav, state: FSMContext
    ) -> bool | dict[str, Any]:
        step = await current_step(state)
        chat = callback.message
        if step is None or step.value != callback_data.field or chat is None:
            return False
        return {"step": step, "chat": chat}


async def earlier_question(callback: CallbackQuery, replies: Replies) -> None:
    replies.send(
        callback.answer(
            _("Die knop hoort bij een eerdere vraag. Kijk bij het laatste bericht."),
            show_alert=True,
        )
    )


async def back(
    callback: CallbackQuery,
    state: FSMContext,
    step: Field,
    chat: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    draft = await load_draft(state)
    target = previous_step(draft, step)
    if target is None:
        await state.set_state(None)
        await show_welcome(replies, chat)
        return
    await show(replies, chat, state, draft, target, edit=True)


async def skip(
    callback: CallbackQuery,
    state: FSMContext,
    step: Field,
    chat: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    if step not in OPTIONAL_FIELDS:
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    draft = (await load_draft(state)).with_answer(step, **{step.value: None})
    await answered(replies, chat, state, draft, step, edit=True)


async def languages_done(
    callback: CallbackQuery,
    state: FSMContext,
    step: Field,
    chat: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    if step is not Field.LANGUAGES:
        return
    draft = await load_draft(state)
    if not draft.languages:
        replies.send(callback.answer(_("Kies minstens één taal, of typ er een."), show_alert=True))
        return
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await answered(
        replies, chat, state, draft.with_answer(Field.LANGUAGES), Field.LANGUAGES, edit=True
    )


async def role_chosen(
    callback: CallbackQuery,
    callback_data: Answer,
    state: FSMContext,
    chat: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    role = ApplicantRole(callback_data.value)
    draft = (await load_draft(state)).with_answer(Field.ROLE, role=role)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await answered(replies, chat, state, draft, Field.ROLE, edit=True)


async def model_chosen(
    callback: CallbackQuery,
    callback_data: Answer,
    state: FSMContext,
    chat: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    model = ConferenceModel(callback_data.value)
    draft = (await load_draft(state)).with_answer(Field.MODEL, model=model)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await answered(replies, chat, state, draft, Field.MODEL, edit=True)


async def language_toggled(
    callback: CallbackQuery,
    callback_data: Answer,
    state: FSMContext,
    chat: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    try:
        draft = toggle_language(await load_draft(state), callback_data.value)
    except InvalidAnswer as error:
        replies.send(callback.answer(problem_text(error), show_alert=True))
        return
    await save_draft(state, draft)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    markup = prompt(Field.LANGUAGES, draft)[1]
    if isinstance(markup, InlineKeyboardMarkup):  # the languages step's always is
        replies.send(buttons_in_place(chat, reply_markup=markup))


async def consent_given(
    callback: CallbackQuery,
    state: FSMContext,
    chat: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    draft = (await load_draft(state)).with_answer(Field.CONSENT, consent=True)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    await answered(replies, chat, state, draft, Field.CONSENT, edit=True)


async def consent_refused(
    callback: CallbackQuery,
    state: FSMContext,
    chat: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    await reask(
        replies,
        chat,
        state,
        _(
            "Dat begrijp ik. Zonder je toestemming kunnen we de aanvraag niet "
            "bewaren of doorgeven. Wil je toch doorgaan, tik dan op 'Ja, ik ga "
            "akkoord'. Met /cancel stop je, en dan bewaren we niets."
        ),
    )


async def unknown_choice(callback: CallbackQuery, replies: Replies) -> None:
    """A choice the current question does not offer."""
    replies.send(callback.answer(_("Die keuze ken ik niet."), show_alert=True))


async def contact(message: Message, state: FSMContext, replies: Replies) -> None:
    shared = message.contact
    assert shared is not None and message.from_user is not None
    if shared.user_id != message.from_user.id:
        await reask(
            replies,
            message,
            state,
            _("Deel alsjeblieft je eigen nummer met de knop, of kies 'Alleen via Telegram'."),
        )
        return
    phone = "+" + re.sub(r"\D", "", shared.phone_number)[:20]
    draft = (await load_draft(state)).with_answer(Field.CONTACT, phone=phone, contact_given=True)
    await answered(replies, message, state, draft, Field.CONTACT)


async def contact_text(message: Message, state: FSMContext, replies: Replies) -> None:
    _share, telegram_only, back_label = contact_labels()
    draft = await load_draft(state)
    if message.text == telegram_only:
        draft = draft.with_answer(Field.CONTACT, phone=None, contact_given=True)
        await answered(replies, message, state, draft, Field.CONTACT)
    elif message.text == back_label:
        await show(replies, message, state, draft, previous_step(draft, Field.CONTACT))
    else:
        await reask(replies, message, state, _("Tik op een van de knoppen onder in je scherm."))


async def typed(message: Message, state: FSMContext, replies: Replies) -> None:
    step = await current_step(state)
    text = message.text or ""
    if step is None:
        return
    if text.startswith("/"):
        await reask(replies, message, state, _("Dat commando ken ik hier niet. We waren hier:"))
        return
    if step in CHOICE_STEPS:
        await reask(replies, message, state, _("Kies een van de knoppen hieronder alsjeblieft."))
        return
    draft = await load_draft(state)
    try:
        draft = _typed_answer(step, draft, text)
    except InvalidAnswer as error:
        await reask(replies, message, state, problem_text(error))
        return
    if step is Field.LANGUAGES:  # a typed language is added; the list stays open
        await save_draft(state, draft)
        await show(replies, message, state, draft, step, saved=True)
        return
    await answered(replies, message, state, draft, step)


async def not_text(message: Message, state: FSMContext, replies: Replies) -> None:
    if await current_step(state) is None:
        await reask(replies, message, state, _("Gebruik de knoppen hieronder alsjeblieft."))
    else:
        await reask(
            replies,
            message,
            state,
            _("Dat kan ik hier niet gebruiken. Typ je antwoord als tekst alsjeblieft."),
        )


def router() -> Router:
    r = Router(name="intake")
    r.callback_query.filter(ButtonsOf(Answer, Nav))
    r.message.filter(StateFilter(Intake))
    r.callback_query.filter(StateFilter(Intake))
    current = CurrentQuestion()
    r.callback_query.register(back, Nav.filter(F.action == "back"), current)
    r.callback_query.register(skip, Nav.filter(F.action == "skip"), current)
    r.callback_query.register(languages_done, Nav.filter(F.action == "done"), current)
    roles = Answer.filter(
        (F.field == Field.ROLE) & F.value.in_({role.value for role in ApplicantRole})
    )
    r.callback_query.register(role_chosen, roles, current)
    models = Answer.filter(
        (F.field == Field.MODEL) & F.value.in_({model.value for model in ConferenceModel})
    )
    r.callback_query.register(model_chosen, models, current)
    r.callback_query.register(language_toggled, Answer.filter(F.field == Field.LANGUAGES), current)
    consent = Answer.filter((F.field == Field.CONSENT) & (F.value == "yes"))
    r.callback_query.register(consent_given, consent, current)
    refused = Answer.filter((F.field == Field.CONSENT) & (F.value == "no"))
    r.callback_query.register(consent_refused, refused, current)
    r.callback_query.register(unknown_choice, Answer.filter(), current)
    r.callback_query.register(earlier_question, Nav.filter(F.action.in_({"back", "skip", "done"})))
    r.callback_query.register(earlier_question, Answer.filter())
    r.message.register(contact, StateFilter(Intake.contact), HasContact())
    r.message.register(contact_text, StateFilter(Intake.contact), HasText())
    r.message.register(typed, HasText(), ~StateFilter(Intake.review))
    r.message.register(not_text)
    return r


def _typed_answer(step: Field, draft: RequestDraft, text: str) -> RequestDraft:
    if step is Field.SUBJECT_AGE:
        return draft.with_answer(step, subject_age=parse_age(text))
    if step is Field.LANGUAGES:
        name = clean_text(step, text)
        return draft if name in draft.languages else toggle_language(draft, name)
    return draft.with_answer(step, **{step.value: clean_text(step, text)})
