"""Counts in every language: a message with a number takes the form that fits the number
(CLDR's plural rules), "1 persoon" and "2 mensen" in Dutch, "منذ 100 يوم" but "منذ 11 يومًا"
in Arabic, "2 osoby" but "5 osób" in Polish."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from bot.catalogs import extract
from bot.config import LOCALES_DIR
from bot.i18n import CatalogI18n, compile_po
from conference.errors import InvalidAnswer, Problem, SlotError, SlotProblem

LANGUAGES = sorted(p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po"))
SAMPLES = (0, 1, 2, 3, 11, 100)
# gettext's forms follow CLDR's categories in this order, leaving out those a language lacks
GETTEXT_ORDER = ("zero", "one", "two", "few", "many", "other")
BIDI = re.compile("[\u2066-\u2069\u200e\u200f]")


def _order(locale: str) -> list[str]:
    rule = Locale.parse(locale).plural_form
    used = {rule(n) for n in range(201)}
    return [category for category in GETTEXT_ORDER if category in used]


@pytest.fixture(scope="module")
def plural_messages() -> list[tuple[str, str]]:
    return [m.id for m in extract() if isinstance(m.id, tuple)]


@pytest.fixture(scope="module")
def i18n() -> CatalogI18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale="nl")


@pytest.mark.parametrize("locale", LANGUAGES)
def test_each_plural_message_takes_the_form_of_the_numbers_category(
    locale: str, plural_messages: list[tuple[str, str]], tmp_path: Path
):
    po = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    translations = compile_po(po, tmp_path)  # as the bot reads it
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    rule, order = Locale.parse(locale).plural_form, _order(locale)
    assert catalog.num_plurals == len(order), catalog.plural_forms
    for singular, plural in plural_messages:
        forms = catalog[singular].string
        assert len(forms) == len(order), singular
        for n in SAMPLES:
            assert translations.ngettext(singular, plural, n) == forms[order.index(rule(n))], (
                singular,
                n,
                rule(n),
            )


DAYS = ("{days} dag geleden", "{days} dagen geleden")
SET = (
    "Vastgezet ✓ {count} persoon krijgt het bericht.",
    "Vastgezet ✓ {count} mensen krijgen het bericht.",
)
BLOCKED = (
    "🚫 {count} heeft de bot geblokkeerd (niet verstuurd)",
    "🚫 {count} hebben de bot geblokkeerd (niet verstuurd)",
)
KNOWN = [
    ("nl", SET, 1, "Vastgezet ✓ 1 persoon krijgt het bericht."),
    ("nl", SET, 0, "Vastgezet ✓ 0 mensen krijgen het bericht."),
    ("ar", DAYS, 3, "منذ 3 أيام"),
    ("ar", DAYS, 10, "منذ 10 أيام"),
    ("ar", DAYS, 11, "منذ 11 يومًا"),
    ("ar", DAYS, 99, "منذ 99 يومًا"),
    ("ar", DAYS, 100, "منذ 100 يوم"),
    ("ar", DAYS, 102, "منذ 102 يوم"),
    ("ar", DAYS, 103, "منذ 103 أيام"),
    ("ar", DAYS, 111, "منذ 111 يومًا"),
    ("ar", BLOCKED, 1, "🚫 شخص حظر البوت (لم يُرسَل): 1"),
    ("ar", BLOCKED, 2, "🚫 شخصان حظرا البوت (لم يُرسَل): 2"),
    ("pl", DAYS, 1, "1 dzień temu"),
    ("pl", DAYS, 22, "22 dni temu"),
    ("pl", SET, 1, "Ustalono ✓ Wiadomość dostanie 1 osoba."),
    ("pl", SET, 3, "Ustalono ✓ Wiadomość dostaną 3 osoby."),
    ("pl", SET, 12, "Ustalono ✓ Wiadomość dostanie 12 osób."),
    ("pl", SET, 22, "Ustalono ✓ Wiadomość dostaną 22 osoby."),
    ("pl", SET, 100, "Ustalono ✓ Wiadomość dostanie 100 osób."),
    ("uk", DAYS, 1, "1 день тому"),
    ("uk", DAYS, 3, "3 дні тому"),
    ("uk", DAYS, 11, "11 днів тому"),
    ("uk", DAYS, 21, "21 день тому"),
    ("uk", DAYS, 100, "100 днів тому"),
    ("uk", BLOCKED, 1, "🚫 1 людина заблокувала бота (не надіслано)"),
    ("uk", BLOCKED, 24, "🚫 24 людини заблокували бота (не надіслано)"),
    ("uk", SET, 5, "Затверджено ✓ Повідомлення отримають 5 людей."),
    ("uk", SET, 101, "Затверджено ✓ Повідомлення отримає 101 людина."),
]


@pytest.mark.parametrize(("locale", "message", "n", "expected"), KNOWN)
def test_known_renderings(
    i18n: CatalogI18n, locale: str, message: tuple[str, str], n: int, expected: str
):
    from dialogs.render.texts import Text, ngettext

    with i18n.context(), i18n.use_locale(locale):
        text = ngettext(*message, n)
        assert isinstance(text, Text)  # so values are isolated and numbers localised
        rendered = text.format(days=n, count=n)
    assert BIDI.sub("", rendered) == expected


def test_a_count_in_arabic_text_is_isolated_like_any_other_value(i18n: CatalogI18n):
    from dialogs.render.texts import ngettext

    with i18n.context(), i18n.use_locale("ar"):
        assert "\u2067100\u2069" in ngettext(*DAYS, 100).format(days=100)


def _singular_messages() -> Iterator[str]:
    for message in extract():
        if message.id and not isinstance(message.id, tuple):
            yield message.id


COUNTED = re.compile(
    r"\{[a-z_]+\} (mensen|personen|dagen|weken|uren|tekens|talen|data)\b"
    r"|\((en|s|n)\)"
)


def test_no_count_is_written_around_the_plural(plural_messages: list[tuple[str, str]]):
    """ "{count} mensen" or "moet(en)" in a message without plural forms reads "1 mensen"."""
    assert [m for m in _singular_messages() if COUNTED.search(m)] == []
    assert len(plural_messages) >= 20


def test_dialog_texts_for_one(i18n: CatalogI18n):
    from dialogs.flows.dates import _score_line
    from dialogs.flows.intake import problem_text
    from dialogs.render.labels import slot_problem_text

    with i18n.context(), i18n.use_locale("nl"):
        assert _score_line(1, "za 10 juli", 3, 0, 0, 0, 1).endswith(
            "⚠ 1 die er zeker bij moet zijn, kan niet"
        )
        assert _score_line(1, "za 10 juli", 3, 0, 0, 0, 2).endswith(
            "⚠ 2 die er zeker bij moeten zijn, kunnen niet"
        )
        assert (
            problem_text(InvalidAnswer(Problem.TOO_MANY, limit=1))
            == "Je kunt hoogstens 1 taal kiezen."
        )
        assert problem_text(InvalidAnswer(Problem.TOO_SHORT, limit=1)).endswith(
            "(minstens 1 teken)?"
        )
        too_few = slot_problem_text(
            SlotError(SlotProblem.TOO_FEW), ZoneInfo("Europe/Amsterdam"), "nl"
        )
        assert too_few.startswith("Stel minstens 2 datums voor")  # MIN_SLOTS
