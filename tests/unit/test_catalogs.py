"""Dutch and English complete at all times, with the same placeholders as the source."""

from bot.catalogs import extract, problems
from bot.config import LOCALES_DIR
from bot.i18n import compile_po


def test_every_message_is_translated_with_the_same_placeholders():
    template = extract()
    assert len(template) > 50
    assert problems(LOCALES_DIR, template) == []


def test_dutch_and_english_ship_and_compile():
    shipped = {p.parent.parent.name for p in LOCALES_DIR.glob("*/LC_MESSAGES/messages.po")}
    assert {"nl", "en"} <= shipped
    english = compile_po(LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po")
    assert english.gettext("Opgeslagen ✓") == "Saved ✓"
    assert english.ngettext("{days} dag geleden", "{days} dagen geleden", 3) == "{days} days ago"
