"""The cockpit's check of Telegram's signed init data: the signature, the age, the user."""

from datetime import UTC, datetime, timedelta

import pytest

from emulator.web_app import signed_init_data
from web.mini_app import MAX_AGE, NotSigned, init_data_of, mini_app_user

TOKEN = "123456:kring-test-token"
NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
AYSE = {"id": 7001, "first_name": "Ayse", "language_code": "nl"}


def signed(auth: datetime, user: dict[str, object] | None = None, token: str = TOKEN) -> str:
    return signed_init_data(
        token,
        {"user": user or AYSE, "auth_date": int(auth.timestamp()), "chat_type": "private"},
    )


def test_a_fresh_signature_names_the_user():
    assert mini_app_user(TOKEN, signed(NOW - timedelta(minutes=2)), NOW) == 7001
    assert mini_app_user(TOKEN, signed(NOW - MAX_AGE), NOW) == 7001


@pytest.mark.parametrize(
    "init_data",
    [
        signed(NOW, token="654321:another-bot"),  # another bot's
        signed(NOW).replace("Ayse", "Kees"),  # changed after signing
        signed(NOW - MAX_AGE - timedelta(seconds=1)),  # too old
        signed(NOW + timedelta(minutes=10)),  # from the future
        signed(NOW, {"id": 2**62 + 5, "first_name": "Web"}),  # no Telegram account
        signed(NOW, {"id": 0, "first_name": "Nul"}),
        "",
        "user=%7B%7D&auth_date=1&hash=00",
    ],
)
def test_forged_stale_or_foreign_init_data_names_nobody(init_data):
    with pytest.raises(NotSigned):
        mini_app_user(TOKEN, init_data, NOW)


def test_the_header_carries_it_after_tma():
    assert init_data_of("tma user=1&hash=2") == "user=1&hash=2"
    assert init_data_of("TMA  x") == "x"
    assert init_data_of("Bearer x") == "" and init_data_of(None) == ""
