"""A person's rights over their data: /mydata (a copy of what kring holds about them, as a JSON
file) and /forget (erase it, after they confirm). Private chats only, like every flow."""

from __future__ import annotations

import json

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.i18n import I18n

from conference.erasure import Forgotten, forget_me, may_forget
from conference.errors import StillStaff
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.personal_data import my_data
from conference.ports import UnitOfWork
from dialogs.callbacks import Forget
from dialogs.clock import now
from dialogs.filters import ButtonsOf, UnderMessage
from dialogs.in_place import edit_in_place
from dialogs.render.texts import _, listed
from dialogs.replies import Replies
from dialogs.to_others import coordinator_language


async def mydata(message: Message, uow: UnitOfWork, person: Person, replies: Replies) -> None:
    data = await my_data(uow, person.id)
    document = json.dumps(data, ensure_ascii=False, indent=2, default=str).encode()
    replies.send(
        message.answer_document(
            BufferedInputFile(document, filename="kring-mijn-gegevens.json"),
            caption=_(
                "Dit is alles wat kring over jou bewaart. Alleen jouw gegevens, niet die van "
                "anderen. Met /forget wis je het."
            ),
            protect_content=True,
        )
    )


def _staff_text(error: StillStaff) -> str:
    if error.open_conferences:
        return _(
            "Je werkt met kring en je hebt nog lopende conferenties: {references}. Vraag je "
            "regiomanager om ze aan een collega te geven en je van de lijst te halen. Daarna "
            "kun je /forget gebruiken."
        ).format(references=listed(error.open_conferences))
    return _(
        "Je werkt met kring. Vraag je regiomanager om je van de lijst te halen. Daarna kun "
        "je /forget gebruiken."
    )


async def forget(message: Message, uow: UnitOfWork, person: Person, replies: Replies) -> None:
    try:
        await may_forget(uow, person.id)
    except StillStaff as error:
        replies.send(message.answer(_staff_text(error)))
        return
    replies.send(
        message.answer(
            _(
                "Wil je dat kring alles over jou wist? Je naam, je antwoorden, je eten en "
                "wensen, wat je typte en je telefoonnummer gaan weg. Dit kan niet terug. In "
                "een conferentie blijft een lege plek staan, zodat de telling klopt. De "
                "coördinator hoort dat je gegevens gewist zijn."
            ),
            reply_markup=InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=_("Ja, wis alles"), callback_data=Forget(erase=True).pack()
                        )
                    ],
                    [
                        InlineKeyboardButton(
                            text=_("Nee, bewaar het"), callback_data=Forget(erase=False).pack()
                        )
                    ],
                ]
            ),
        )
    )


async def keep(
    callback: CallbackQuery, message: MaybeInaccessibleMessageUnion, replies: Replies
) -> None:
    replies.send(callback.answer())
    replies.send(edit_in_place(message, _("Goed, er is niets gewist.")))


async def erase(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    replies: Replies,
) -> None:
    try:
        forgotten = await forget_me(uow, person.id)
    except StillStaff as error:
        replies.send(callback.answer())
        replies.send(edit_in_place(message, _staff_text(error)))
        return
    await tell_coordinators(uow, i18n, forgotten)
    replies.send(callback.answer())
    replies.send(
        edit_in_place(
            message,
            _(
                "Klaar ✓ Kring heeft je gegevens gewist. Schrijf je later weer, dan begin je "
                "opnieuw."
            ),
        )
    )


async def tell_coordinators(uow: UnitOfWork, i18n: I18n, forgotten: Forgotten) -> None:
    """Each coordinator in their own language, without the person's name or contact data."""
    for request in forgotten.tell:
        async with coordinator_language(uow, i18n, request.id) as found:
            if found is None or found.coordinator_id is None:
                continue
            text = _(
                "{reference}: iemand uit deze conferentie heeft kring gevraagd om zijn of haar "
                "gegevens te wissen. Dat is gedaan. In de kring staat nu een lege plek (—): "
                "het antwoord ja of nee en de stemmen tellen nog mee. Naam, eten, wensen en "
                "wat de persoon typte zijn weg."
            ).format(reference=found.reference)
            await uow.outbox.enqueue(
                Batch(kind="note", created_by=None, conference_id=found.id),
                [Outbound(found.coordinator_id, None, (Text(text),))],
                now(),
            )


def router() -> Router:
    r = Router(name="privacy")
    r.callback_query.filter(ButtonsOf(Forget))
    r.message.register(mydata, Command("mydata"))
    r.message.register(forget, Command("forget"))
    r.callback_query.register(erase, Forget.filter(F.erase), UnderMessage())
    r.callback_query.register(keep, Forget.filter(~F.erase), UnderMessage())
    return r
