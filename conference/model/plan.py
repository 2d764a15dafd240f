"""The plan the family made: agreements, who keeps an eye on them, a professional's acceptance,
and the answers to the follow-up questions."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from conference.model.ids import ConferenceId


@dataclass(frozen=True)
class Who:
    """Someone of the circle (by invitee id) or a free name ("the school", "buurvrouw Ans")."""

    invitee_id: int | None = None
    name: str = ""


@dataclass(frozen=True)
class Agreement:
    id: int
    what: str
    who: tuple[Who, ...] = ()
    on: date | None = None  # a date ("3 July")
    when_text: str | None = None  # or the family's words ("every other weekend")


class Acceptance(enum.StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


@dataclass(frozen=True)
class Plan:
    conference_id: ConferenceId
    question: str
    agreements: tuple[Agreement, ...] = ()
    monitor: Who | None = None  # who keeps an eye on the agreements
    next_meeting: datetime | None = None
    acceptor: int | None = None  # the professional (invitee id) who must accept
    acceptance: Acceptance | None = None
    acceptance_reason: str | None = None
    version: int = 0  # 0: never published; each publication raises it
    follow_up: tuple[int, ...] = field(default_factory=tuple)  # invitee ids asked at 4 weeks

    @property
    def published(self) -> bool:
        return self.version > 0


class FollowUp(enum.StrEnum):
    GOING_WELL = "well"
    PARTLY = "partly"
    NOT_YET = "not_yet"
    NOT_RELEVANT = "moot"
