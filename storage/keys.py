"""Where the data keys come from: KRING_DATA_KEY (newest first), else KRING_DATA_KEY_FILE, else,
on SQLite, the key file beside the database (`<database>.key`, made on the first start, owner
only), so that a single host needs no setup. PostgreSQL has no such place: a key must be given.
Never logged, never in an error message."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url

from storage.crypto import PREFIX, BadKey, KeyRing, new_key
from storage.sealing import sealed_columns


class MissingKey(Exception):
    """No key where one is needed; the message tells the operator what to do."""


def key_file_beside(url: str) -> Path | None:
    """`<database>.key` for a SQLite file; None for PostgreSQL or an in-memory database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return Path(database + ".key")


def load_keys(url: str, configured: str | None, key_file: Path | None) -> KeyRing:
    """The keys for this database (BadKey: a key that is no key; MissingKey: none to be had)."""
    if configured:
        return KeyRing.parse(configured)
    if key_file is not None:
        try:
            return KeyRing.parse(key_file.read_text(encoding="ascii"))
        except (OSError, UnicodeDecodeError) as error:
            raise MissingKey(f"KRING_DATA_KEY_FILE: cannot read {key_file} ({error})") from None
    beside = key_file_beside(url)
    if beside is not None:
        try:
            return KeyRing.parse(_read_or_make(beside, Path(make_url(url).database or "")))
        except (BadKey, UnicodeDecodeError):
            raise MissingKey(
                f"the key file {beside} holds no data key: put back the one you kept apart"
            ) from None
    if make_url(url).get_backend_name() == "sqlite":  # in memory: the data goes with the key
        return KeyRing.parse(new_key())
    raise MissingKey(
        "KRING_DATA_KEY: missing; with PostgreSQL kring needs a data key to seal what a "
        "leaked backup would show. Make one with `kring keys new`, keep it apart from the "
        "database's backups, and set it as KRING_DATA_KEY (or in a file named by "
        "KRING_DATA_KEY_FILE)"
    )


def keys_from_environment(url: str) -> KeyRing:
    """For engines made without keys (tools, tests): found as kring finds them."""
    file = os.environ.get("KRING_DATA_KEY_FILE")
    return load_keys(url, os.environ.get("KRING_DATA_KEY"), Path(file) if file else None)


def _read_or_make(path: Path, database: Path) -> str:
    try:
        return path.read_text(encoding="ascii")
    except FileNotFoundError:
        pass
    if _holds_sealed_values(database):
        raise MissingKey(
            f"the database holds sealed values but its key file {path} is missing: put the "
            "key file back from where you keep it (or set KRING_DATA_KEY); a new key would "
            "not open them"
        )
    # Written in full under a name of its own, then linked into place: the link fails if
    # another process made the key first (then that one is used), and nobody reads half a key.
    draft = path.with_name(f".{path.name}.{os.getpid()}.new")
    descriptor = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "w", encoding="ascii") as file:
            file.write(new_key() + "\n")
            file.flush()
            os.fsync(file.fileno())
        try:
            os.link(draft, path)
        except FileExistsError:
            pass
    finally:
        draft.unlink(missing_ok=True)
    return path.read_text(encoding="ascii")


def _holds_sealed_values(database: Path) -> bool:
    if not database.is_file():
        return False
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)
    try:
        for table, column in sealed_columns():
            try:
                found = connection.execute(
                    f'SELECT 1 FROM "{table}" WHERE substr("{column}", 1, ?) = ? LIMIT 1',
                    (len(PREFIX), PREFIX),
                ).fetchone()
            except sqlite3.OperationalError:  # not migrated that far: nothing sealed there
                continue
            if found:
                return True
        return False
    finally:
        connection.close()
