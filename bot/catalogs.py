"""The gettext workflow: `kring i18n extract` (sources -> messages.pot -> every .po, Dutch
filled from the source since Dutch is the source language) and `kring i18n check`."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "dialogs")
SOURCE_LOCALE = "nl"
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def extract(root: Path = ROOT) -> Catalog:
    template = Catalog(project="kring", msgid_bugs_address="", fuzzy=False)
    for folder in SOURCE_DIRS:
        for filename, lineno, message, comments, context in extract_from_dir(
            root / folder,
            method_map=[("**.py", "python")],
            keywords={"_": {1: (1,), 3: (1, 2)}, "__": None, "ngettext": (1, 2)},
            comment_tags=("Translators:",),
            strip_comment_tags=True,
        ):
            template.add(message, None, [(f"{folder}/{filename}", lineno)],
                         auto_comments=comments, context=context)
    return template


def update(locales_dir: Path, template: Catalog) -> list[Path]:
    with (locales_dir / "messages.pot").open("wb") as out:
        write_po(out, template, width=99, omit_header=False)
    written = []
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=locale)
        catalog.update(template, no_fuzzy_matching=True)
        if locale == SOURCE_LOCALE:
            for message in catalog:
                if message.id:
                    message.string = message.id
                    message.flags.discard("fuzzy")
        with po_path.open("wb") as out:
            write_po(out, catalog, width=99, ignore_obsolete=True)
        written.append(po_path)
    return written


def problems(locales_dir: Path, template: Catalog | None = None) -> list[str]:
    """Untranslated, fuzzy or placeholder-mismatched messages, and messages missing from a
    catalog that the sources use."""
    template = template or extract()
    wanted = {m.id for m in template if m.id}
    found: list[str] = []
    for po_path in sorted(locales_dir.glob("*/LC_MESSAGES/messages.po")):
        locale = po_path.parent.parent.name
        with po_path.open("rb") as source:
            catalog = read_po(source, locale=locale)
        have = {m.id for m in catalog if m.id}
        for missing in sorted(wanted - have, key=str):
            found.append(f"{locale}: not in catalog: {missing!r}")
        for message in catalog:
            if not message.id or message.id not in wanted:
                continue
            ids = message.id if isinstance(message.id, tuple) else (message.id,)
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                found.append(f"{locale}: untranslated: {ids[0]!r}")
                continue
            expected = set(PLACEHOLDER.findall(ids[-1]))
            for string in strings:
                if set(PLACEHOLDER.findall(string)) != expected:
                    found.append(f"{locale}: placeholders differ: {ids[0]!r}")
    return found


def init(locales_dir: Path, locale: str, template: Catalog) -> Path:
    """Start a catalog for a new language (then translate it and run `kring i18n extract`)."""
    po_path = locales_dir / locale / "LC_MESSAGES" / "messages.po"
    po_path.parent.mkdir(parents=True, exist_ok=True)
    catalog = Catalog(locale=locale, project="kring", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    with po_path.open("wb") as out:
        write_po(out, catalog, width=99)
    return po_path
