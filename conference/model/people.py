"""People kring knows: whoever wrote to the bot, and the staff (managers, coordinators)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from conference.model.ids import PersonId


class StaffRole(enum.StrEnum):
    MANAGER = "manager"
    COORDINATOR = "coordinator"


class Gender(enum.StrEnum):
    FEMALE = "f"
    MALE = "m"
    OTHER = "x"


@dataclass(frozen=True)
class Person:
    id: PersonId
    first_name: str
    locale: str | None
    reachable: bool = True


@dataclass(frozen=True)
class StaffMember:
    person_id: PersonId
    role: StaffRole
    name: str
    languages: tuple[str, ...] = ()
    region: str | None = None
    locale: str | None = None  # the person's chosen bot language, if they have opened the bot
    gender: Gender | None = None  # families may ask for a woman or a man as coordinator


@dataclass(frozen=True)
class StaffInvite:
    """A one-time link that makes whoever opens it this staff member (conference/staffing)."""

    role: StaffRole
    name: str
    languages: tuple[str, ...]
    region: str | None
    gender: Gender | None
    expires_at: datetime
    used_at: datetime | None = None
