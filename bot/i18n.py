"""Catalogs and the person's language for each update."""

from __future__ import annotations

import gettext
import io
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from conference.model import Person

DOMAIN = "messages"


class CatalogI18n(I18n):
    """aiogram's I18n, but compiled from the .po files in memory at start: no .mo files to
    build, commit or forget (they would drift from the sources)."""

    @contextmanager
    def context(self) -> Generator[I18n, None, None]:
        # The mixin keeps one context variable per class: register under I18n's, which is
        # where aiogram's gettext() looks.
        token = I18n.set_current(self)
        try:
            yield self
        finally:
            I18n.reset_current(token)

    def find_locales(self) -> dict[str, gettext.GNUTranslations]:
        translations: dict[str, gettext.GNUTranslations] = {}
        for po_path in sorted(Path(self.path).glob(f"*/LC_MESSAGES/{self.domain}.po")):
            translations[po_path.parent.parent.name] = compile_po(po_path)
        if self.default_locale not in translations:
            raise RuntimeError(f"no catalog for the default locale {self.default_locale!r}")
        return translations


def compile_po(po_path: Path) -> gettext.GNUTranslations:
    with po_path.open("rb") as source:
        catalog = read_po(source, locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


class PersonLocaleMiddleware(I18nMiddleware):
    """The language the person chose (/language), else the one their Telegram app uses."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        person: Person | None = data.get("person")
        if person is not None and person.locale in self.i18n.available_locales:
            return person.locale
        return self.i18n.default_locale
