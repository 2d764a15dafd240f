"""Food and drink for an invited person: consent first (a diet can reveal faith or health),
then one fixed diet choice and the EU allergens as toggles. Every tap is saved at once."""

from __future__ import annotations

from dataclasses import replace

from aiogram import F, Router
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
)

from conference.circle import set_food
from conference.model.circle import Allergen, Diet, Food, Invitee
from conference.model.people import Person
from conference.ports import UnitOfWork
from dialogs.callbacks import FoodStep
from dialogs.filters import ButtonsOf, OwnInvitation
from dialogs.in_place import buttons_in_place, edit_in_place
from dialogs.refusals import not_yours
from dialogs.render.button_text import button_text
from dialogs.render.labels import allergen_label, diet_label, listed
from dialogs.render.texts import _
from dialogs.replies import Replies

_DIETS = tuple(d.value for d in Diet)
_ALLERGENS = tuple(a.value for a in Allergen)


def _button(text: str, invitee: int, action: str, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=FoodStep(invitee=invitee, action=action, value=value).pack()
    )


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


async def start(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    """Consent first."""
    replies.send(callback.answer())
    replies.send(
        message.answer(
            _(
                "Mogen we vragen wat je eet, en waar je niet tegen kunt? Dat zegt soms "
                "iets over je geloof of je gezondheid. We gebruiken het alleen voor het "
                "eten op de conferentie. Alleen de coördinator ziet het."
            ),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [_button(button_text("Ja, dat mag"), invitee.id, "consent", "yes")],
                    [_button(button_text("Nee, liever niet"), invitee.id, "consent", "no")],
                ]
            ),
        )
    )


async def consent(
    callback: CallbackQuery,
    callback_data: FoodStep,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    given = callback_data.value == "yes"
    invitee = await set_food(uow, person.id, invitee.id, replace(invitee.food, consent=given))
    replies.send(callback.answer(_("Opgeslagen ✓")))
    if not given:
        replies.send(edit_in_place(message, _("Prima, dan vragen we er niet naar. Opgeslagen ✓")))
        return
    replies.send(
        edit_in_place(
            message,
            _("Wat eet je?"),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [_button(diet_label(d), invitee.id, "diet", d.value)] for d in Diet
                ]
            ),
        )
    )


async def diet(
    callback: CallbackQuery,
    callback_data: FoodStep,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    if not invitee.food.consent:
        await earlier_question(callback, replies)
        return
    invitee = await set_food(
        uow, person.id, invitee.id, replace(invitee.food, diet=Diet(callback_data.value))
    )
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(
        edit_in_place(
            message,
            _("Kun je ergens niet tegen? Tik aan wat geldt, en dan op Klaar."),
            reply_markup=_allergen_keyboard(invitee),
        )
    )


async def allergen(
    callback: CallbackQuery,
    callback_data: FoodStep,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    replies: Replies,
) -> None:
    """One allergen on or off."""
    food = invitee.food
    if not food.consent:
        await earlier_question(callback, replies)
        return
    allergens = frozenset(food.allergens ^ {Allergen(callback_data.value)})
    invitee = await set_food(uow, person.id, invitee.id, replace(food, allergens=allergens))
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(buttons_in_place(message, reply_markup=_allergen_keyboard(invitee)))


async def done(
    callback: CallbackQuery,
    invitee: Invitee,
    message: MaybeInaccessibleMessageUnion,
    replies: Replies,
) -> None:
    replies.send(callback.answer(_("Opgeslagen ✓")))
    replies.send(edit_in_place(message, summary(invitee.food) + " " + _("Opgeslagen ✓")))


async def earlier_question(callback: CallbackQuery, replies: Replies) -> None:
    """A button of their own that no longer fits (or that this flow does not know)."""
    replies.send(callback.answer(_("Die knop hoort bij een eerdere vraag."), show_alert=True))


def router() -> Router:
    r = Router(name="food")
    r.callback_query.filter(ButtonsOf(FoodStep))
    r.callback_query.register(start, FoodStep.filter(F.action == "start"), OwnInvitation())
    r.callback_query.register(consent, FoodStep.filter(F.action == "consent"), OwnInvitation())
    r.callback_query.register(
        diet, FoodStep.filter((F.action == "diet") & F.value.in_(_DIETS)), OwnInvitation()
    )
    r.callback_query.register(
        allergen,
        FoodStep.filter((F.action == "allergen") & F.value.in_(_ALLERGENS)),
        OwnInvitation(),
    )
    r.callback_query.register(done, FoodStep.filter(F.action == "done"), OwnInvitation())
    r.callback_query.register(earlier_question, FoodStep.filter(), OwnInvitation())
    r.callback_query.register(not_yours, FoodStep.filter())
    return r
