"""Texts on buttons that a family member or an applicant sees. Use `button_text("...")`
exactly like `_("...")`: the same translation, and `kring i18n check` (bot/catalogs.py) keeps
each at most 32 characters in every language, or a phone cuts it off where it matters."""

from __future__ import annotations

from typing import Any

from dialogs.render.texts import Text, _


def button_text(*args: Any, **kwargs: Any) -> Text:
    return _(*args, **kwargs)
