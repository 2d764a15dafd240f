"""Words the readers of each language flagged stay out of the catalogs (issue 11)."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from bot.config import LOCALES_DIR


def texts(locale: str) -> dict[str, str]:
    """msgid -> this language's text, every plural form joined."""
    with (LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
        return {
            (m.id if isinstance(m.id, str) else m.id[0]): (
                m.string if isinstance(m.string, str) else " ".join(m.string)
            )
            for m in read_po(source, locale=locale)
            if m.id
        }


@pytest.mark.parametrize(
    ("locale", "flagged"),
    [
        ("en", ("Take over", "think along", "any more)", "(anymore)", "I don't know th")),
        ("uk", ("натиском", "соцпрацівник", "(візок", "я не знаю", "я тут не знаю")),
    ],
)
def test_flagged_calques_are_gone(locale: str, flagged: tuple[str, ...]):
    found = {
        word: msgid for msgid, text in texts(locale).items() for word in flagged if word in text
    }
    assert found == {}


def test_the_adopt_button_and_the_wheelchair_read_naturally():
    assert texts("en")["✓ Overnemen"] == "✓ Use this"
    assert "крісло колісне" in texts("uk")["Toegankelijk (rolstoel, lift)"]
    assert (
        "сімейний опікун"
        in texts("uk")[
            "Wat is {name} van de hoofdpersoon? "
            "Bijvoorbeeld: vader, tante, buurvrouw, gezinsvoogd."
        ]
    )


def test_in_tigrinya_one_word_means_invitation_and_age_is_said_in_years():
    tigrinya = texts("ti")
    invitation = [msgid for msgid, text in tigrinya.items() if "ዕድመ" in text]
    assert invitation and all("uitnodiging" in msgid for msgid in invitation)
    assert "ዓመት" in tigrinya["Hoe oud is {name}? Typ een getal, of sla deze vraag over."]


def test_tigrinya_allergens_lead_with_tigrinya_words():
    tigrinya = texts("ti")
    for dutch in ("Gluten", "Schaaldieren", "Sulfiet", "Lupine", "Weekdieren"):
        text = tigrinya[dutch]
        assert "(" in text and not text.startswith("("), (dutch, text)
