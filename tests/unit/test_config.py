"""Settings that are checked before anything starts (bot/config.py)."""

from __future__ import annotations

from importlib.util import find_spec

import pytest

from bot.config import ConfigError, load_settings


@pytest.mark.parametrize(
    "wrong",
    [
        "ftp://proxy.example:21",
        "proxy.example:3128",
        "http://proxy.example",
        "https://proxy.example:3128",
        "socks5://:1080",
        "http://proxy.example:x",
    ],
)
def test_a_proxy_needs_a_scheme_aiogram_takes_a_host_and_a_port(wrong: str):
    with pytest.raises(ConfigError, match=r"^KRING_PROXY: .*http://proxy\.example:3128"):
        load_settings(proxy=wrong, _env_file=None)


def test_no_proxy_by_default():
    assert load_settings(_env_file=None).proxy is None
    assert load_settings(proxy="", _env_file=None).proxy is None


@pytest.mark.skipif(find_spec("aiohttp_socks") is None, reason="needs aiohttp-socks")
@pytest.mark.parametrize(
    "fine",
    ["http://proxy.example:3128", "socks5://127.0.0.1:1080", "http://user:secret@10.0.0.1:8080"],
)
def test_a_proxy_is_taken_as_given(fine: str):
    assert load_settings(proxy=fine, _env_file=None).proxy == fine
