"""The data keys: AES-256-GCM over the texts that would hurt if a backup leaked (see
storage/sealed.py for which columns, docs/decisions.md for why).

A sealed value is text: `k1:` (the format), the key's id (8 hex digits, from a hash of the
key), `:`, and base64 (URL-safe, unpadded) of a fresh 96-bit nonce followed by the ciphertext
and its tag. The column's name (`table.column`) is the associated data, so a value copied into
another column does not open. Several keys can be held: the newest seals, all of them open."""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX = "k1:"
KEY_BYTES = 32
NONCE_BYTES = 12
_SEALED = re.compile(r"k1:([0-9a-f]{8}):([A-Za-z0-9_-]+)\Z")


class DataKeyError(Exception):
    """Base of what goes wrong with keys; never carries a key or a value."""


class BadKey(DataKeyError):
    """A configured key is not 32 bytes of URL-safe base64."""


class UnknownKey(DataKeyError):
    """A value was sealed under a key this ring does not hold."""

    def __init__(self, key_id: str) -> None:
        super().__init__(
            f"a value is sealed under data key {key_id}, which is not in KRING_DATA_KEY "
            "(nor the key file): add that key back (after the newest) to read it"
        )
        self.key_id = key_id


class Tampered(DataKeyError):
    """A sealed value that does not open: changed, cut, or moved from another column."""


def new_key() -> str:
    """A fresh key as KRING_DATA_KEY takes it (URL-safe base64 of 32 random bytes)."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode().rstrip("=")


def key_id(key: bytes) -> str:
    return hashlib.sha256(b"kring data key id\0" + key).hexdigest()[:8]


def parse_key(text: str) -> bytes:
    text = text.strip()
    try:
        key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES or not re.fullmatch(r"[A-Za-z0-9_-]+=*", text):
        raise BadKey("a data key is 32 bytes in URL-safe base64 (43 characters): `kring keys new`")
    return key


def sealed_key_id(stored: str) -> str | None:
    """The id of the key a stored value is sealed under (None: not sealed, a legacy value)."""
    found = _SEALED.match(stored)
    return found[1] if found else None


@dataclass(frozen=True)
class KeyRing:
    """Keys newest first: the first seals, all open."""

    keys: tuple[bytes, ...]
    _ciphers: dict[str, AESGCM] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if not self.keys:
            raise BadKey("at least one data key is needed")
        for key in self.keys:
            if len(key) != KEY_BYTES:
                raise BadKey("a data key is 32 bytes")
        object.__setattr__(self, "_ciphers", {key_id(k): AESGCM(k) for k in self.keys})

    @classmethod
    def parse(cls, text: str) -> KeyRing:
        """KRING_DATA_KEY: one or more keys, newest first, separated by commas."""
        return cls(tuple(parse_key(part) for part in text.split(",") if part.strip()))

    @property
    def ids(self) -> tuple[str, ...]:
        return tuple(key_id(k) for k in self.keys)

    @property
    def newest_id(self) -> str:
        return key_id(self.keys[0])

    def seal(self, plain: str, column: str) -> str:
        newest = self.newest_id
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._ciphers[newest].encrypt(nonce, plain.encode(), column.encode())
        body = base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")
        return f"{PREFIX}{newest}:{body}"

    def open(self, stored: str, column: str) -> str:
        """The plain text of a sealed value; a value not in the sealed form is returned as it
        is (written before sealing began; the next start seals it)."""
        found = _SEALED.match(stored)
        if found is None:
            return stored
        cipher = self._ciphers.get(found[1])
        if cipher is None:
            raise UnknownKey(found[1])
        body = found[2]
        try:
            raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
            plain = cipher.decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], column.encode())
        except (InvalidTag, binascii.Error, ValueError):
            raise Tampered(
                f"a value in {column} (key {found[1]}) does not open: changed, or moved "
                "from another column"
            ) from None
        return plain.decode()
