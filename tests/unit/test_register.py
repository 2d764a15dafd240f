"""Every reader is addressed politely and, where the language marks it, without assuming a man:
Turkish always "siz", Polish polite and impersonal (never "Cześć" or "ty"; many readers are
grandparents), Arabic in the plural of address or neutral forms instead of the masculine
singular, so that women are addressed too. A review by readers of the language found
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

# whole Arabic words: no letter or short vowel mark may touch them on either side
_WORD = r"(?<![\w\u064B-\u0652])(?:{})(?![\w\u064B-\u0652])"
ARABIC_MASCULINE_SINGULAR = [
    # imperatives to one man (the plural -وا forms include women)
    _WORD.format(
        "|".join(
            [
                "اضغط",
                "اكتب",
                "اكتبه",
                "اختر",
                "افتح",
                "افتحه",
                "اطلب",
                "أرسل",
                "شارك",
                "أضف",
                "انتظر",
                "اسأل",
                "ذكّر",
                "تعال",
                "حاول",
                "استخدم",
                "انظر",
                "راجع",
                "أكمل",
                "ابدأ",
                "أوقف",
                "انتبه",
                "اتركه",
                "اقترح",
                "أخبرهم",
                "أخبرنا",
                "تخطَّ",
                "اطرحها",
                "اجعل",
                "غيّره",
                "أعطِ",
                "لا تُرسل",
                "لا تقترح",
            ]
        )
    ),
    # "you" and "your" for one man
    _WORD.format(
        "|".join(
            [
                "أنت",
                "أنك",
                "لأنك",
                "لك",
                "معك",
                "إليك",
                "عنك",
                "بك",
                "منك",
                "لديك",
                "بإمكانك",
                "طلبك",
                "جوابك",
                "اسمك",
                "رقمك",
                "هاتفك",
                "منسّقك",
                "موافقتك",
                "بياناتك",
                "إجاباتك",
                "اقتراحك",
                "لغتك",
                "رسالتك",
                "نصك",
                "اتفاقاتك",
                "دينك",
                "صحتك",
                "مشاركتك",
                "بكلماتك",
                "تقويمك",
                "يقلقك",
                "يناسبك",
                "سيخبرك",
                "نسألك",
                "سنخبرك",
                "يساعدك",
                "دعوتك",
                "اخترت",
                "أجبت",
                "قلت",
                "قررت",
            ]
        )
    ),
    # questions and states for one man
    _WORD.format(
        "|".join(
            [
                "هل تريد",
                "هل تستطيع",
                "هل تقبل",
                "هل ستحضر",
                "هل ما زلت",
                "ماذا تحتاج",
                "ماذا تأكل",
                "متأكدًا",
                "متأكد",
                "مدعو",
                "ستحضر",
                "ربما تحضر",
                "لا تستطيع الحضور",
                "لم تُجب",
                "تسكن؟",
            ]
        )
    ),
]

FORBIDDEN = {
    "ar": ARABIC_MASCULINE_SINGULAR,
    "tr": TURKISH_SEN,
    "pl": POLISH_TY,
}


@pytest.mark.parametrize("locale", sorted(FORBIDDEN))
def test_the_reader_is_addressed_in_the_agreed_register(locale: str) -> None:
    patterns = [re.compile(p, re.IGNORECASE) for p in FORBIDDEN[locale]]
    offending = sorted(
        {text for text in texts(locale) for pattern in patterns if pattern.search(text)}
    )
    assert offending == [], f"{locale}: {len(offending)} texts, e.g. {offending[:3]}"
