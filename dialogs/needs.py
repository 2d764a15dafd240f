"""What an invited person needs to be able to come: an interpreter, room for their children,
transport, accessibility. One message that changes in place; every tap is saved at once."""

from __future__ import annotations

from dataclasses import replace

from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from conference.circle import MAX_CHILDREN, Invitee, Needs, set_needs
from conference.model import FAMILY_LANGUAGE_CHOICES, Person
from conference.ports import UnitOfWork
from conference.requests import NotFound
from dialogs.callbacks import NeedsStep
from dialogs.labels import current_locale, language_name
from dialogs.owned import owned
from dialogs.routing import Router
from dialogs.texts import _, number

FLAGS = ("childcare", "transport", "accessibility")


def _button(text: str, invitee: int, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=NeedsStep(invitee=invitee, action=action, value=value).pack())


def needs_button(invitee: int) -> list[InlineKeyboardButton]:
    return [_button(_("🧭 Wat heb je nodig om te komen?"), invitee, "menu")]


def _menu(invitee: Invitee) -> InlineKeyboardMarkup:
    needs, mark = invitee.needs, (lambda on: "✓ " if on else "")
    interpreter = (language_name(needs.interpreter, current_locale()) if needs.interpreter
                   else _("nee"))
    rows = [
        [_button(_("Tolk: {language}").format(language=interpreter), invitee.id,
                 "interpreter")],
        [_button(_("Kinderen mee: {count}").format(count=needs.children), invitee.id,
                 "children")],
    ]
    if needs.children:
        rows.append([_button(mark(needs.childcare) + _("Kinderopvang nodig"), invitee.id,
                             "toggle", "childcare")])
    rows += [
        [_button(mark(needs.transport) + _("Hulp bij vervoer"), invitee.id, "toggle",
                 "transport")],
        [_button(mark(needs.accessibility) + _("Toegankelijk (rolstoel, lift)"), invitee.id,
                 "toggle", "accessibility")],
        [_button(_("Klaar ✓"), invitee.id, "done")],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def router() -> Router:
    r = Router(name="needs")

    @r.callback_query(NeedsStep.filter())
    async def step(callback: CallbackQuery, callback_data: NeedsStep, uow: UnitOfWork,
                   person: Person) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        action, value, needs = callback_data.action, callback_data.value, invitee.needs
        title = _("Wat heb je nodig om te kunnen komen? Tik aan wat geldt.")
        changed: Needs | None = None
        if action == "menu":
            await callback.answer()
            await message.answer(title, reply_markup=_menu(invitee))
            return
        if action == "interpreter":
            await callback.answer()
            buttons = [_button(language_name(code, current_locale()), invitee.id, "language",
                               code) for code in FAMILY_LANGUAGE_CHOICES]
            rows = [buttons[i:i + 2] for i in range(0, len(buttons), 2)]
            rows.append([_button(_("Geen tolk nodig"), invitee.id, "language", "-")])
            await message.edit_text(_("Een tolk voor welke taal?"),
                                    reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))
            return
        if action == "children":
            await callback.answer()
            counts = [_button(number(n), invitee.id, "count", str(n))
                      for n in range(MAX_CHILDREN + 1)]
            await message.edit_text(_("Hoeveel kinderen komen er met je mee? Jij antwoordt "
                                      "voor hen: ze hebben geen eigen uitnodiging nodig."),
                                    reply_markup=InlineKeyboardMarkup(
                                        inline_keyboard=[counts[:5], counts[5:]]))
            return
        if action == "language" and (value == "-" or value in FAMILY_LANGUAGE_CHOICES):
            changed = replace(needs, interpreter=None if value == "-" else value)
        elif action == "count" and value.isdigit():
            changed = replace(needs, children=int(value))
        elif action == "toggle" and value in FLAGS:
            changed = replace(needs, **{value: not getattr(needs, value)})
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

    return r
