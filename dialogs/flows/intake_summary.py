"""The summary: change any answer, then submit; the managers hear of it at once."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    MaybeInaccessibleMessageUnion,
)
from aiogram.utils.i18n import I18n

from conference.errors import Incomplete
from conference.intake import steps_for
from conference.model.people import Person
from conference.model.request import Field, RequestKind, Submitted
from conference.ports import UnitOfWork
from conference.requests import submit_request
from dialogs.callbacks import Nav, OpenRequest
from dialogs.clock import now
from dialogs.filters import ButtonsOf, UnderMessage
from dialogs.flows.start import ask_stop
from dialogs.in_place import buttons_in_place
from dialogs.intake_draft import load_draft, reask, show
from dialogs.render.request_summary import request_notice
from dialogs.render.texts import _
from dialogs.replies import Replies
from dialogs.states import Intake
from dialogs.to_others import notify


async def edit(
    callback: CallbackQuery,
    callback_data: Nav,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    replies: Replies,
) -> None:
    draft = await load_draft(state)
    steps = {s.value: s for s in steps_for(draft) if s is not Field.CONSENT}
    if callback_data.field not in steps:
        replies.send(callback.answer(_("Dat onderdeel ken ik niet."), show_alert=True))
        return
    replies.send(callback.answer())
    await show(replies, message, state, draft, steps[callback_data.field])


async def stop(
    callback: CallbackQuery, message: MaybeInaccessibleMessageUnion, replies: Replies
) -> None:
    replies.send(callback.answer())
    await ask_stop(replies, message)


async def submit(
    callback: CallbackQuery,
    message: MaybeInaccessibleMessageUnion,
    state: FSMContext,
    uow: UnitOfWork,
    person: Person,
    i18n: I18n,
    zone: ZoneInfo,
    default_locale: str,
    replies: Replies,
) -> None:
    draft = await load_draft(state)
    try:
        result = await submit_request(uow, person.id, i18n.current_locale, draft, now())
    except Incomplete:
        replies.send(callback.answer())
        await reask(replies, message, state, _("Er ontbreekt nog iets. We gaan verder bij:"))
        return
    replies.send(callback.answer(_("Verstuurd ✓")))
    replies.send(buttons_in_place(message, reply_markup=None))
    await state.clear()
    replies.send(message.answer(_confirmation(result)))
    _tell_managers(replies, i18n, zone, default_locale, result)


def router() -> Router:
    r = Router(name="intake_review")
    r.callback_query.filter(ButtonsOf(Nav))
    r.callback_query.filter(StateFilter(Intake.review))
    on_message = UnderMessage()
    r.callback_query.register(edit, Nav.filter(F.action == "edit"), on_message)
    r.callback_query.register(stop, Nav.filter(F.action == "stop"), on_message)
    r.callback_query.register(submit, Nav.filter(F.action == "submit"), on_message)
    return r


def _confirmation(result: Submitted) -> str:
    reference = result.request.reference
    if result.request.kind is RequestKind.INFO_TALK:
        return _(
            "Dank je wel! We hebben je vraag om een informatiegesprek ontvangen. Je nummer is "
            "<b>{reference}</b>.\n\nBinnen een paar werkdagen neemt een regiomanager contact "
            "met je op. Samen spreken jullie dan een moment af."
        ).format(reference=reference)
    return _(
        "Dank je wel! We hebben je aanvraag ontvangen. Je nummer is <b>{reference}</b>.\n\n"
        "Wat gebeurt er nu?\n"
        "1. Een regiomanager leest je aanvraag. Binnen een paar werkdagen kiest hij of zij een "
        "coördinator die bij jullie past.\n"
        "2. De coördinator neemt contact met je op. Samen bereiden jullie de conferentie "
        "voor.\n"
        "Vragen? Noem dan je nummer {reference}."
    ).format(reference=reference)


def _tell_managers(
    replies: Replies, i18n: I18n, zone: ZoneInfo, default_locale: str, result: Submitted
) -> None:
    for manager in result.managers:
        locale = manager.locale if manager.locale in i18n.available_locales else (default_locale)
        with i18n.use_locale(locale):
            text = request_notice(result.request, zone, locale)
            markup = InlineKeyboardMarkup(
                inline_keyboard=[
                    [
                        InlineKeyboardButton(
                            text=_("Open aanvraag"),
                            callback_data=OpenRequest(id=result.request.id).pack(),
                        )
                    ]
                ]
            )
        notify(replies, manager.person_id, text, markup)
