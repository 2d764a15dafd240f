"""Who opened the cockpit: Telegram signs what it hands a Mini App (the init data) with a key
made from the bot's token. It is checked on the server for every request, with a maximum age,
and names nobody when it is forged, stale or not a Telegram user's."""

from __future__ import annotations

from datetime import datetime, timedelta

from aiogram.utils.web_app import safe_parse_webapp_init_data

from conference.model.ids import TELEGRAM_ACCOUNT_IDS, PersonId

HEADER = "Authorization"
SCHEME = "tma"  # "Authorization: tma <init data>", as Telegram's documentation writes it
MAX_AGE = timedelta(hours=1)
CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock a little ahead of the server's


class NotSigned(Exception):
    """The init data is missing, forged, too old or names no Telegram account."""


def mini_app_user(
    token: str, init_data: str, now: datetime, max_age: timedelta = MAX_AGE
) -> PersonId:
    try:
        data = safe_parse_webapp_init_data(token, init_data)
    except ValueError as error:  # a bad signature, or not init data at all
        raise NotSigned("not signed with this bot's token") from error
    if data.user is None or data.user.id not in TELEGRAM_ACCOUNT_IDS:
        raise NotSigned("no Telegram user")
    age = now - data.auth_date
    if age > max_age or age < -CLOCK_SKEW:
        raise NotSigned("too old")
    return PersonId(data.user.id)


def init_data_of(authorization: str | None) -> str:
    """The init data from an "Authorization: tma ..." header ("" if there is none)."""
    scheme, _, value = (authorization or "").partition(" ")
    return value.strip() if scheme.lower() == SCHEME else ""
