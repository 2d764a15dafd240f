"""What an invited person needs to be able to come: an interpreter, room for their children,
transport, accessibility. One message that changes in place; every tap is saved at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

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

from conference.circle import MAX_CHILDREN, interpreter_choices, set_interpreter, set_needs
from conference.errors import NotFound
from conference.model.circle import Invitee, Needs
from conference.model.people import Person
from conference.ports import UnitOfWork
from dialogs.callbacks import NeedsStep
from dialogs.filters import ButtonsOf, OwnInvitation, TypedWords
from dialogs.in_place import edit_in_place
from dialogs.refusals import not_yours
from dialogs.render.button_text import button_text
from dialogs.render.labels import current_locale, language_name
from dialogs.render.texts import _, number
from dialogs.replies import Replies
from dialogs.states import NeedsTyping

TOGGLES: dict[str, Callable[[Needs], Needs]] = {
    "childcare": lambda needs: replace(needs, childcare=not needs.childcare),
    "transport": lambda needs: replace(needs, transport=not needs.transport),
    "accessibility": lambda needs: replace(needs, accessibility=not needs.accessibility),
}


_COUNTS = tuple(str(n) for n in range(MAX_CHILDREN + 1))


def _button(text: str, invitee: int, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=NeedsStep(invitee=invitee, action=action, value=value).pack()
    )


def _mark(on: bool) -> str:
    return "✓ " if on else ""


def _menu(invitee: Invitee) -> InlineKeyboardMarkup:
    needs = invitee.needs
    interpreter = (
        language_name(needs.interpreter, current_locale()) if needs.interpreter else _("nee")
    )
    rows = [
        [
            _button(
                button_text("Tolk: {language}").format(language=interpreter),
                invitee.id,
                "interpreter",
            )
        ],
        [
            _button(
                button_text("Kinderen mee: {count}").format(count=needs.children),
                invitee.id,
                "children",
            )
        ],
    ]
    if needs.children:
        rows.append(
            [
                _button(
                    _mark(needs.childcare) + button_text("Kinderopvang nodig"),
                    invitee.id,
                    "toggle",
                    "childcare",
                )
            ]
        )
    rows += [
        [
            _button(
                _mark(needs.transport) + button_text("Hulp bij vervoer"),
                invitee.id,
                "toggle",
                "transport",
            )
        ],
        [
            _button(
                _mark(needs.accessibility) + button_text("Toegankelijk (rolstoel, lift)"),
                invitee.id,
                "toggle",
                "accessibility",
            )
        ],
        [_button(button_text("Klaar ✓"), invitee.id, "done")],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def _title() -> str:
    return _("Wat heb je nodig om te kunnen komen? Tik aan wat geldt.")


async def menu(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    replies.send(callback.answer())
    replies.send(message.answer(_title(), reply_markup=_menu(invitee)))


async def interpreter(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    """The languages to choose an interpreter for."""
    choices = await interpreter_choices(uow, person.id, invitee.id, i18n.available_locales)
    buttons = [
        _button(language_name(code, current_locale()), invitee.id, "language", code)
        for code in choices
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(button_text("✏️ Een andere taal"), invitee.id, "other")])
    rows.append([_button(button_text("Geen tolk nodig"), invitee.id, "language", "-")])
    replies.send(callback.answer())
    replies.send(
        edit_in_place(
            message,
            _("Een tolk voor welke taal?"),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
        )
    )


async def children(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    """How many children come along."""
    counts = [_button(number(n), invitee.id, "count", str(n)) for n in range(MAX_CHILDREN + 1)]
    replies.send(callback.answer())
    replies.send(
        edit_in_place(
            message,
            _(
                "Hoeveel kinderen komen er met je mee? Jij antwoordt "
                "voor hen: ze hebben geen eigen uitnodiging nodig."
            ),
            reply_markup=InlineKeyboardMarkup(inline_keyboard=[counts[:5], counts[5:]]),
        )
    )


async def other_language(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    """A language not among the buttons: they type it (`typed_language`)."""
    await state.set_state(NeedsTyping.language)
    await state.update_data(needs_for=invitee.id)
    replies.send(callback.answer())
    replies.send(message.answer(_("Welke taal? Typ de naam van de taal.")))


async def language(
    callback: CallbackQuery,
    callback_data: NeedsStep,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    """A language for the interpreter, or none ("-")."""
    code = callback_data.value
    if code != "-" and code not in await interpreter_choices(
        uow, person.id, invitee.id, i18n.available_locales
    ):
        await earlier_question(callback, replies)
        return
    changed = replace(invitee.needs, interpreter=None if code == "-" else code)
    await _save(callback, invitee, message, uow, person, changed, replies)


async def count(
    callback: CallbackQuery,
    callback_data: NeedsStep,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    changed = replace(invitee.needs, children=int(callback_data.value))
    await _save(callback, invitee, message, uow, person, changed, replies)


async def toggle(
    callback: CallbackQuery,
    callback_data: NeedsStep,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    changed = TOGGLES[callback_data.value](invitee.needs)
    await _save(callback, invitee, message, uow, person, changed, replies)


async def _save(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    needs: Needs,
    replies: Replies,
) -> None:
    """Saved at once; the menu shows it."""
    invitee = await set_needs(uow, person.id, invitee.id, needs)
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(edit_in_place(message, _title(), reply_markup=_menu(invitee)))


async def done(
    callback: CallbackQuery, message: MaybeInaccessibleMessageUnion, replies: Replies
) -> None:
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(edit_in_place(message, _("Dank je, de coördinator regelt wat kan. Opgeslagen ✓")))


async def earlier_question(callback: CallbackQuery, replies: Replies) -> None:
    """A button of their own that no longer fits (or that this flow does not know)."""
    replies.send(callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True))


async def typed_language(
    message: Message, state: FSMContext, uow: UnitOfWork, person: Person, replies: Replies
) -> None:
    """Another language for the interpreter, kept as they typed it (the coordinator reads it)."""
    invitee_id = (await state.get_data()).get("needs_for")
    await state.set_state(None)
    try:
        invitee = await set_interpreter(uow, person.id, int(invitee_id or 0), message.text)
    except NotFound:
        replies.send(message.answer(_("Deze uitnodiging is niet van jou.")))
        return
    replies.send(message.answer(_title(), reply_markup=_menu(invitee)))


def router() -> Router:
    r = Router(name="needs")
    r.callback_query.filter(ButtonsOf(NeedsStep))
    r.callback_query.register(menu, NeedsStep.filter(F.action == "menu"), OwnInvitation())
    r.callback_query.register(
        interpreter, NeedsStep.filter(F.action == "interpreter"), OwnInvitation()
    )
    r.callback_query.register(children, NeedsStep.filter(F.action == "children"), OwnInvitation())
    r.callback_query.register(
        other_language, NeedsStep.filter(F.action == "other"), OwnInvitation()
    )
    r.callback_query.register(language, NeedsStep.filter(F.action == "language"), OwnInvitation())
    r.callback_query.register(
        count, NeedsStep.filter((F.action == "count") & F.value.in_(_COUNTS)), OwnInvitation()
    )
    r.callback_query.register(
        toggle, NeedsStep.filter((F.action == "toggle") & F.value.in_(TOGGLES)), OwnInvitation()
    )
    r.callback_query.register(done, NeedsStep.filter(F.action == "done"), OwnInvitation())
    r.callback_query.register(earlier_question, NeedsStep.filter(), OwnInvitation())
    r.callback_query.register(not_yours, NeedsStep.filter())
    r.message.register(typed_language, StateFilter(NeedsTyping.language), TypedWords())
    return r
