from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import datetime
from typing import NewType

PersonId = NewType("PersonId", int)  # the Telegram user id
ConferenceId = NewType("ConferenceId", int)


class StaffRole(enum.StrEnum):
    MANAGER = "manager"
    COORDINATOR = "coordinator"


class Gender(enum.StrEnum):
    FEMALE = "f"
    MALE = "m"
    OTHER = "x"


class RequestKind(enum.StrEnum):
    CONFERENCE = "conference"
    INFO_TALK = "info_talk"


class ApplicantRole(enum.StrEnum):
    SELF = "self"
    FAMILY = "family"
    NEIGHBOUR = "neighbour"  # a neighbour may apply too (the brochures' own example)
    PROFESSIONAL = "professional"
    OTHER = "other"


class ConferenceModel(enum.StrEnum):
    FAMILY = "ekc"  # Eigen Kracht-conferentie
    RESTORATIVE = "echt_recht"
    GROUP = "alle_hens"
    SCHOOL = "leercirkel"


class Status(enum.StrEnum):
    NEW = "new"
    PREPARING = "preparing"
    DATE_SET = "date_set"
    HELD = "held"
    FOLLOW_UP = "follow_up"
    CLOSED = "closed"


# Languages offered as buttons when asking which languages the family speaks (ISO 639 codes);
# anything else can be typed.
FAMILY_LANGUAGE_CHOICES: tuple[str, ...] = (
    "nl",
    "ar",
    "tr",
    "pl",
    "en",
    "ti",
    "so",
    "uk",
    "pap",
    "ku",
)
# Spoken in many families here though kring has no catalog for them (yet).
MORE_LANGUAGES: tuple[str, ...] = ("so", "pap", "ku")


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


@dataclass(frozen=True)
class ConferenceRequest:
    id: ConferenceId
    reference: str
    kind: RequestKind
    status: Status
    applicant_id: PersonId
    applicant_name: str
    applicant_locale: str
    created_at: datetime
    region: str
    applicant_role: ApplicantRole | None = None
    subject_name: str | None = None
    subject_age: int | None = None
    question: str | None = None
    concerns: str | None = None
    minimum_requirement: str | None = None
    model: ConferenceModel | None = None
    family_languages: tuple[str, ...] = field(default_factory=tuple)
    coordinator_preference: str | None = None
    contact_phone: str | None = None
    coordinator_id: PersonId | None = None
    flagged: bool = False  # told the managers again that it waits for a coordinator
