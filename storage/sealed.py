"""Sealed text columns: what the application reads and writes is plain text, what the database
holds is AES-GCM ciphertext (storage/crypto.py), bound to the column's name.

The keys belong to an engine (storage/db.py gives each engine its ring), and a column type only
sees the engine's dialect, so the rings are kept per dialect object here. None and "" are kept
as they are: an empty value tells nothing, and SQL may compare with "" (the outbox's forgotten
texts)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Dialect, Text, TypeDecorator

from storage.crypto import KeyRing


class NoDataKey(Exception):
    """An engine without keys met a sealed column."""


T = TypeVar("T")

_rings: WeakKeyDictionary[Dialect, KeyRing | Callable[[], KeyRing]] = WeakKeyDictionary()


def use_keys(dialect: Dialect, keys: KeyRing | Callable[[], KeyRing]) -> None:
    """The keys this engine's sealed columns use (or how to find them when first needed)."""
    _rings[dialect] = keys


def ring_of(dialect: Dialect) -> KeyRing:
    found = _rings.get(dialect)
    if found is None:
        raise NoDataKey("this database engine was made without data keys")
    if not isinstance(found, KeyRing):
        found = _rings[dialect] = found()
    return found


class Sealed(TypeDecorator[T]):
    """A value sealed under the engine's newest data key, stored as text; `column`
    ("table.column") is bound in as associated data. Not for columns that SQL filters, orders
    or groups on (other than comparing with "" or NULL). storage/sealing.py seals every
    column of this type that a start finds unsealed."""

    impl = Text
    cache_ok = True  # SQLAlchemy reads it from each class itself: the subclasses repeat it

    def __init__(self, column: str) -> None:
        super().__init__()
        self.column = column


class SealedText(Sealed[str]):
    """Text, sealed."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        if not isinstance(value, str):
            raise TypeError(f"{self.column} takes text")
        return ring_of(dialect).seal(value, self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> str | None:
        if value is None or value == "":
            return value  # type: ignore[no-any-return]
        assert isinstance(value, str)
        return ring_of(dialect).open(value, self.column)


class SealedNumber(Sealed[float]):
    """A number, sealed as its shortest decimal form: a venue's coordinates, since a family's
    home tells as much as its address. A number stored before sealing began is read as it is
    (the next start seals it)."""

    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(f"{self.column} takes a number")
        return ring_of(dialect).seal(repr(float(value)), self.column)

    def process_result_value(self, value: Any, dialect: Dialect) -> float | None:
        if value is None or value == "":
            return None
        if isinstance(value, int | float):  # SQLite's REAL column, before sealing began
            return float(value)
        assert isinstance(value, str)
        return float(ring_of(dialect).open(value, self.column))
