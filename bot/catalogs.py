"""The gettext workflow: `kring i18n extract` (sources -> messages.pot -> every .po, Dutch
filled from the source since Dutch is the source language) and `kring i18n check`."""

from __future__ import annotations

import copy
import gettext
import io
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "dialogs", "web")
# the web page's templates, read by Jinja2's own extractor (its i18n extension: `_()` calls)
METHODS = [("**.py", "python"), ("templates/**.html", "jinja2.ext:babel_extract")]
SOURCE_LOCALE = "nl"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


BUTTON_LIMIT = 32  # visible characters a phone shows on a full-width button
BUTTON_NOTE = f"button: at most {BUTTON_LIMIT} characters"
# Babel's keyword spec: per function, the arguments that hold the message (and its context),
# or per number of arguments the call has; None: the first argument.
KeywordArguments = tuple[int | tuple[int, int] | tuple[int, str], ...] | None
Keyword = dict[int | None, KeywordArguments] | KeywordArguments
MessageId = str | tuple[str, ...]  # a plural message: its singular and plural
KEYWORDS: dict[str, Keyword] = {
    "_": {1: (1,), 3: (1, 2)},
    "__": None,
    "ngettext": (1, 2),
    "button_text": None,  # dialogs/render/button_text.py: a button a relative or applicant sees
}


def _messages(
    root: Path, keywords: dict[str, Keyword]
) -> list[tuple[str, int, MessageId, list[str], str | None]]:
    found = []
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            root / folder,
            method_map=METHODS,
            keywords=keywords,
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        ):
            found.append((f"{folder}/{filename}", lineno, message, list(comments), context))
    return found


def extract(root: Path = ROOT) -> Catalog:
    """The template; a message used as a button (`button_text`) says so to translators."""
    buttons = {message for *_where, message, _c, _x in _messages(root, {"button_text": None})}
    template = Catalog(project="kring", msgid_bugs_address="", fuzzy=False)
    for where, lineno, message, comments, context in _messages(root, KEYWORDS):
        if message in buttons and BUTTON_NOTE not in comments:
            comments.append(BUTTON_NOTE)
        template.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return template


# What a placeholder brings into a button, realistically: a first name of 12 letters, a
# date label, a count; anything else a 12-letter word.
BUTTON_VALUES = {
    "name": "Bartholomeus",
    "count": "12",
    "date": "za 26 jun 10:00",
    "moment": "za 26 jun 10:00",
    "relation": "Bartholomeus",
}


def visible_length(text: str) -> int:
    """Characters as a reader sees them (near enough to grapheme clusters): combining marks,
    variation selectors, skin tones and other invisible marks add nothing, an emoji joined
    with ZWJ or a flag (two regional indicators) counts once."""
    count = 0
    after_joiner = flag_half = False
    for char in text:
        point = ord(char)
        if after_joiner:
            after_joiner = False
            continue
        if char == "\u200d":
            after_joiner = True
            continue
        if (
            unicodedata.category(char) in ("Mn", "Me", "Cf")
            or 0xFE00 <= point <= 0xFE0F
            or 0x1F3FB <= point <= 0x1F3FF
        ):
            continue
        if 0x1F1E6 <= point <= 0x1F1FF:
            flag_half = not flag_half
            if not flag_half:
                continue
        count += 1
    return count


def button_length(text: str) -> int:
    return visible_length(
        PLACEHOLDER.sub(lambda m: BUTTON_VALUES.get(m.group(0)[1:-1], "W" * 12), text)
    )


def update(locales_dir: Path, template: Catalog) -> list[Path]:
    with (locales_dir / "messages.pot").open("wb") as out:
        write_po(out, template, width=99, omit_header=False)
    written = []
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=locale)
        # a copy each time: update() adopts the template's message objects, and filling in
        # the Dutch would otherwise fill them in for every language that comes after it
        catalog.update(copy.deepcopy(template), no_fuzzy_matching=True)
        if locale == SOURCE_LOCALE:
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        with po_path.open("wb") as out:
            write_po(out, catalog, width=99, ignore_obsolete=True)
        written.append(po_path)
    return written


TELEGRAM_LIMIT = 4096  # characters in one message
LONG_VALUE = "W" * 64  # a long name: what a placeholder may bring in
TAG = re.compile(r"</?[a-z]+>")


# gettext's order of the plural forms: CLDR's categories in this order, those the language uses
CLDR_ORDER = ("zero", "one", "two", "few", "many", "other")
COUNTS = range(201)  # enough to meet every rule's cycle (n % 100) at least once
PROBE = ("n", "n")  # a message for plural_picker (a name, so extraction does not take it)


def plural_categories(locale: str) -> tuple[str, ...]:
    """The CLDR plural categories whole numbers fall into, in the order gettext's forms take:
    ('one', 'other') in Dutch, ('one', 'few', 'many') in Polish, all six in Arabic."""
    rule = Locale.parse(locale).plural_form
    used = {rule(n) for n in COUNTS}
    return tuple(category for category in CLDR_ORDER if category in used)


def plural_picker(catalog: Catalog) -> Callable[[int], int]:
    """Which form the catalog's Plural-Forms picks for n, computed as the bot computes it: a
    compiled catalog with the same header, whose forms are their own numbers."""
    probe = Catalog(locale=catalog.locale, fuzzy=False)
    probe.mime_headers = [("Plural-Forms", catalog.plural_forms)]
    probe.add(PROBE, tuple(str(i) for i in range(catalog.num_plurals)))
    buffer = io.BytesIO()
    write_mo(buffer, probe)
    buffer.seek(0)
    translations = gettext.GNUTranslations(buffer)  # ValueError: an unreadable expression

    def pick(n: int) -> int:
        form = translations.ngettext(*PROBE, n)
        return int(form) if form.isdigit() else -1  # -1: a form the catalog does not have

    return pick


def plural_header_problem(catalog: Catalog, locale: str) -> str | None:
    """The Plural-Forms header must pick, for every n, the form of n's CLDR category, with
    the forms in gettext's order (one form per category the language uses)."""
    try:
        rule = Locale.parse(locale).plural_form
    except (ValueError, UnknownLocaleError):
        return "no CLDR plural rules for this language"
    categories = plural_categories(locale)
    if catalog.num_plurals != len(categories):
        return (
            f"Plural-Forms has {catalog.num_plurals} forms, CLDR has {len(categories)} "
            f"({', '.join(categories)}): {catalog.plural_forms}"
        )
    try:
        pick = plural_picker(catalog)
    except ValueError:
        return f"Plural-Forms cannot be read: {catalog.plural_forms}"
    for n in COUNTS:
        expected = categories.index(rule(n))
        if pick(n) != expected:
            return (
                f"Plural-Forms picks form {pick(n)} for {n}, CLDR's '{rule(n)}' is form "
                f"{expected}: {catalog.plural_forms}"
            )
    return None


def problems(locales_dir: Path, template: Catalog | None = None) -> list[str]:
    """What `kring i18n check` refuses: messages.pot behind the code; a plural message whose
    two Dutch forms have other placeholders; per catalog a Plural-Forms header that does not
    follow CLDR's plural rules, a message the code uses that is missing, untranslated or fuzzy,
    with other placeholders (in any of its forms) or HTML tags than the source, the wrong
    number of plural forms, too long for Telegram once long names are filled in, or a button
    (`button_text`) longer than a phone shows."""
    template = template or extract()
    wanted = {m.id for m in template if m.id}
    buttons = {m.id for m in template if m.id and BUTTON_NOTE in m.auto_comments}
    found: list[str] = []
    for message in template:
        if (
            isinstance(message.id, tuple)
            and len({frozenset(PLACEHOLDER.findall(form)) for form in message.id}) > 1
        ):
            found.append(f"source: singular and plural have other placeholders: {message.id[0]!r}")
    pot = locales_dir / "messages.pot"
    if pot.exists():
        with pot.open("rb") as source:
            written = {m.id for m in read_po(source) if m.id}
        if written != wanted:
            found.append("messages.pot: not up to date with the code (run kring i18n extract)")
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=locale)
        if header := plural_header_problem(catalog, locale):
            found.append(f"{locale}: {header}")
        have = {m.id for m in catalog if m.id}
        for missing in sorted(wanted - have, key=str):
            found.append(f"{locale}: not in catalog: {missing!r}")
        for message in catalog:
            if not message.id or message.id not in wanted:
                continue
            ids, strings = _forms(message.id), _forms(message.string)
            if message.fuzzy or not all(strings):
                found.append(f"{locale}: untranslated: {ids[0]!r}")
                continue
            if isinstance(message.id, tuple) and len(strings) != catalog.num_plurals:
                found.append(
                    f"{locale}: {len(strings)} plural forms, the language has "
                    f"{catalog.num_plurals}: {ids[0]!r}"
                )
            expected = set(PLACEHOLDER.findall(ids[-1]))
            tags = sorted(TAG.findall(ids[-1]))
            for string in strings:
                if set(PLACEHOLDER.findall(string)) != expected:
                    found.append(f"{locale}: placeholders differ: {ids[0]!r}")
                elif sorted(TAG.findall(string)) != tags:
                    found.append(f"{locale}: HTML tags differ: {ids[0]!r}")
                elif len(PLACEHOLDER.sub(LONG_VALUE, string)) > TELEGRAM_LIMIT:
                    found.append(f"{locale}: too long for Telegram with long names: {ids[0]!r}")
                elif message.id in buttons and button_length(string) > BUTTON_LIMIT:
                    found.append(
                        f"{locale}: button longer than {BUTTON_LIMIT} characters "
                        f"({button_length(string)}): {ids[0]!r}"
                    )
    return found


def _forms(value: str | tuple[str, ...] | list[str] | None) -> tuple[str, ...]:
    """A message's id or translation as its forms: one, or the singular and the plurals. No
    translation at all is one empty form (untranslated)."""
    if value is None:
        return ("",)
    return (value,) if isinstance(value, str) else tuple(value)


def init(locales_dir: Path, locale: str, template: Catalog) -> Path:
    """Start a catalog for a new language (then translate it and run `kring i18n extract`)."""
    po_path = locales_dir / locale / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(locale=locale, project="kring", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    with po_path.open("wb") as out:
        write_po(out, catalog, width=99)
    return po_path
