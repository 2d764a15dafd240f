"""Moving through the intake: load and save the draft, show a question or the summary."""

from __future__ import annotations

from aiogram.fsm.context import FSMContext
from aiogram.types import (
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    ReplyKeyboardRemove,
)

from conference.intake import first_unanswered, steps_for
from conference.model.request import Field, RequestDraft
from dialogs.in_place import edit_in_place
from dialogs.render.intake_questions import Markup, prompt, review
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.states import Intake, state_for, step_of


async def load_draft(state: FSMContext) -> RequestDraft:
    return RequestDraft.from_dict((await state.get_data()).get("draft") or {})


async def save_draft(state: FSMContext, draft: RequestDraft) -> None:
    await state.update_data(draft=draft.to_dict())


async def current_step(state: FSMContext) -> Field | None:
    return step_of(await state.get_state())


def after(draft: RequestDraft, answered: Field) -> Field | None:
    """Where to go after an answer: the next open question, else the summary. Going back and
    changing one answer therefore never asks the later questions again."""
    steps = steps_for(draft)
    if answered in steps:
        for step in steps[steps.index(answered) + 1 :]:
            if step not in draft.answered:
                return step
    return first_unanswered(draft)


async def show(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    draft: RequestDraft,
    step: Field | None,
    saved: bool = False,
    edit: bool = False,
) -> None:
    """Ask `step` (None: the summary). With `edit`, `chat` is the bot's message whose button
    was pressed, and it turns into the next question in place (one message, not two)."""
    previous = await current_step(state)
    markup: Markup
    if step is None:
        await state.set_state(Intake.review)
        text, markup = review(draft)
    else:
        await state.set_state(state_for(step))
        text, markup = prompt(step, draft)
    if previous is Field.CONTACT and step is not Field.CONTACT:
        # the contact step used the phone's own keyboard: take it away again
        note = _("Opgeslagen ✓") if saved else _("Een stap terug.")
        replies.send(chat.answer(note, reply_markup=ReplyKeyboardRemove()))
    elif saved:
        text = _("Opgeslagen ✓") + "\n\n" + text
    if edit and isinstance(markup, InlineKeyboardMarkup):
        replies.send(edit_in_place(chat, text, reply_markup=markup))
    else:
        replies.send(chat.answer(text, reply_markup=markup))


async def answered(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    draft: RequestDraft,
    step: Field,
    edit: bool = False,
) -> None:
    await save_draft(state, draft)
    await show(replies, chat, state, draft, after(draft, step), saved=True, edit=edit)


async def reask(
    replies: Replies,
    chat: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    note: str | None = None,
) -> None:
    """Say what went wrong (kindly) and show the current question again."""
    draft = await load_draft(state)
    step = await current_step(state)
    if note:
        replies.send(chat.answer(note))
    await show(replies, chat, state, draft, step)
