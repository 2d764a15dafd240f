"""The coordinator marks someone as answering on the web page (no Telegram): a new personal
link for the page, sent by e-mail if they give an address (the outbox's e-mail lane delivers
what goes to a web account), or handed to the coordinator to pass on."""

from __future__ import annotations

from html import escape

from aiogram import Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    MaybeInaccessibleMessageUnion,
    Message,
)
from aiogram.utils.i18n import I18n

from conference.access import coordinator_of
from conference.errors import AccessDenied, BadEmail, NotFound
from conference.model.ids import PersonId, web_account_of
from conference.model.outbox import Batch, Outbound, Text
from conference.model.people import Person
from conference.ports import UnitOfWork
from conference.web_invitation import mark_answers_on_web
from dialogs.callbacks import WebLink
from dialogs.clock import now
from dialogs.filters import ButtonsOf, HasText, UnderMessage
from dialogs.refusals import not_for_you
from dialogs.render.texts import _, bare_link
from dialogs.replies import Replies
from dialogs.states import WebLinkMail


async def ask_address(
    callback: CallbackQuery,
    callback_data: WebLink,
    message: MaybeInaccessibleMessageUnion,
    uow: UnitOfWork,
    person: Person,
    state: FSMContext,
    replies: Replies,
) -> None:
    invitee = await uow.invitees.get(callback_data.invitee)
    try:
        if invitee is None:
            raise NotFound("no such invitee")
        await coordinator_of(uow, person.id, invitee.conference_id)
    except (AccessDenied, NotFound):
        await not_for_you(callback, replies)
        return
    await state.set_state(WebLinkMail.address)
    await state.set_data({"invitee": invitee.id})
    replies.send(callback.answer())
    replies.send(
        message.answer(
            _(
                "Wat is het e-mailadres van {name}? Dan stuur ik de link naar de webpagina "
                "daarheen. Alleen jij en kring zien het adres."
            ).format(name=escape(invitee.name))
        )
    )


async def typed_address(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    public_url: str | None,
    replies: Replies,
) -> None:
    invitee_id = int((await state.get_data()).get("invitee", 0))
    try:
        invitee, token = await mark_answers_on_web(
            uow, person.id, invitee_id, message.text or "", now()
        )
    except BadEmail:
        replies.send(message.answer(_("Dat is geen e-mailadres. Typ het zo: naam@voorbeeld.nl")))
        return
    except (AccessDenied, NotFound):
        await state.clear()
        replies.send(message.answer(_("Deze uitnodiging is niet van jou.")))
        return
    await state.clear()
    page = bare_link(f"{public_url}/i/{token}")
    with i18n.use_locale(invitee.locale):
        mail = (
            _(
                "Hallo {name}! Je bent uitgenodigd voor een Eigen Kracht-conferentie: familie, "
                "vrienden en buren maken samen een plan. Op deze persoonlijke webpagina lees je "
                "er meer over en geef je antwoord:"
            ).format(name=escape(invitee.name))
            + "\n"
            + page
        )
    await uow.outbox.enqueue(
        Batch(kind="invitation", created_by=person.id, conference_id=invitee.conference_id),
        [Outbound(PersonId(web_account_of(invitee.id)), invitee.id, (Text(mail),))],
        now(),
    )
    replies.send(
        message.answer(
            _(
                "Opgeslagen ✓ {name} antwoordt op de webpagina; de link gaat per e-mail. De "
                "oude link werkt niet meer. De nieuwe, om zelf door te geven:"
            ).format(name=escape(invitee.name))
            + "\n"
            + page
        )
    )


def router() -> Router:
    r = Router(name="web_link")
    r.callback_query.filter(ButtonsOf(WebLink))
    r.callback_query.register(ask_address, WebLink.filter(), UnderMessage())
    r.message.register(typed_address, StateFilter(WebLinkMail.address), HasText())
    return r
