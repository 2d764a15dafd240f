"""Planned pings: reminders before the meeting, nudges, the plan's follow-ups (when each is due
is conference/reminders.py's and conference/plan.py's to say)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from conference.model.ids import ConferenceId


class Kind(enum.StrEnum):
    BEFORE = "before"  # before the meeting, to yes and maybe (one per offset)
    NO_ANSWER = "no_answer"  # a week before, to those who have not answered
    DECIDE = "decide"  # three days before, to those who said maybe
    VOTE = "vote"  # before the vote closes, to those who have not voted (Doodle's rule)


class Status(enum.StrEnum):
    PENDING = "pending"
    SENDING = "sending"  # claimed; the outbox holds it from here
    SENT = "sent"  # handed to the outbox in the same transaction
    SKIPPED = "skipped"  # no longer useful when it fell due (answered, passed, ...)
    CANCELLED = "cancelled"  # a change, a decline or a cancellation made it moot
    UNKNOWN = "unknown"  # the bot stopped between claiming and handing over


@dataclass(frozen=True)
class Offset:
    amount: int
    unit: str  # d, h, m

    @property
    def label(self) -> str:
        return f"{self.amount}{self.unit}"

    def before(self, start: datetime, zone: ZoneInfo) -> datetime:
        if self.unit == "d":  # wall-clock days: Python's aware arithmetic keeps local time
            return (start.astimezone(zone) - timedelta(days=self.amount)).astimezone(UTC)
        minutes = self.amount * (60 if self.unit == "h" else 1)
        return start.astimezone(UTC) - timedelta(minutes=minutes)


@dataclass(frozen=True)
class Policy:
    """When to remind: the configured offsets (KRING_REMINDERS) and the conference's zone."""

    offsets: tuple[Offset, ...]
    zone: ZoneInfo


@dataclass(frozen=True)
class Planned:
    conference_id: ConferenceId
    invitee_id: int
    kind: str  # "before_3d", "no_answer", "decide"
    version: int  # the meeting's sequence: a change plans anew under the next version
    due_at: datetime  # UTC


@dataclass(frozen=True)
class Reminder:
    id: int
    planned: Planned
    status: Status
