"""A local SMTP server for tests (aiosmtpd on 127.0.0.1, a free port) that keeps what it is
sent; each answer in `refusals` (e.g. "451 try later", "550 no such user") refuses one RCPT TO
in turn, `refuse_all` every one."""

from __future__ import annotations

import email
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.policy import default
from typing import Any

from aiosmtpd.controller import Controller


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[EmailMessage] = []
        self.recipients: list[list[str]] = []
        self.refusals: list[str] = []
        self.refuse_all: str | None = None
        self._lock = threading.Lock()

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, options: list[str]
    ) -> str:
        if self.refusals:
            return self.refusals.pop(0)
        if self.refuse_all is not None:
            return self.refuse_all
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        message = email.message_from_bytes(envelope.content, policy=default)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.messages.append(message)
            self.recipients.append(list(envelope.rcpt_tos))
        return "250 Message accepted"

    def to(self, address: str) -> list[EmailMessage]:
        with self._lock:
            return [m for m, r in zip(self.messages, self.recipients, strict=True) if address in r]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def smtp_server() -> Iterator[tuple[Mailbox, str]]:
    """A running server and its KRING_SMTP_URL (plain: the server offers no STARTTLS)."""
    box = Mailbox()
    port = _free_port()
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield box, f"smtp://127.0.0.1:{port}"
    finally:
        controller.stop()


def body_text(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return str(part.get_content())


def body_html(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return str(part.get_content())


def attachments(message: EmailMessage) -> list[tuple[str, str, bytes]]:
    """(filename, content type, data) of each attachment."""
    found = []
    for part in message.iter_attachments():
        data = part.get_payload(decode=True)
        assert isinstance(data, bytes)
        found.append((part.get_filename() or "", part.get_content_type(), data))
    return found
