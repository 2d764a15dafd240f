"""Relatives without Telegram: the account kring makes for them on the web."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conference.model.ids import InviteeId, PersonId


@dataclass(frozen=True)
class WebAccount:
    """The invitation's web account (`web_account_of(invitee_id)`). `browser_hash` is the
    SHA-256 of the secret in the cookie of the one browser bound to it (None: not yet opened,
    or the coordinator gave a new link); `email` is where reminders and changes go, if given."""

    person_id: PersonId
    invitee_id: InviteeId
    created_at: datetime
    browser_hash: str | None = None
    email: str | None = None
