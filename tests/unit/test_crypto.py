"""The data keys (storage/crypto.py), where they come from (storage/keys.py, bot/config.py) and
which columns are sealed (storage/tables.py)."""

from __future__ import annotations

import base64
import os
import stat

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config import ConfigError, data_keys, load_settings
from storage.crypto import BadKey, KeyRing, Tampered, UnknownKey, key_id, new_key, sealed_key_id
from storage.sealed import Sealed
from storage.sealing import sealed_columns
from storage.tables import Base

COLUMN = "conference.question"
QUESTION = "Hoe kunnen we samen zorgen dat Noor weer naar school gaat?"


@given(st.text())
def test_any_text_comes_back_as_it_went_in(text: str):
    ring = KeyRing.parse(new_key())
    sealed = ring.seal(text, COLUMN)
    assert sealed.startswith(f"k1:{ring.newest_id}:")
    assert ring.open(sealed, COLUMN) == text


def test_the_same_text_seals_differently_each_time_and_shows_nothing_of_itself():
    ring = KeyRing.parse(new_key())
    first, second = ring.seal(QUESTION, COLUMN), ring.seal(QUESTION, COLUMN)
    assert first != second  # a fresh nonce per value
    assert "Noor" not in first and "school" not in first


def test_a_changed_value_does_not_open():
    ring = KeyRing.parse(new_key())
    sealed = ring.seal(QUESTION, COLUMN)
    head, body = sealed.rsplit(":", 1)
    raw = bytearray(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    raw[20] ^= 1
    changed = head + ":" + base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")
    with pytest.raises(Tampered):
        ring.open(changed, COLUMN)
    with pytest.raises(Tampered):
        ring.open(sealed[:-4], COLUMN)  # cut short


def test_a_value_moved_to_another_column_does_not_open():
    ring = KeyRing.parse(new_key())
    phone = ring.seal("+31612345678", "conference.contact_phone")
    with pytest.raises(Tampered, match=r"conference\.question"):
        ring.open(phone, "conference.question")


def test_a_value_under_a_key_not_held_names_that_key_and_nothing_else():
    old, new = new_key(), new_key()
    sealed = KeyRing.parse(old).seal(QUESTION, COLUMN)
    with pytest.raises(UnknownKey) as raised:
        KeyRing.parse(new).open(sealed, COLUMN)
    old_id = KeyRing.parse(old).newest_id
    assert raised.value.key_id == old_id and old_id in str(raised.value)
    assert old not in str(raised.value) and "Noor" not in str(raised.value)


def test_the_newest_key_seals_and_every_key_opens():
    old, new = new_key(), new_key()
    sealed_before = KeyRing.parse(old).seal(QUESTION, COLUMN)
    both = KeyRing.parse(f"{new}, {old}")
    assert both.open(sealed_before, COLUMN) == QUESTION
    assert sealed_key_id(both.seal(QUESTION, COLUMN)) == both.newest_id
    assert both.newest_id == KeyRing.parse(new).newest_id != KeyRing.parse(old).newest_id


def test_a_value_from_before_sealing_is_read_as_it_is():
    ring = KeyRing.parse(new_key())
    assert ring.open(QUESTION, COLUMN) == QUESTION
    assert ring.open("k1: geen sleutel", COLUMN) == "k1: geen sleutel"
    assert sealed_key_id(QUESTION) is None


@pytest.mark.parametrize(
    "wrong",
    ["kort", base64.urlsafe_b64encode(b"x" * 31).decode(), "!" * 43, new_key() + "AAAA"],
    ids=["short", "31 bytes", "not base64", "a key and more"],  # the same names in every process
)
def test_a_key_is_32_bytes_of_urlsafe_base64(wrong: str):
    with pytest.raises(BadKey):
        KeyRing.parse(wrong)


def test_a_wrong_key_in_the_settings_names_the_variable_not_the_key():
    wrong = "x" * 40
    with pytest.raises(ConfigError, match=r"^KRING_DATA_KEY: ") as raised:
        load_settings(data_key=wrong, _env_file=None)
    assert wrong not in str(raised.value)
    settings = load_settings(data_key=new_key(), _env_file=None)
    assert settings.data_key is not None and settings.data_key not in repr(settings)


def test_key_ids_are_short_and_stable():
    key = os.urandom(32)
    assert key_id(key) == key_id(key) and len(key_id(key)) == 8


def test_every_sealed_column_binds_its_own_name():
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, Sealed):
                assert column.type.column == f"{table.name}.{column.name}"


def test_what_is_sealed_and_what_stays_plain():
    sealed = set(sealed_columns())
    for typed in [
        ("conference", "question"),
        ("conference", "concerns"),
        ("conference", "minimum_requirement"),
        ("conference", "coordinator_preference"),
        ("conference", "contact_phone"),
        ("invitee", "no_reason_text"),
        ("invitee", "diet"),
        ("invitee", "allergens"),
        ("invitee", "interpreter"),
        ("suggestion", "reach"),
        ("proposal", "place"),
        ("plan", "question"),
        ("plan", "agreements"),
        ("plan", "acceptance_reason"),
        ("follow_up", "comment"),
        ("conversation", "data"),
        ("inbox", "payload"),
        ("outbox_payload", "body"),
    ]:
        assert typed in sealed
    # names stay plain: people are found by them
    assert ("person", "first_name") not in sealed and ("invitee", "name") not in sealed


def test_with_sqlite_and_no_key_a_key_file_is_made_beside_the_database_for_its_owner(tmp_path):
    url = f"sqlite+aiosqlite:///{tmp_path / 'kring.sqlite3'}"
    settings = load_settings(database_url=url, _env_file=None)
    first = data_keys(settings)
    key_file = tmp_path / "kring.sqlite3.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert data_keys(settings) == first  # the next start takes the same key
    assert [p.name for p in tmp_path.iterdir()] == ["kring.sqlite3.key"]  # no draft left


def test_a_key_file_that_holds_no_key_is_named_not_replaced(tmp_path):
    (tmp_path / "kring.sqlite3.key").write_text("")
    url = f"sqlite+aiosqlite:///{tmp_path / 'kring.sqlite3'}"
    with pytest.raises(ConfigError, match=r"kring\.sqlite3\.key holds no data key"):
        data_keys(load_settings(database_url=url, _env_file=None))
    assert (tmp_path / "kring.sqlite3.key").read_text() == ""


def test_a_key_file_can_be_named(tmp_path):
    key = new_key()
    (tmp_path / "data.key").write_text(key + "\n")
    settings = load_settings(
        database_url="postgresql+asyncpg://kring@db/kring",
        data_key_file=tmp_path / "data.key",
        _env_file=None,
    )
    assert data_keys(settings) == KeyRing.parse(key)


def test_postgresql_without_a_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("KRING_DATA_KEY", raising=False)
    monkeypatch.delenv("KRING_DATA_KEY_FILE", raising=False)
    settings = load_settings(database_url="postgresql+asyncpg://kring@db/kring", _env_file=None)
    with pytest.raises(ConfigError, match=r"^KRING_DATA_KEY: missing.*kring keys new"):
        data_keys(settings)
