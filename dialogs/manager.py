"""What a regional manager does with a new request (for now: read it)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from aiogram import Router
from aiogram.types import CallbackQuery, InaccessibleMessage
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from conference.model import ConferenceId, Person
from conference.ports import UnitOfWork
from conference.requests import AccessDenied, NotFound, open_request
from dialogs.callbacks import OpenRequest
from dialogs.summaries import request_details


def router() -> Router:
    r = Router(name="manager")

    @r.callback_query(OpenRequest.filter())
    async def open_(callback: CallbackQuery, callback_data: OpenRequest, uow: UnitOfWork,
                    person: Person, i18n: I18n, zone: ZoneInfo, default_locale: str) -> None:
        try:
            request = await open_request(uow, person.id, ConferenceId(callback_data.id))
        except AccessDenied:
            await callback.answer(_("Dit is alleen voor regiomanagers."), show_alert=True)
            return
        except NotFound:
            await callback.answer(_("Deze aanvraag bestaat niet (meer)."), show_alert=True)
            return
        await callback.answer()
        message = callback.message
        if message is None or isinstance(message, InaccessibleMessage):
            return
        # Case details stay out of forwards and screenshots-by-forwarding.
        await message.answer(
            request_details(request, zone, i18n.current_locale, datetime.now(UTC)),
            protect_content=True,
        )

    return r
