"""Catalogs and the person's language for each update."""

from __future__ import annotations

import gettext
import hashlib
import io
import logging
import os
from collections.abc import Generator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiogram.types import TelegramObject
from aiogram.utils.i18n import I18n, I18nMiddleware
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from conference.model.people import Person

DOMAIN = "messages"

log = logging.getLogger(__name__)


class CatalogI18n(I18n):
    """aiogram's I18n, but compiled from the .po files in memory at start: no .mo files to
    build, commit or forget (they would drift from the sources)."""

    def __init__(
        self,
        *,
        path: str | Path,
        default_locale: str = "en",
        domain: str = DOMAIN,
        cache_dir: Path | None = None,
    ) -> None:
        self.cache_dir = cache_dir
        super().__init__(path=path, default_locale=default_locale, domain=domain)

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
            translations[po_path.parent.parent.name] = compile_po(po_path, self.cache_dir)
        if self.default_locale not in translations:
            raise RuntimeError(f"no catalog for the default locale {self.default_locale!r}")
        return translations


def compile_po(po_path: Path, cache_dir: Path | None = None) -> gettext.GNUTranslations:
    """The catalog compiled from its .po. Compiling all of them takes a third of a second, so
    the compiled form is kept in a cache named after the .po's content (it cannot drift: an
    edited .po has another name); without a writable cache it is compiled each time."""
    source = po_path.read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    cached = (cache_dir or default_cache_dir()) / "catalogs" / f"{digest}.mo"
    try:
        return gettext.GNUTranslations(io.BytesIO(cached.read_bytes()))
    except (OSError, EOFError):
        pass  # not cached (yet), or a damaged file: compile it below
    catalog = read_po(io.BytesIO(source), locale=po_path.parent.parent.name)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    try:
        cached.parent.mkdir(parents=True, exist_ok=True)
        partial = cached.with_suffix(f".{os.getpid()}.tmp")
        partial.write_bytes(buffer.getvalue())
        partial.replace(cached)  # atomic: another process never reads half a file
    except OSError as error:
        log.debug("compiled catalogs are not cached: %s", error)
    buffer.seek(0)
    return gettext.GNUTranslations(buffer)


def default_cache_dir() -> Path:
    """The user's cache directory (XDG), when KRING_CACHE_DIR does not say otherwise."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "kring"


class PersonLocaleMiddleware(I18nMiddleware):
    """The language the person chose (/language), else the one their Telegram app uses."""

    async def get_locale(self, event: TelegramObject, data: dict[str, Any]) -> str:
        person: Person | None = data.get("person")
        if person is not None and person.locale in self.i18n.available_locales:
            return person.locale
        return self.i18n.default_locale
