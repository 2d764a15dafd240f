"""Right to left and digits: values joined outside a sentence keep their order in Arabic and
Persian, arrows point the reader's way, Persian is written with Persian digits throughout."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from babel.messages.pofile import read_po

from bot.config import LOCALES_DIR
from bot.i18n import CatalogI18n
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId, InviteeId
from conference.model.meeting import Meeting, Venue
from conference.model.plan import Agreement, Who
from dialogs.flows.plan import agreement_line
from dialogs.render.announce import notice
from dialogs.render.labels import listed as labels_listed
from dialogs.render.labels import short_when
from dialogs.render.texts import (
    FSI,
    PDI,
    RLI,
    RLM,
    _,
    first_strong,
    joined,
    native_digits,
    ngettext,
    number,
)
from dialogs.to_others import when

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
RTL = ("ar", "fa")
ROOT = Path(__file__).resolve().parents[2]
_i18n: list[CatalogI18n] = []


@contextmanager
def reading(locale: str) -> Iterator[None]:
    if not _i18n:
        _i18n.append(CatalogI18n(path=LOCALES_DIR, default_locale="nl"))
    i18n = _i18n[0]
    with i18n.context(), i18n.use_locale(locale):
        yield


def person(locale: str) -> Invitee:
    return Invitee(InviteeId(1), ConferenceId(1), "Wim", "zoon", Group.FAMILY, locale, True)


# -- point 3: values joined outside a sentence are isolated, the line reads from the right


@pytest.mark.parametrize("locale", RTL)
def test_an_agreement_line_keeps_the_date_and_the_names_in_the_readers_order(locale: str):
    item = Agreement(
        1, "Johan zwemt op vrijdag", (Who(None, "Wim"), Who(None, "Johan")), date(2027, 7, 28)
    )
    with reading(locale):
        line = agreement_line(item, {}, locale)
    assert line.startswith(RLM)  # the line runs right to left, though it starts with Dutch
    assert first_strong(line) == "R"
    assert f"{FSI}Johan zwemt op vrijdag{PDI}" in line
    assert f"{FSI}Wim{PDI}" in line and f"{FSI}Johan{PDI}" in line  # each name, and
    names = line[line.index(RLI) :]
    assert names.index(f"{FSI}Wim{PDI}") < names.index(f"{FSI}Johan{PDI}")  # the list: RLI
    day = native_digits(format_date(date(2027, 7, 28), "long", locale=locale), locale)
    assert f"{FSI}{day}{PDI}" in line  # the date: one isolate, "28 يوليو 2027" as written


def test_left_to_right_lines_stay_plain():
    item = Agreement(1, "Johan zwemt", (Who(None, "Wim"), Who(None, "Johan")), date(2027, 7, 28))
    with reading("nl"):
        assert agreement_line(item, {}, "nl") == "• Johan zwemt — Wim en Johan — 28 juli 2027"
        assert joined(["EK-2026-0007", "nieuw"]) == "EK-2026-0007 · nieuw"


@pytest.mark.parametrize("locale", RTL)
def test_a_list_of_latin_names_reads_in_the_readers_order(locale: str):
    with reading(locale):
        names = labels_listed(["Herman", "Edith", "Wim"])  # what the dialogs call
        sentence = _("Erbij: {names}").format(names=names)
    assert names.startswith(RLM + RLI) and names.endswith(PDI)  # the whole: right to left
    for name in ("Herman", "Edith", "Wim"):
        assert f"{FSI}{name}{PDI}" in names  # each name: its own direction
    assert names in sentence  # not wrapped again (an FSI would make the list left to right)


@pytest.mark.parametrize("locale", RTL)
def test_the_unchanged_date_and_place_line_is_isolated(locale: str):
    starts = datetime(2027, 7, 28, 8, tzinfo=UTC)
    before = Meeting(ConferenceId(1), starts, Venue("De Linde"), 1)
    after = Meeting(ConferenceId(1), starts, Venue("De Linde"), 2)
    with reading(locale):
        text, _markup = notice(person(locale), before, after, AMSTERDAM, locale)
    line = next(line for line in text.split("\n") if "📍" in line)
    assert " · " in line and line.startswith(RLM) and f"{FSI}De Linde{PDI}" in line


def test_values_are_joined_through_the_helpers_only():
    """No " · ".join, ", ".join or f-string with " · " in the dialogs: they would bypass the
    isolation (dialogs/render/texts.py: joined, listed, labelled)."""
    found = []
    for path in sorted((ROOT / "dialogs").rglob("*.py")):
        if path.name == "texts.py":
            continue
        for number_, line in enumerate(path.read_text().splitlines(), start=1):
            if re.search(r"""["'](, |; | · )["']\.join|f["'][^"']* · """, line):
                found.append(f"{path.name}:{number_}: {line.strip()}")
    assert found == []


# -- point 5: arrows point the reader's way

MIRRORED = {"→": "←", "⬅": "➡", "➡": "⬅", "←": "→", "⇒": "⇐", "▶": "◀", "◀": "▶"}


def _messages(locale: str) -> Iterator[tuple[str, str]]:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        for message in read_po(source, locale=locale):
            if not message.id:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            for string in strings:
                yield ids[0], string


@pytest.mark.parametrize("locale", RTL)
def test_arrows_in_a_right_to_left_translation_point_the_readers_way(locale: str):
    wrong = []
    for msgid, string in _messages(locale):
        for arrow, mirrored in MIRRORED.items():
            if arrow in msgid and arrow in string and mirrored not in msgid:
                wrong.append((msgid, string))
    assert wrong == []


@pytest.mark.parametrize("locale", RTL)
def test_the_time_change_is_said_in_words_the_readers_way(locale: str):
    before = Meeting(ConferenceId(1), datetime(2027, 7, 28, 8, tzinfo=UTC), Venue("De Linde"), 1)
    after = Meeting(ConferenceId(1), datetime(2027, 7, 29, 8, tzinfo=UTC), Venue("Het Anker"), 2)
    with reading(locale):
        text, _markup = notice(person(locale), before, after, AMSTERDAM, locale)
    assert not any(arrow in text for arrow in MIRRORED)
    assert f"{FSI}De Linde{PDI}" in text and f"{FSI}Het Anker{PDI}" in text


def test_no_arrow_is_written_outside_a_translation():
    """An arrow in the code (a button, a joined line) could not follow the reader."""
    found = []
    for path in sorted((ROOT / "dialogs").rglob("*.py")) + sorted((ROOT / "bot").glob("*.py")):
        tree = ast.parse(path.read_text())
        translated = {
            id(node.args[0])
            for node in ast.walk(tree)
            if isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in ("_", "ngettext", "button_text")
            and node.args
        }
        docstrings = {
            id(node.body[0].value)
            for node in ast.walk(tree)
            if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
            and node.body
            and isinstance(node.body[0], ast.Expr)
        }
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and any(a in node.value for a in MIRRORED)
                and id(node) not in translated | docstrings
            ):
                found.append(f"{path.name}:{node.lineno}")
    assert found == []


# -- point 17: Persian digits throughout Persian messages

LATIN = re.compile(r"[0-9]")
PERSIAN = re.compile(r"[۰-۹]")


def test_persian_numbers_dates_and_times_use_persian_digits():
    moment = datetime(2027, 7, 28, 8, 30, tzinfo=UTC)
    with reading("fa"):
        texts = [
            when(moment, AMSTERDAM, "fa"),
            short_when(moment, AMSTERDAM, "fa"),
            number(1234),
            _("Kinderen mee: {count}").format(count=12),
            agreement_line(Agreement(1, "شنا", (), date(2027, 7, 28)), {}, "fa"),
        ]
    for text in texts:
        assert not LATIN.search(text) and PERSIAN.search(text), text
    assert "۱۰:۳۰" in texts[0] and "۲۸" in texts[0] and "۱٬۲۳۴" == texts[2]


def test_a_count_message_is_shaped_like_any_other():
    with reading("fa"):
        text = ngettext("{count} dag geleden", "{count} dagen geleden", 3).format(count=3)
        typed = _("Reden: {reason}").format(reason="Johan is ziek.\nWim ook.")
    assert f"{RLI}۳{PDI}" in text and not LATIN.search(text)
    assert typed.split("\n")[1] == "Wim ook." + PDI  # a typed Latin line keeps its direction


@pytest.mark.parametrize("locale", ["nl", "ar", "tr"])
def test_other_languages_keep_latin_digits(locale: str):
    moment = datetime(2027, 7, 28, 8, 30, tzinfo=UTC)
    with reading(locale):
        text = when(moment, AMSTERDAM, locale) + _("Kinderen mee: {count}").format(count=12)
    assert not PERSIAN.search(text) and "28" in text and "12" in text


def test_persian_translations_write_persian_digits():
    mixed = [
        string
        for _msgid, string in _messages("fa")
        if LATIN.search(re.sub(r"\{[^}]*\}|Lindelaan[^,]*", "", string))
    ]
    assert mixed == []
