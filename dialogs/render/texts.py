"""gettext for the dialogs: aiogram's, plus what makes a message read right in the reader's
language and direction. Use `_` exactly like aiogram's: _("Hallo {name}!").format(name=...);
`ngettext(singular, plural, n)` (or `_` with three arguments) for counts, with the same care.

Every message is rendered in its reader's language: a message to someone else is built whole
(values too: labels, dates, numbers) inside `i18n.use_locale(<their locale>)`, never from
pieces rendered for the person who is acting.

Right to left (Arabic, Persian). A Dutch name, a date or a number inserted into a sentence must
keep its own direction, or "Wim (8)" comes out as "(8) Wim" and "28 يوليو 2027" as
"28 2027 يوليو". So for a right-to-left reader:
- `Text.format` wraps each inserted value in Unicode isolates (Unicode TR9): FSI ... PDI, or
  RLI ... PDI when the value has no letter of its own (an emoji and a date), so it follows the
  reader's direction; and a line with no right-to-left letter before its first value starts
  with a right-to-left mark (RLM), so it reads from the right.
- Values joined outside a translated sentence go through one helper, never " · ".join or an
  f-string: `joined(values, sep)` for a line of values ("EK-2026-0007 · nieuw"), `listed(items)`
  for a list ("Herman, Edith en Wim", CLDR's words), `isolated(value)` for one value beside an
  emoji, `labelled(label, value)` for "📍 <place>" or "<b>label</b>: value". Each value is
  isolated, the whole runs right to left (RLM + RLI ... PDI), so a list
  of Latin names in Persian is read in the reader's order.
- What these helpers return is `Shaped`: `Text.format` inserts it as it is.
- Links, tokens and e-mail addresses are never wrapped (an isolate glued to a link breaks it in
  WhatsApp or an SMS app): pass them as `bare_link(url)`, and put them on a line of their own.
- Arrows are not mirrored by the bidi algorithm: "{old} → {new}" reads "new → old" right to
  left. Sentences say it in words ("eerst {old}, nu {new}"); a button's arrow is translated
  the reader's way ("⬅ Terug" is "➡ رجوع"). tests/unit/test_directions.py checks both.

Digits are the locale's own (CLDR's default numbering system): Persian digits (۱۲۳) in
Persian, Latin digits in the other shipped languages, Arabic included (CLDR: latn).
Numbers inserted by `Text.format` get them (`number(n)` outside it), and so do dates and times
through `native_digits` (Babel writes Latin digits in dates). Links, tokens and reference codes
(EK-2026-0007) keep Latin digits."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any, SupportsIndex

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _gettext
from babel import Locale
from babel.lists import format_list
from babel.numbers import format_decimal

LRI, RLI, FSI, PDI = "\u2066", "\u2067", "\u2068", "\u2069"
RLM = "\u200f"
_ISOLATE_OPENERS = (LRI, RLI, FSI)
_RTL: dict[str, bool] = {}
_MARKUP = re.compile(r"<[^>]*>|&#?\w+;")
# The zero of each CLDR numbering system a shipped (or likely) language uses by default; the
# ten digits follow it in Unicode. Babel formats with Latin digits only.
_ZEROS = {
    "latn": "0",
    "arab": "\u0660",
    "arabext": "\u06f0",
    "beng": "\u09e6",
    "deva": "\u0966",
    "mymr": "\u1040",
    "thai": "\u0e50",
}


def is_rtl(locale: str) -> bool:
    if locale not in _RTL:
        try:
            _RTL[locale] = Locale.parse(locale).text_direction == "rtl"
        except (ValueError, TypeError):
            _RTL[locale] = False
    return _RTL[locale]


def reader_locale() -> str | None:
    """The language the message being built is for (gettext's current locale)."""
    try:
        current = I18n.get_current()
    except LookupError:
        return None
    return current.current_locale if current is not None else None


def _reader_is_rtl() -> bool:
    locale = reader_locale()
    return locale is not None and is_rtl(locale)


class Shaped(str):
    """Text ready for its reader as it is (made by `joined`, `listed`, `isolated`,
    `labelled`, `bare_link`): `Text.format` inserts it without isolates of its own."""

    __slots__ = ()


def isolate(value: object) -> str:
    return f"{FSI}{value}{PDI}"


def _strong(text: str) -> Iterator[str]:
    """The directions ("L" or "R") of the letters outside isolated values and HTML tags."""
    depth = 0
    for char in _MARKUP.sub("", text):
        if char in _ISOLATE_OPENERS:
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0:
            kind = unicodedata.bidirectional(char)
            if kind == "L":
                yield "L"
            elif kind in ("R", "AL"):
                yield "R"


def first_strong(text: str) -> str | None:
    """The direction ("L" or "R") of the first letter that decides a paragraph's direction
    (Unicode TR9 P2): isolated values and HTML tags do not count; None when there is none."""
    return next(_strong(text), None)


def _isolate_rtl(value: object) -> str:
    """One value in a right-to-left message: FSI if it has letters to go by, else RLI (the
    reader's direction: "📍 <place>" keeps its emoji on the right)."""
    text = str(value)
    if isinstance(value, Shaped):
        return text
    return f"{FSI if first_strong(text) else RLI}{text}{PDI}"


def isolated(value: object) -> Shaped:
    """One value, isolated for a right-to-left reader (as is for others)."""
    return Shaped(_isolate_rtl(value) if _reader_is_rtl() else str(value))


def joined(values: Iterable[object], sep: str = " · ") -> Shaped:
    """Values on one line ("EK-2026-0007 · nieuw", "📅 … · 📍 …"), empty ones left out; right to
    left, each value is isolated and the line runs from the right."""
    items = [v for v in values if v is not None and str(v) != ""]
    if not _reader_is_rtl():
        return Shaped(sep.join(str(v) for v in items))
    return Shaped(RLM + RLI + sep.join(_isolate_rtl(v) for v in items) + PDI)


def listed(items: Iterable[str]) -> Shaped:
    """ "Herman, Edith en Wim": a list the way the reader's language writes one (CLDR); right to
    left, each item isolated and the whole read from the right."""
    kept = [str(item) for item in items if item]
    locale = reader_locale() or "nl"
    if not kept:
        return Shaped("")
    if not is_rtl(locale):
        return Shaped(format_list(kept, locale=locale))
    return Shaped(RLM + RLI + format_list([_isolate_rtl(i) for i in kept], locale=locale) + PDI)


def labelled(label: str, value: object, sep: str = " ") -> Shaped:
    """A value after its label or emoji ("📍 De Linde", "<b>Regio</b>: Zeist"); right to left,
    the label stands on the right and the value is isolated."""
    if not _reader_is_rtl():
        return Shaped(f"{label}{sep}{value}")
    return Shaped(f"{RLM}{label}{sep}{_isolate_rtl(value)}")


def number(value: int) -> str:
    """A number the reader's way, for text built outside `Text.format` ("Halal 2")."""
    locale = reader_locale()
    return _decimal(value, locale) if locale else str(value)


def bare_link(url: str) -> Shaped:
    """A link, token or address: never wrapped in isolates; put it on a line of its own."""
    return Shaped(url)


@functools.lru_cache(maxsize=64)
def _digit_table(locale: str) -> dict[int, int] | None:
    try:
        system = Locale.parse(locale).default_numbering_system
    except (ValueError, TypeError):
        return None
    zero = _ZEROS.get(system, "0")
    if zero == "0":
        return None
    return str.maketrans("0123456789", "".join(chr(ord(zero) + i) for i in range(10)))


def native_digits(text: str, locale: str) -> str:
    """Babel's Latin digits in a number, date or time as the locale writes them (Persian:
    ۱۰:۰۰). Only for what Babel made: never for a whole message with a link or a code."""
    table = _digit_table(locale)
    return text.translate(table) if table else text


class Text(str):
    """A translated message; `format` shapes the inserted values for the reader."""

    __slots__ = ()

    def format(self, *args: object, **kwargs: object) -> str:
        locale = reader_locale()
        if locale is None:
            return str.format(self, *args, **kwargs)
        rtl = is_rtl(locale)
        args = tuple(_value(a, locale, rtl) for a in args)
        kwargs = {k: _value(v, locale, rtl) for k, v in kwargs.items()}
        text = str.format(self, *args, **kwargs)
        if rtl:
            text = "\n".join(_from_the_right(line) for line in text.split("\n"))
        return text

    def __add__(self, other: str) -> str:  # concatenations are plain text again
        return str(self) + other

    def __mul__(self, n: SupportsIndex) -> str:
        return str(self) * n


def _value(value: object, locale: str, rtl: bool) -> object:
    if isinstance(value, Shaped):
        return value
    value = _number(value, locale)
    return _isolate_rtl(value) if rtl else value


def _from_the_right(line: str) -> str:
    """A right-to-left reader's line that would start left to right gets an RLM first: one
    with no letter outside its values ("{index}. {slot}: ✅ {yes}"), or an Arabic or Persian
    sentence that starts with a Latin word. A line of Latin text only (the rest of a typed
    value) keeps its own direction."""
    if not line or line.startswith(RLM):
        return line
    letters = set(_strong(line))
    if first_strong(line) == "R" or letters == {"L"}:
        return line
    return RLM + line


def _number(value: object, locale: str) -> object:
    """Numbers the reader's way (CLDR): "1.000" in Dutch, "۱٬۰۰۰" in Persian."""
    if isinstance(value, int) and not isinstance(value, bool):
        return _decimal(value, locale)
    return value


@functools.lru_cache(maxsize=4096)
def _decimal(value: int, locale: str) -> str:  # Babel parses its pattern on every call
    return native_digits(format_decimal(value, locale=locale, numbering_system="default"), locale)


def _(*args: Any, **kwargs: Any) -> Text:
    return Text(_gettext(*args, **kwargs))


def ngettext(singular: str, plural: str, n: int) -> Text:
    """The form of the message that fits n in the reader's language (its Plural-Forms), as a
    `Text`: ngettext("{days} dag geleden", "{days} dagen geleden", days).format(days=days)."""
    return Text(_gettext(singular, plural, n))
