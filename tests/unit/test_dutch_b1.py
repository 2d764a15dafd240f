"""The Dutch source at B1: "datums" for dates, one word for the private time (explained where
a relative meets it), and short sentences in the texts a first review found too hard."""

from __future__ import annotations

import re

import pytest

from bot.catalogs import extract

MAX_WORDS = 14  # per sentence, in the texts below
HARD_WORDS = ("voldoen", "afwijkt", "gedwongen", "op het spel")  # said plainer elsewhere

# A fragment of each text that was rewritten (the fragment is in the old and the new wording)
REWRITTEN = (
    "Dat begrijp ik niet helemaal",  # the fallback
    "<b>Wat is een Eigen Kracht-conferentie?</b>",
    "een informatiegesprek",  # the confirmation of a request for an information talk
    "Wat gebeurt er nu?",  # the confirmation of a request
    "Mogen we vragen wat je eet",
    "u als professional een minimumeis",
    "Welke professional moet het plan accepteren",
    "Je bent uitgenodigd voor een Eigen Kracht-conferentie.\n",  # the invitation
    "plan moet",  # the minimum requirement, as the family reads it
    "Herinnering: deel 1",
)


def dutch() -> list[str]:
    texts = []
    for message in extract():
        if message.id:
            texts.extend([message.id] if isinstance(message.id, str) else message.id)
    return texts


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return dutch()


def sentences(text: str) -> list[str]:
    plain = re.sub(r"<[^>]+>|\{\w+\}", "x", text)
    return [s for s in re.split(r"(?<=[.!?])\s+|(?<=[.!?][\"'”])\s+|\n+", plain) if s.strip()]


def test_dates_are_datums_not_data(texts: list[str]):
    assert [t for t in texts if re.search(r"\bdata\b", t, re.IGNORECASE)] == []


def test_one_word_for_the_private_time_explained_where_the_family_meets_it(texts: list[str]):
    assert [t for t in texts if "besloten tijd" in t.lower()] == []
    private = [t for t in texts if "besloten deel" in t]
    assert private
    for text in private:  # said together with what it means
        assert "zonder coördinator en hulpverleners" in text


@pytest.mark.parametrize("fragment", REWRITTEN)
def test_the_rewritten_texts_use_short_sentences_and_plain_words(texts: list[str], fragment: str):
    found = [t for t in texts if fragment in t]
    assert found, fragment
    for text in found:
        for sentence in sentences(text):
            assert len(sentence.split()) <= MAX_WORDS, sentence
        assert not [w for w in HARD_WORDS if w in text.lower()], text
