"""Long messages split where a reader would break them, each part valid HTML."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest

from dialogs.render.long_text import split_message, units


class Balance(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, (tag, self.stack)
        self.stack.pop()


def balanced(part: str) -> bool:
    checker = Balance()
    checker.feed(part)
    checker.close()
    return not checker.stack


def visible(text: str) -> str:
    return re.sub(r"<[^>]+>", "", text)


def test_a_short_text_is_one_part_untouched():
    assert split_message("<b>Het plan</b>\n\nJohan") == ["<b>Het plan</b>\n\nJohan"]


def test_a_long_plan_splits_between_agreements_and_loses_nothing():
    lines = ["<b>Het plan</b>", "Waar kan Johan veilig opgroeien?", ""] + [
        f"{i}. <b>Opa</b> haalt Johan op woensdag &amp; vrijdag " + "lang verhaal " * 60
        for i in range(1, 31)
    ]
    text = "\n".join(lines)
    parts = split_message(text, limit=4000)
    assert len(parts) > 1
    assert all(units(p) <= 4000 and balanced(p) for p in parts)
    assert "\n".join(parts) == text  # cut only at line ends: joined, the same text
    for i in range(1, 31):  # each agreement whole in one part
        assert sum(p.count(f"\n{i}. <b>Opa</b>") + p.startswith(f"{i}. ") for p in parts) == 1


def test_one_overlong_line_is_cut_between_words_with_its_formatting_carried_over():
    words = " ".join(f"woord{i}" for i in range(1500))
    text = f"Begin <b>{words}</b> &amp; einde"
    parts = split_message(text, limit=1000)
    assert len(parts) > 1
    assert all(units(p) <= 1000 and balanced(p) for p in parts)
    assert all(p.startswith("<b>") for p in parts[1:-1])  # reopened after each cut
    # no word and no entity is cut in half, and nothing is lost or added
    assert visible("".join(parts)).split() == visible(text).split()
    assert "&amp;" in parts[-1]


def test_a_word_longer_than_a_part_is_cut_anyway_and_emoji_count_double():
    text = "😀" * 3000  # 6000 UTF-16 units
    parts = split_message(text, limit=4000)
    assert [units(p) for p in parts] == [4000, 2000]
    assert "".join(parts) == text


def test_formatting_too_deep_to_split_is_refused():
    with pytest.raises(ValueError):
        split_message("<b>" * 20 + "x" * 100, limit=50)
