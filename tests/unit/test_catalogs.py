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


def test_compiled_catalogs_are_cached_by_content(tmp_path):
    po = tmp_path / "en" / "LC_MESSAGES" / "messages.po"
    po.parent.mkdir(parents=True)
    po.write_bytes((LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").read_bytes())
    cache = tmp_path / "cache"

    assert compile_po(po, cache).gettext("Opgeslagen ✓") == "Saved ✓"
    (compiled,) = (cache / "catalogs").glob("*.mo")
    assert compile_po(po, cache).gettext("Opgeslagen ✓") == "Saved ✓"  # read from the cache

    # an edited .po is another file in the cache: the old translation cannot come back
    po.write_text(po.read_text().replace('msgstr "Saved ✓"', 'msgstr "Stored ✓"'))
    assert compile_po(po, cache).gettext("Opgeslagen ✓") == "Stored ✓"
    assert len(list((cache / "catalogs").glob("*.mo"))) == 2

    # a damaged cache file is compiled anew, not trusted
    compiled.write_bytes(b"not a catalog")
    po.write_bytes((LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po").read_bytes())
    assert compile_po(po, cache).gettext("Opgeslagen ✓") == "Saved ✓"


def test_an_unwritable_cache_only_costs_time(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("a file where the cache directory should be")
    english = compile_po(LOCALES_DIR / "en" / "LC_MESSAGES" / "messages.po", blocked)
    assert english.gettext("Opgeslagen ✓") == "Saved ✓"
