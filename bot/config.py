from __future__ import annotations

from importlib.util import find_spec
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.clock import TravellingClock
from bot.outbox.smtp import SmtpServer, mail_address
from conference.circle import TRIES_IN_TOTAL
from conference.model.reminders import Policy
from conference.reminders import parse_offsets
from storage.crypto import BadKey, KeyRing
from storage.keys import MissingKey, load_keys

TELEGRAM_API = "https://api.telegram.org"
# what aiogram's session takes as a proxy (through aiohttp-socks); an http:// proxy carries the
# Bot API's HTTPS as a tunnel (CONNECT)
PROXY_SCHEMES = ("http", "socks4", "socks5")
# the catalogs: locales/ beside bot/, in the repository as in an installed wheel (which ships
# locales as a package of data, see pyproject.toml)
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"


class Settings(BaseSettings):
    """Everything kring reads from its environment (prefix KRING_, also from .env)."""

    model_config = SettingsConfigDict(
        env_prefix="KRING_", env_file=".env", extra="ignore", frozen=True
    )

    bot_token: str | None = None
    api_base: str = TELEGRAM_API
    database_url: str = "sqlite+aiosqlite:///kring.sqlite3"
    timezone: str = "Europe/Amsterdam"
    # the organisation's name, shown as the organizer of the meeting in calendar files
    organisation: str = Field(default="kring", min_length=1, max_length=200)
    default_locale: str = "nl"
    locales_dir: Path = LOCALES_DIR
    log_level: str = "INFO"
    # "text": lines for people; "json": one JSON object per line, for a log collector
    log_format: Literal["text", "json"] = "text"
    # compiled catalogs are kept here (None: the user's cache directory, ~/.cache/kring)
    cache_dir: Path | None = None
    polling_timeout: int = Field(default=25, ge=0, le=50)
    # a proxy for the calls to the Bot API: http://host:port or socks5://host:port
    proxy: str | None = None
    # outbound messages per second (Telegram allows about 30; keep some headroom)
    send_rate: float = Field(default=25, gt=0, le=1000)
    # reminders before the meeting: days (wall-clock) or hours/minutes before it starts
    reminders: str = "3d,1d,3h"
    # days the text of a sent message is kept in the outbox (then only who got what kind of
    # message, when, and how it went, remains)
    keep_sent_days: int = Field(default=30, ge=1, le=3650)
    # days a closed conference's personal data is kept after it closed (its last follow-up
    # done); then the nightly job erases it (conference/erasure.py)
    retention_days: int = Field(default=365, ge=1, le=3650)
    # how often (real seconds) the scheduler looks for due reminders, besides waking exactly
    reminder_poll: float = Field(default=30, gt=0, le=3600)
    # tests and benchmarks only: "2027-07-02T06:00:00+02:00*60" starts the clock there, 60x fast
    clock: str | None = None
    # `kring serve`: where the webhook server listens (host:port; behind a TLS reverse proxy)
    listen: str = "127.0.0.1:8080"
    # `kring serve`: the public HTTPS address Telegram posts updates to (the proxy's, ending
    # in /telegram), and the secret token it must send along (1-256 of A-Z a-z 0-9 _ -)
    webhook_url: str | None = None
    webhook_secret: str | None = Field(
        default=None, min_length=16, max_length=256, pattern=r"^[A-Za-z0-9_-]+$", repr=False
    )
    # `kring serve`: how many connections Telegram may open at once (1-100)
    webhook_max_connections: int = Field(default=40, ge=1, le=100)
    # `kring serve`: seconds between an instance's tries to become the leader (the one that
    # sends the outbox and runs the scheduler), and between the leader's checks of its lock
    leader_retry: float = Field(default=5, gt=0, le=60)
    # the keys that seal typed texts, phone numbers, diets in the database: one or more, newest
    # first, comma-separated (`kring keys new` makes one). Unset: KRING_DATA_KEY_FILE, or with
    # SQLite the key file beside the database (made on the first start)
    data_key: str | None = Field(default=None, repr=False)
    data_key_file: Path | None = None
    # the public address of the web door (https://kring.example.org): relatives without
    # Telegram answer their invitation at {public_url}/i/<token>; unset, there is no web door
    public_url: str | None = None
    # invitation links refused within an hour, all accounts together, after which every link
    # waits (refused kindly) until fewer were: a flood of guessed links stops there
    invitation_refusals_per_hour: int = Field(default=TRIES_IN_TOTAL, ge=1, le=1_000_000)
    # the mail server reminders and changes go through to relatives without Telegram who gave
    # an e-mail address: smtp://user:password@host:587 (STARTTLS), smtps://...:465 (TLS)
    smtp_url: str | None = Field(default=None, repr=False)
    # the sender of those e-mails ("Eigen Kracht Centrale <kring@example.org>"); needed with
    # KRING_SMTP_URL
    mail_from: str | None = Field(default=None, validate_default=True)
    # e-mails per second at most
    mail_rate: float = Field(default=2, gt=0, le=100)

    @field_validator("bot_token")
    @classmethod
    def _token_shape(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        head, _, tail = value.partition(":")
        if not head.isdigit() or len(tail) < 3:
            raise ValueError("expected the form 123456:ABC... as given by @BotFather")
        return value

    @field_validator("data_key")
    @classmethod
    def _data_key(cls, value: str | None) -> str | None:
        if not value or not value.strip():
            return None
        try:
            KeyRing.parse(value)
        except BadKey as error:  # the message names no key
            raise ValueError(str(error)) from None
        return value

    @field_validator("organisation")
    @classmethod
    def _organisation(cls, value: str) -> str:
        value = value.strip()
        if not value or not value.isprintable():
            raise ValueError("expected a name on one line, e.g. Eigen Kracht Centrale")
        return value

    @field_validator("smtp_url")
    @classmethod
    def _smtp_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        SmtpServer.parse(value)  # ValueError naming what is wrong, never the password
        return value

    @field_validator("mail_from")
    @classmethod
    def _mail_from(cls, value: str | None, info: ValidationInfo) -> str | None:
        if not value:
            if info.data.get("smtp_url"):
                raise ValueError("needed with KRING_SMTP_URL, e.g. kring@example.org")
            return None
        mail_address(value)  # ValueError: not one address
        return value

    @property
    def smtp(self) -> SmtpServer | None:
        return SmtpServer.parse(self.smtp_url) if self.smtp_url else None

    @field_validator("reminders")
    @classmethod
    def _offsets(cls, value: str) -> str:
        parse_offsets(value)  # raises ValueError with what is wrong
        return value

    @field_validator("clock")
    @classmethod
    def _clock(cls, value: str | None) -> str | None:
        if value:
            TravellingClock.parse(value)
        return value or None

    @property
    def policy(self) -> Policy:
        return Policy(parse_offsets(self.reminders), self.zone)

    @field_validator("api_base")
    @classmethod
    def _url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("expected an http(s) URL, e.g. https://api.telegram.org")
        return value.rstrip("/")

    @field_validator("public_url")
    @classmethod
    def _public_url(cls, value: str | None) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("expected the page's public address, e.g. https://kring.example.org")
        return value.rstrip("/")

    @field_validator("proxy")
    @classmethod
    def _proxy(cls, value: str | None) -> str | None:
        if not value:
            return None
        try:
            parts = urlsplit(value)
            fits = parts.scheme in PROXY_SCHEMES and bool(parts.hostname) and bool(parts.port)
        except ValueError:  # a port that is not a number
            fits = False
        if not fits:
            raise ValueError(
                "expected http://, socks4:// or socks5:// with a host and a port, "
                "e.g. http://proxy.example:3128"
            )
        if find_spec("aiohttp_socks") is None:
            raise ValueError("a proxy needs the aiohttp-socks package (pip install aiohttp-socks)")
        return value

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite:///"):
            return "sqlite+aiosqlite:///" + value.removeprefix("sqlite:///")
        if not value.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            raise ValueError("expected sqlite+aiosqlite:///file or postgresql+asyncpg://...")
        return value

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError("not a known IANA time zone such as Europe/Amsterdam") from error
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if not (value.isalpha() and 2 <= len(value) <= 3):
            raise ValueError("expected a language code such as nl or en")
        return value.lower()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


class ConfigError(Exception):
    """One line for the operator, naming the variable."""


def load_settings(**overrides: Any) -> Settings:
    """The settings from the environment; `overrides` (any field, by name) win, and pydantic
    checks them as it checks the environment."""
    try:
        return Settings(**overrides)
    except ValidationError as error:
        first = error.errors()[0]
        name = "KRING_" + str(first["loc"][0]).upper() if first["loc"] else "KRING_*"
        raise ConfigError(f"{name}: {first['msg']}") from None


def data_keys(settings: Settings) -> KeyRing:
    """The keys the database's sealed columns use (on SQLite without a key given: the key
    file beside the database, made on the first start)."""
    try:
        return load_keys(settings.database_url, settings.data_key, settings.data_key_file)
    except (MissingKey, BadKey) as error:
        where = "KRING_DATA_KEY_FILE" if settings.data_key_file else "KRING_DATA_KEY"
        message = str(error)
        raise ConfigError(
            message if message.startswith("KRING_") else f"{where}: {message}"
        ) from None


def listen_address(settings: Settings) -> tuple[str, int]:
    """KRING_LISTEN as (host, port)."""
    host, _, port = settings.listen.rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"KRING_LISTEN: must be host:port, not {settings.listen!r}")
    return host.strip("[]"), int(port)
