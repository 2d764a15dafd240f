"""gettext for the dialogs: aiogram's, plus right-to-left care. In Arabic or Persian text a
Dutch name, a date or a number inserted into a sentence must keep its own direction, or
"Wim (8)" comes out as "(8) Wim" and punctuation jumps: each inserted value is wrapped in
Unicode isolates (FSI ... PDI, Unicode TR9) when the reader's language is written right to
left. Numbers are written the reader's way (CLDR). Use it exactly like aiogram's:
_("Hallo {name}!").format(name=...)."""

from __future__ import annotations

import functools
from typing import Any, SupportsIndex

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _gettext
from babel import Locale
from babel.numbers import format_decimal

FSI, PDI = "\u2068", "\u2069"
_RTL: dict[str, bool] = {}


def is_rtl(locale: str) -> bool:
    if locale not in _RTL:
        try:
            _RTL[locale] = Locale.parse(locale).text_direction == "rtl"
        except (ValueError, TypeError):
            _RTL[locale] = False
    return _RTL[locale]


def isolate(value: object) -> str:
    return f"{FSI}{value}{PDI}"


class Text(str):
    """A translated message; `format` isolates the inserted values for RTL readers."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        try:
            locale = I18n.get_current().current_locale
        except LookupError:
            return str.format(self, *args, **kwargs)
        args = tuple(_number(a, locale) for a in args)
        kwargs = {k: _number(v, locale) for k, v in kwargs.items()}
        if is_rtl(locale):
            args = tuple(isolate(a) for a in args)
            kwargs = {k: isolate(v) for k, v in kwargs.items()}
        return str.format(self, *args, **kwargs)

    def __add__(self, other: str) -> str:  # concatenations are plain text again
        return str(self) + other

    def __mul__(self, n: SupportsIndex) -> str:
        return str(self) * n


def _number(value: object, locale: str) -> object:
    """Numbers the reader's way (CLDR): "1.000" in Dutch, Persian digits in Persian."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _decimal(value, locale)
    return value


@functools.lru_cache(maxsize=4096)
def _decimal(value: int, locale: str) -> str:  # Babel parses its pattern on every call
    return format_decimal(value, locale=locale)


def _(*args: Any, **kwargs: Any) -> Text:
    return Text(_gettext(*args, **kwargs))


def ngettext(singular: str, plural: str, n: int) -> Text:
    """The form of the message that fits n in the reader's language (its Plural-Forms):
    ngettext("{days} dag geleden", "{days} dagen geleden", days).format(days=days)."""
    return Text(_gettext(singular, plural, n))
