"""Food and drink for an invited person: consent first (a diet can reveal faith or health),
then one fixed diet choice and the EU allergens as toggles. Every tap is saved at once."""

from __future__ import annotations

from dataclasses import replace

from aiogram import Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup

from conference.circle import set_food
from conference.errors import NotFound
from conference.model.circle import Allergen, Diet, Food, Invitee
from conference.model.people import Person
from conference.ports import UnitOfWork
from dialogs.button_text import button_text
from dialogs.callbacks import FoodStep
from dialogs.labels import allergen_label, diet_label, listed
from dialogs.owned import owned
from dialogs.texts import _


def _button(text: str, invitee: int, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=FoodStep(invitee=invitee, action=action, value=value).pack()
    )


def food_button(invitee: int) -> list[InlineKeyboardButton]:
    return [_button(button_text("🍽 Eten en drinken"), invitee, "start")]


def _allergen_keyboard(invitee: Invitee) -> InlineKeyboardMarkup:
    chosen = invitee.food.allergens
    buttons = [
        _button(("✓ " if a in chosen else "") + allergen_label(a), invitee.id, "allergen", a.value)
        for a in Allergen
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(button_text("Klaar ✓"), invitee.id, "done")])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def summary(food: Food) -> str:
    diet = diet_label(food.diet) if food.diet else _("niet ingevuld")
    allergens = listed([allergen_label(a) for a in Allergen if a in food.allergens])
    return _("Eten: {diet}. Allergieën: {allergens}.").format(
        diet=diet, allergens=allergens or _("geen")
    )


def router() -> Router:
    r = Router(name="food")

    @r.callback_query(FoodStep.filter())
    async def step(
        callback: CallbackQuery, callback_data: FoodStep, uow: UnitOfWork, person: Person
    ) -> None:
        if (found := await owned(callback, uow, person, callback_data.invitee)) is None:
            return
        invitee, message = found
        action, value, food = callback_data.action, callback_data.value, invitee.food
        try:
            if action == "start":
                await callback.answer()
                await message.answer(
                    _(
                        "Mogen we vragen wat je eet, en waar je niet tegen kunt? Dat zegt soms "
                        "iets over je geloof of je gezondheid. We gebruiken het alleen voor het "
                        "eten op de conferentie. Alleen de coördinator ziet het."
                    ),
                    reply_markup=InlineKeyboardMarkup(
                        inline_keyboard=[
                            [_button(button_text("Ja, dat mag"), invitee.id, "consent", "yes")],
                            [
                                _button(
                                    button_text("Nee, liever niet"), invitee.id, "consent", "no"
                                )
                            ],
                        ]
                    ),
                )
                return
            if action == "consent":
                invitee = await set_food(
                    uow, person.id, invitee.id, replace(food, consent=value == "yes")
                )
                await callback.answer(_("Opgeslagen ✓"))
                if value != "yes":
                    await message.edit_text(_("Prima, dan vragen we er niet naar. Opgeslagen ✓"))
                    return
                await message.edit_text(
                    _("Wat eet je?"),
                    reply_markup=InlineKeyboardMarkup(
                        inline_keyboard=[
                            [_button(diet_label(d), invitee.id, "diet", d.value)] for d in Diet
                        ]
                    ),
                )
            elif action == "diet" and value in Diet._value2member_map_ and food.consent:
                invitee = await set_food(
                    uow, person.id, invitee.id, replace(food, diet=Diet(value))
                )
                await callback.answer(_("Opgeslagen ✓"))
                await message.edit_text(
                    _("Kun je ergens niet tegen? Tik aan wat geldt, en dan op Klaar."),
                    reply_markup=_allergen_keyboard(invitee),
                )
            elif action == "allergen" and value in Allergen._value2member_map_ and food.consent:
                allergens = food.allergens ^ {Allergen(value)}
                invitee = await set_food(
                    uow, person.id, invitee.id, replace(food, allergens=frozenset(allergens))
                )
                await callback.answer(_("Opgeslagen ✓"))
                await message.edit_reply_markup(reply_markup=_allergen_keyboard(invitee))
            elif action == "done":
                await callback.answer(_("Opgeslagen ✓"))
                await message.edit_text(summary(invitee.food) + " " + _("Opgeslagen ✓"))
            else:
                await callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True)
        except NotFound:
            await callback.answer(_("Deze uitnodiging is niet van jou."), show_alert=True)

    return r
