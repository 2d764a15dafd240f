"""A request for a conference: what the applicant answers at intake, the request as kept, and
its way to a coordinator."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field, fields, replace
from datetime import datetime
from typing import Any

from conference.model.ids import ConferenceId, PersonId
from conference.model.people import StaffMember


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


class Field(enum.StrEnum):
    """A question of the intake (conference/intake.py says which, in which order)."""

    ROLE = "role"
    SUBJECT_NAME = "subject_name"
    SUBJECT_AGE = "subject_age"
    QUESTION = "question"
    CONCERNS = "concerns"
    MINIMUM_REQUIREMENT = "minimum_requirement"
    MODEL = "model"
    LANGUAGES = "languages"
    COORDINATOR_PREFERENCE = "coordinator_preference"
    REGION = "region"
    CONTACT = "contact"
    CONSENT = "consent"


@dataclass(frozen=True)
class RequestDraft:
    """What the applicant has answered so far. Lives in the conversation state until submitted."""

    kind: RequestKind = RequestKind.CONFERENCE
    role: ApplicantRole | None = None
    subject_name: str | None = None
    subject_age: int | None = None
    question: str | None = None
    concerns: str | None = None
    minimum_requirement: str | None = None
    model: ConferenceModel | None = None
    languages: tuple[str, ...] = field(default_factory=tuple)
    coordinator_preference: str | None = None
    region: str | None = None
    phone: str | None = None
    contact_given: bool = False
    consent: bool = False
    answered: frozenset[Field] = field(default_factory=frozenset)

    def to_dict(self) -> dict[str, Any]:
        # Every value is immutable and plain: no need for asdict's deep copies (the draft is
        # saved on every answer).
        data = {name: getattr(self, name) for name in _DRAFT_FIELDS}
        data["languages"] = list(self.languages)
        data["answered"] = sorted(self.answered)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RequestDraft:
        def enum_or_none(kind: type[enum.StrEnum], value: Any) -> Any:
            return kind(value) if value else None

        return cls(
            kind=RequestKind(data.get("kind") or RequestKind.CONFERENCE),
            role=enum_or_none(ApplicantRole, data.get("role")),
            subject_name=data.get("subject_name"),
            subject_age=data.get("subject_age"),
            question=data.get("question"),
            concerns=data.get("concerns"),
            minimum_requirement=data.get("minimum_requirement"),
            model=enum_or_none(ConferenceModel, data.get("model")),
            languages=tuple(data.get("languages") or ()),
            coordinator_preference=data.get("coordinator_preference"),
            region=data.get("region"),
            phone=data.get("phone"),
            contact_given=bool(data.get("contact_given")),
            consent=bool(data.get("consent")),
            answered=frozenset(Field(f) for f in data.get("answered") or ()),
        )

    def with_answer(self, step: Field, **changes: Any) -> RequestDraft:
        return replace(self, answered=self.answered | {step}, **changes)


_DRAFT_FIELDS = tuple(f.name for f in fields(RequestDraft))


@dataclass(frozen=True)
class Submitted:
    request: ConferenceRequest
    managers: Sequence[StaffMember]


class Fit(enum.StrEnum):
    PREFERENCE = "preference"  # what the family asked for (a woman, speaks Turkish, ...)
    LANGUAGE = "language"  # speaks a language of the family
    REGION = "region"


@dataclass(frozen=True)
class Candidate:
    coordinator: StaffMember
    open_conferences: int
    fits: frozenset[Fit]


@dataclass(frozen=True)
class Assigned:
    request: ConferenceRequest
    coordinator: StaffMember


@dataclass(frozen=True)
class Overdue:
    requests: Sequence[ConferenceRequest]
    managers: Sequence[StaffMember]
