"""Writing to someone other than the person who is acting (a manager, later the circle)."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from zoneinfo import ZoneInfo

from aiogram.methods import SendMessage
from aiogram.types import InlineKeyboardMarkup
from aiogram.utils.i18n import I18n
from babel.dates import format_date, format_time, get_datetime_format

from conference.model.ids import ConferenceId, PersonId
from conference.model.request import ConferenceRequest
from conference.ports import UnitOfWork
from dialogs.render.texts import native_digits
from dialogs.replies import Replies

log = logging.getLogger(__name__)


def notify(
    replies: Replies,
    person_id: PersonId,
    text: str,
    markup: InlineKeyboardMarkup | None = None,
    protect: bool = False,
) -> None:
    """A message to someone else (a coordinator, a manager), sent once the update is committed;
    if they blocked the bot, the update processor marks them unreachable."""
    replies.send(
        SendMessage(chat_id=person_id, text=text, reply_markup=markup, protect_content=protect)
    )


def when(moment: datetime, zone: ZoneInfo, locale: str) -> str:
    """A moment in the conference's time zone, written the way the reader's locale writes it."""
    local = moment.astimezone(zone)
    # CLDR's own way to join a date and a time ("{1}, {0}", "{1} 'om' {0}"), without seconds
    # str(): Babel annotates a DateTimePattern, but this one is the plain str pattern
    joined = str(get_datetime_format("medium", locale=locale)).replace("'", "")
    return native_digits(
        joined.format(
            format_time(local, "short", tzinfo=zone, locale=locale),
            format_date(local, "medium", locale=locale),
        ),
        locale,
    )


@asynccontextmanager
async def coordinator_language(
    uow: UnitOfWork, i18n: I18n, conference_id: ConferenceId
) -> AsyncIterator[ConferenceRequest | None]:
    """The conference, with gettext switched to its coordinator's language, for a message to
    them; None when nobody coordinates it yet."""
    request = await uow.conferences.get(conference_id)
    if request is None or request.coordinator_id is None:
        yield None
        return
    staff = await uow.persons.get(request.coordinator_id)
    locale = staff.locale if staff is not None else None
    # a language kring does not ship would mix the Dutch source with that language's dates
    if locale is None or locale not in i18n.available_locales:
        locale = i18n.default_locale
    with i18n.use_locale(locale):
        yield request
