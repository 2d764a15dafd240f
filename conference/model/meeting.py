"""The meeting: the dates proposed and the circle's votes on them, the family's proposals, and
the date and venue fixed."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from conference.model.circle import Invitee
from conference.model.ids import ConferenceId, InviteeId

MEETING_HOURS = 3  # how long the calendar entry lasts: a conference takes an afternoon


@dataclass(frozen=True)
class Venue:
    name: str
    address: str = ""
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class Meeting:
    conference_id: ConferenceId
    starts_at: datetime | None = None
    venue: Venue | None = None
    sequence: int = 0  # raised on every announced change (the .ics SEQUENCE)
    cancelled: bool = False

    @property
    def fixed(self) -> bool:
        return self.starts_at is not None and not self.cancelled

    def has_begun(self, now: datetime) -> bool:
        """The date is fixed and has come: who comes is settled, the plan is next."""
        return self.fixed and self.starts_at is not None and self.starts_at <= now

    @property
    def ends_at(self) -> datetime | None:
        return self.starts_at + timedelta(hours=MEETING_HOURS) if self.starts_at else None


@dataclass(frozen=True)
class Proposal:
    """A date or a place the family suggests from /me."""

    id: int
    conference_id: ConferenceId
    invitee_id: InviteeId
    by: str  # the name the coordinator knows them by
    starts_at: datetime | None = None
    place: str | None = None


class Audience(enum.StrEnum):
    EVERYONE = "all"
    YES = "yes"
    MAYBE = "maybe"
    NOT_ANSWERED = "none"
    GROUP = "group"


class Vote(enum.StrEnum):
    YES = "yes"
    IF_NEED_BE = "ifneedbe"
    NO = "no"


@dataclass(frozen=True)
class Slot:
    """A proposed date (conference/slots.py reads them as typed)."""

    id: int
    starts_at: datetime  # aware


@dataclass(frozen=True)
class Voter:
    invitee_id: int
    must_attend: bool


@dataclass(frozen=True)
class SlotScore:
    slot: Slot
    yes: int
    if_need_be: int
    no: int
    no_answer: int
    must_attend_no: int  # must-attend people who said no: such a slot cannot be the meeting

    @property
    def available(self) -> int:
        return self.yes + self.if_need_be


@dataclass(frozen=True)
class Availability:
    slots: Sequence[Slot]
    scores: Sequence[SlotScore]  # best first
    people: Sequence[Invitee]  # those who vote: everyone who has not said no
    ballots: dict[int, dict[int, Vote]]
