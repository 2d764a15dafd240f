"""What an invited person needs to be able to come: an interpreter, room for their children,
transport, accessibility. One message that changes in place; every tap is saved at once."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n

from conference.circle import MAX_CHILDREN, interpreter_choices, set_interpreter, set_needs
from conference.errors import NotFound
from conference.model.circle import Invitee, Needs
from conference.model.people import Person
from conference.ports import UnitOfWork
from dialogs.button_text import button_text
from dialogs.callbacks import NeedsStep
from dialogs.filters import TypedWords
from dialogs.labels import current_locale, language_name
from dialogs.owned import owned
from dialogs.states import NeedsTyping
from dialogs.texts import _, number

TOGGLES: dict[str, Callable[[Needs], Needs]] = {
    "childcare": lambda needs: replace(needs, childcare=not needs.childcare),
    "transport": lambda needs: replace(needs, transport=not needs.transport),
    "accessibility": lambda needs: replace(needs, accessibility=not needs.accessibility),
}


def _button(text: str, invitee: int, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=NeedsStep(invitee=invitee, action=action, value=value).pack()
    )


def needs_button(invitee: int) -> list[InlineKeyboardButton]:
    return [_button(button_text("🧭 Wat heb je nodig om te komen?"), invitee, "menu")]


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


def router() -> Router:
    r = Router(name="needs")

    @r.callback_query(NeedsStep.filter())
    async def step(
        callback: CallbackQuery,
        callback_data: NeedsStep,
        uow: UnitOfWork,
        person: Person,
        i18n: I18n,
        state: FSMContext,
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        action, value, needs = callback_data.action, callback_data.value, invitee.needs
        title = _title()
        changed: Needs | None = None
        if action == "menu":
            await callback.answer()
            await message.answer(title, reply_markup=_menu(invitee))
            return
        choices = await interpreter_choices(uow, person.id, invitee.id, i18n.available_locales)
        if action == "interpreter":
            await callback.answer()
            buttons = [
                _button(language_name(code, current_locale()), invitee.id, "language", code)
                for code in choices
            ]
            rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
            rows.append([_button(button_text("✏️ Een andere taal"), invitee.id, "other")])
            rows.append([_button(button_text("Geen tolk nodig"), invitee.id, "language", "-")])
            await message.edit_text(
                _("Een tolk voor welke taal?"),
                reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
            )
            return
        if action == "children":
            await callback.answer()
            counts = [
                _button(number(n), invitee.id, "count", str(n)) for n in range(MAX_CHILDREN + 1)
            ]
            await message.edit_text(
                _(
                    "Hoeveel kinderen komen er met je mee? Jij antwoordt "
                    "voor hen: ze hebben geen eigen uitnodiging nodig."
                ),
                reply_markup=InlineKeyboardMarkup(inline_keyboard=[counts[:5], counts[5:]]),
            )
            return
        if action == "other":
            await callback.answer()
            await state.set_state(NeedsTyping.language)
            await state.update_data(needs_for=invitee.id)
            await message.answer(_("Welke taal? Typ de naam van de taal."))
            return
        if action == "language" and (value == "-" or value in choices):
            changed = replace(needs, interpreter=None if value == "-" else value)
        elif action == "count" and value.isdigit():
            changed = replace(needs, children=int(value))
        elif action == "toggle" and value in TOGGLES:
            changed = TOGGLES[value](needs)
        elif action == "done":
            await callback.answer(_("Opgeslagen ✓"))
            await message.edit_text(_("Dank je, de coördinator regelt wat kan. Opgeslagen ✓"))
            return
        if changed is None:
            await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)
            return
        try:
            invitee = await set_needs(uow, person.id, invitee.id, changed)
        except NotFound:
            await callback.answer(_("Deze uitnodiging is niet van jou."), show_alert=True)
            return
        await callback.answer(_("Opgeslagen ✓"))
        await message.edit_text(title, reply_markup=_menu(invitee))

    r.message.register(typed_language, StateFilter(NeedsTyping.language), TypedWords())
    return r


async def typed_language(
    message: Message, state: FSMContext, uow: UnitOfWork, person: Person
) -> None:
    """Another language for the interpreter, kept as they typed it (the coordinator reads it)."""
    invitee_id = (await state.get_data()).get("needs_for")
    await state.set_state(None)
    try:
        invitee = await set_interpreter(uow, person.id, int(invitee_id or 0), message.text)
    except NotFound:
        await message.answer(_("Deze uitnodiging is niet van jou."))
        return
    await message.answer(_title(), reply_markup=_menu(invitee))
