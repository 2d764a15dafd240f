"""`kring i18n check` refuses what would rot a catalog: a string added in code but not
extracted, a wrong number of plural forms, lost HTML tags or placeholders, a message too long
for Telegram once long names are filled in."""

from __future__ import annotations

import shutil
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.catalogs import extract, problems
from bot.config import LOCALES_DIR


def _copy(tmp_path: Path, *locales: str) -> Path:
    target = tmp_path / "locales"
    target.mkdir()
    shutil.copy(LOCALES_DIR / "messages.pot", target / "messages.pot")
    for locale in locales:
        shutil.copytree(LOCALES_DIR / locale, target / locale)
    return target


def _edit(po: Path, locale: str, change) -> None:
    with po.open("rb") as source:
        catalog = read_po(source, locale=locale)
    change(catalog)
    with po.open("wb") as out:
        write_po(out, catalog, width=99)


def test_a_string_added_in_code_without_extraction_fails(tmp_path):
    locales = _copy(tmp_path, "en")
    template = extract()
    newer = Catalog()
    for message in template:
        if message.id:
            newer.add(message.id, None)
    newer.add("Een nieuwe tekst die nog niemand vertaalde", None)
    found = problems(locales, newer)
    assert "messages.pot: not up to date with the code (run kring i18n extract)" in found
    assert "en: not in catalog: 'Een nieuwe tekst die nog niemand vertaalde'" in found


def test_plural_forms_tags_placeholders_and_length_are_checked(tmp_path):
    locales = _copy(tmp_path, "en")
    po = locales / "en" / "LC_MESSAGES" / "messages.po"

    def spoil(catalog: Catalog) -> None:
        for message in catalog:
            if message.id == ("{days} dag geleden", "{days} dagen geleden"):
                message.string = ("{days} day ago",)  # English needs two forms
            elif message.id == "<b>Mijn conferenties</b>":
                message.string = "My conferences"
            elif (
                message.id == "Hallo {name}! Er zijn datums voorgesteld voor de Eigen "
                "Kracht-conferentie."
            ):
                message.string = "Hello! Dates were proposed."
            elif message.id == "Afspraak opgeslagen ✓":
                message.string = "x" * 5000

    _edit(po, "en", spoil)
    found = problems(locales, extract())
    # a missing plural form (English has two) counts as untranslated
    assert "en: untranslated: '{days} dag geleden'" in found
    assert "en: HTML tags differ: '<b>Mijn conferenties</b>'" in found
    assert any(
        line.startswith("en: placeholders differ: 'Hallo {name}! Er zijn datums") for line in found
    )
    assert "en: too long for Telegram with long names: 'Afspraak opgeslagen ✓'" in found


def test_extracting_a_new_text_leaves_it_untranslated_in_every_other_language(tmp_path):
    from bot.catalogs import update

    locales = _copy(tmp_path, "en", "nl", "tr", "uk")
    template = extract()
    template.add("Een tekst die net in de code kwam", None)
    update(locales, template)
    for locale, expected in (
        ("nl", "Een tekst die net in de code kwam"),
        ("en", ""),
        ("tr", ""),
        ("uk", ""),
    ):
        with (locales / locale / "LC_MESSAGES" / "messages.po").open("rb") as source:
            catalog = read_po(source, locale=locale)
        # Dutch is the source; a language after it must not inherit the Dutch as its text
        assert catalog["Een tekst die net in de code kwam"].string == expected, locale


def test_plural_forms_must_follow_cldr_in_gettexts_order(tmp_path):
    locales = _copy(tmp_path, "ar", "fa", "ti", "pl")

    def header(value: str):
        def change(catalog: Catalog) -> None:
            catalog.mime_headers = [("Plural-Forms", value)]

        return change

    # Babel 2.18's Arabic header: 'other' (100-102) before 'many' (11-99)
    _edit(
        locales / "ar" / "LC_MESSAGES" / "messages.po",
        "ar",
        header(
            "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : "
            "n%100>=0 && n%100<=2 ? 4 : 5);"
        ),
    )
    _edit(
        locales / "fa" / "LC_MESSAGES" / "messages.po", "fa", header("nplurals=1; plural=0;")
    )  # one form, where CLDR has 'one' (0 and 1) and 'other'
    _edit(
        locales / "ti" / "LC_MESSAGES" / "messages.po",
        "ti",
        header("nplurals=2; plural=(n != 1);"),
    )  # 0 is 'one' in Tigrinya
    found = problems(locales, extract())
    assert any(
        line.startswith("ar: Plural-Forms picks form 5 for 11, CLDR's 'many' is form 4")
        for line in found
    ), found
    assert any(
        line.startswith("fa: Plural-Forms has 1 forms, CLDR has 2 (one, other)") for line in found
    ), found
    assert any(
        line.startswith("ti: Plural-Forms picks form 1 for 0, CLDR's 'one' is form 0")
        for line in found
    ), found
    assert not any(line.startswith("pl: ") for line in found)


def test_every_plural_form_keeps_the_placeholders(tmp_path):
    locales = _copy(tmp_path, "ar")

    def spoil(catalog: Catalog) -> None:
        message = catalog["{days} dag geleden"]
        forms = list(message.string)
        forms[4] = "منذ أيام"  # 'many' without the number
        message.string = tuple(forms)

    _edit(locales / "ar" / "LC_MESSAGES" / "messages.po", "ar", spoil)
    assert "ar: placeholders differ: '{days} dag geleden'" in problems(locales, extract())


def test_the_dutch_singular_and_plural_keep_the_same_placeholders(tmp_path):
    template = extract()
    template.add(("{count} persoon", "{n} mensen"), None)
    found = problems(_copy(tmp_path), template)
    assert "source: singular and plural have other placeholders: '{count} persoon'" in found


def test_a_button_too_long_for_a_phone_is_reported(tmp_path):
    locales = _copy(tmp_path, "tr")
    po = locales / "tr" / "LC_MESSAGES" / "messages.po"

    def spoil(catalog: Catalog) -> None:
        catalog["Ik wil eerst meer weten"].string = "Önce daha fazla bilgi almak istiyorum"
        catalog["Kinderen mee: {count}"].string = "Yanımda gelecek çocukların sayısı: {count}"
        # not a button: a long sentence is fine
        catalog[
            "Deze link ken ik niet. Vraag wie je uitnodigde om een nieuwe link."
        ].string = "Bu bağlantıyı tanımıyorum. Sizi davet eden kişiden yeni bir bağlantı isteyin."

    _edit(po, "tr", spoil)
    found = problems(locales, extract())
    assert "tr: button longer than 32 characters (37): 'Ik wil eerst meer weten'" in found
    assert "tr: button longer than 32 characters (37): 'Kinderen mee: {count}'" in found
    assert not any("Deze link ken ik niet" in line for line in found)


def test_visible_characters_count_what_a_reader_sees():
    from bot.catalogs import button_length, visible_length

    assert visible_length("✅ za 26 jun 10:00") == 17
    assert visible_length("👨\u200d👩\u200d👧 🇳🇱 👍🏽") == 5  # a family, a flag, a thumb
    assert visible_length("مُحَمَّد") == 4  # Arabic vowel marks take no room
    assert visible_length("\u2068Wim\u2069") == 3  # isolates are invisible
    assert button_length("🔁 {name}") == 14  # a 12-letter first name filled in


def test_every_dates_button_fits_a_phone_in_every_language():
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from bot.catalogs import visible_length
    from conference.model.meeting import Vote
    from dialogs.render.labels import vote_button_text

    zone = ZoneInfo("Europe/Amsterdam")
    longest = datetime(2027, 9, 29, 10, 0, tzinfo=zone)  # Wednesday in September
    for locale in ("nl", "en", "tr", "ar", "pl", "uk", "fa", "ti"):
        for vote in (None, *Vote):
            text = vote_button_text(vote, longest, zone, locale)
            assert text[0] in "✅🟡❌❔"  # the choice first: a cut button keeps it
            assert visible_length(text) <= 32, (locale, text)
