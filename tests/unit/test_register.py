"""Every reader is addressed politely and, where the language marks it, without assuming a man:
Turkish always "siz", Polish polite and impersonal (never "Cześć" or "ty"; many readers are
grandparents). A review by readers of the language found
the forms below; a new text that brings one back fails here."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po

from bot.config import LOCALES_DIR


def texts(locale: str) -> list[str]:
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale=locale)
    found = []
    for message in catalog:
        if message.id:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            found += [s for s in strings if s]
    return found


TURKISH_SEN = [
    r"\b(?:sen|sana|seni|senin|sende|senden|kendin)\b",  # the pronoun, "yourself"
    r"\b\w+(?:yor|bilir|ecek|acak|malı|meli|mez|maz)s[ıiuü]n\b",  # geliyorsun, yapabilirsin
    r"\bm[ıiuü]s[ıiuü]n\b",  # gelebilir misin?
    r"\b\w+(?:il|me|ma|l)d[ıiuü]n\b",  # davet edildin, cevap vermedin, aldın mı
]

POLISH_TY = [
    r"\bcześć\b",
    r"\b(?:ty|ci|cię|ciebie|tobą|tobie|twój|twoja|twoje|twojego|twojej|twoim|twoich|twoją)\b",
    r"\b(?:jesteś|możesz|masz|chcesz|musisz|wiesz|przyjdziesz|dowiesz|widzisz|wysyłasz|"
    r"akceptujesz|jesz|odpowiadasz|wypełniasz|mieszkasz|potrzebujesz|dajesz|będziesz)\b",
    r"\b\w+(?:łeś|łaś)\b",  # odpowiedziałeś/aś
    # imperatives addressed to one reader: instructions say "Proszę ...", buttons an infinitive
    r"\b(?:kliknij|wpisz|wybierz|otwórz|poproś|dodaj|wyślij|zapytaj|pomiń|przerwij|spróbuj|"
    r"zmień|daj|napisz|udostępnij|użyj|spójrz|poczekaj|zaproponuj|ustal|przyjmij|zacznij|"
    r"odwołaj|przypomnij|przydziel|sprawdź|kontynuuj|zostaw|zadaj|przekaż|odłóż|zobacz)\b",
]

FORBIDDEN = {
    "tr": TURKISH_SEN,
    "pl": POLISH_TY,
}


@pytest.mark.parametrize("locale", sorted(FORBIDDEN))
def test_the_reader_is_addressed_in_the_agreed_register(locale: str) -> None:
    patterns = [re.compile(p, re.IGNORECASE) for p in FORBIDDEN[locale]]
    offending = sorted({text for text in texts(locale)
                        for pattern in patterns if pattern.search(text)})
    assert offending == [], f"{locale}: {len(offending)} texts, e.g. {offending[:3]}"
