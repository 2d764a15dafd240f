"""The mail server e-mails go through (KRING_SMTP_URL) and the sender's address
(KRING_MAIL_FROM), as Settings check them. Nothing here connects: that is `mail`'s work."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.headerregistry import Address
from email.utils import parseaddr
from enum import StrEnum
from urllib.parse import unquote, urlsplit


class Security(StrEnum):
    TLS = "tls"  # smtps://: TLS from the first byte (port 465)
    STARTTLS = "starttls"  # smtp:// with a user: STARTTLS, required before the password
    OPPORTUNISTIC = "opportunistic"  # smtp:// without a user: STARTTLS if the server offers it


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    security: Security
    username: str | None = None
    password: str | None = field(default=None, repr=False)

    @classmethod
    def parse(cls, url: str) -> SmtpServer:
        """smtp://user:password@host:587, smtps://user:password@host:465 or smtp://host:25.
        A ValueError says what is wrong without repeating the address (it may hold the
        password)."""
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError:
            raise ValueError(
                "expected smtp://user:password@host:587 (the port a number)"
            ) from None
        if parts.scheme not in ("smtp", "smtps"):
            raise ValueError("expected smtp:// (STARTTLS) or smtps:// (TLS), e.g. smtp://host:587")
        if not parts.hostname:
            raise ValueError("expected a host: smtp://user:password@host:587")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError("expected nothing after the host and port")
        username = unquote(parts.username) if parts.username else None
        password = unquote(parts.password) if parts.password is not None else None
        if (username is None) != (password is None):
            raise ValueError("expected both a user and a password, or neither")
        if parts.scheme == "smtps":
            security, default_port = Security.TLS, 465
        elif username is not None:
            security, default_port = Security.STARTTLS, 587
        else:
            security, default_port = Security.OPPORTUNISTIC, 25
        return cls(parts.hostname, port or default_port, security, username, password)


def mail_address(value: str) -> Address:
    """One address, with or without a display name: "Eigen Kracht <kring@example.org>"."""
    name, address = parseaddr(value)
    local, at, domain = address.rpartition("@")
    if not at or not local or "." not in domain or any(c.isspace() for c in address):
        raise ValueError("expected one e-mail address, e.g. Eigen Kracht <kring@example.org>")
    return Address(display_name=name, username=local, domain=domain)
