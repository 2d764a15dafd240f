"""Jinja2 with the bot's catalogs: each page is rendered in its reader's language (gettext from
the render context, so one environment serves every request), dates through Babel."""

from __future__ import annotations

import functools
import gettext
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_time, get_datetime_format
from jinja2 import Environment, PackageLoader, pass_context, select_autoescape
from jinja2.runtime import Context

RIGHT_TO_LEFT = frozenset({"ar", "fa"})
_ZEROS = {"arab": "\u0660", "arabext": "\u06f0", "ethi": "0"}


@pass_context
def _gettext(context: Context, message: str) -> str:
    words: gettext.NullTranslations = context["words"]
    return words.gettext(message)


@pass_context
def _ngettext(context: Context, singular: str, plural: str, n: int) -> str:
    words: gettext.NullTranslations = context["words"]
    return words.ngettext(singular, plural, n)


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("web", "templates"),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.install_gettext_callables(  # type: ignore[attr-defined]
        _gettext, _ngettext, newstyle=False
    )
    return env


def render(env: Environment, name: str, words: gettext.NullTranslations, **values: Any) -> str:
    return env.get_template(name).render(words=words, **values)


def direction(locale: str) -> str:
    return "rtl" if locale in RIGHT_TO_LEFT else "ltr"


def own_name(locale: str) -> str:
    """A language as its speakers name it (the switch shows each in its own script)."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


@functools.lru_cache(maxsize=64)
def _digits(locale: str) -> dict[int, int] | None:
    zero = _ZEROS.get(Locale.parse(locale).default_numbering_system, "0")
    if zero == "0":
        return None
    return str.maketrans("0123456789", "".join(chr(ord(zero) + i) for i in range(10)))


def moment(at: datetime, zone: ZoneInfo, locale: str) -> str:
    """Weekday, date and time in the conference's zone, the way the locale writes them."""
    local = at.astimezone(zone)
    joined = str(get_datetime_format("medium", locale=locale)).replace("'", "")
    text = joined.format(
        format_time(local, "short", tzinfo=zone, locale=locale),
        format_date(local, "full", locale=locale),
    )
    table = _digits(locale)
    return text.translate(table) if table else text


def numeral(n: int, locale: str) -> str:
    """A number in the locale's own digits (as the dates are)."""
    table = _digits(locale)
    return str(n).translate(table) if table else str(n)
