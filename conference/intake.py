"""Rules of the intake: which questions are asked, in which order, and what counts as an answer."""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any

from conference.model import ApplicantRole, ConferenceModel, RequestKind


class Field(enum.StrEnum):
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


_CONFERENCE_STEPS: tuple[Field, ...] = tuple(Field)
_INFO_TALK_STEPS: tuple[Field, ...] = (Field.REGION, Field.CONTACT, Field.CONSENT)

# Fields that may be left empty with a "skip" button.
OPTIONAL_FIELDS = frozenset(
    {Field.SUBJECT_AGE, Field.CONCERNS, Field.MINIMUM_REQUIREMENT, Field.COORDINATOR_PREFERENCE}
)

# Text limits: (minimum, maximum) characters after trimming. Short enough that the whole
# summary stays within one Telegram message (4096 characters).
TEXT_LIMITS: dict[Field, tuple[int, int]] = {
    Field.SUBJECT_NAME: (1, 50),
    Field.QUESTION: (10, 1000),
    Field.CONCERNS: (2, 1000),
    Field.MINIMUM_REQUIREMENT: (2, 500),
    Field.COORDINATOR_PREFERENCE: (2, 300),
    Field.REGION: (2, 100),
    Field.LANGUAGES: (2, 40),
}
MAX_AGE = 120
MAX_LANGUAGES = 8


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


def steps_for(draft: RequestDraft) -> tuple[Field, ...]:
    """The questions this applicant gets, in order. Only a professional sets a minimumeis."""
    if draft.kind is RequestKind.INFO_TALK:
        return _INFO_TALK_STEPS
    if draft.role is ApplicantRole.PROFESSIONAL:
        return _CONFERENCE_STEPS
    return tuple(f for f in _CONFERENCE_STEPS if f is not Field.MINIMUM_REQUIREMENT)


def first_step(draft: RequestDraft) -> Field:
    return steps_for(draft)[0]


def next_step(draft: RequestDraft, current: Field) -> Field | None:
    """The step after `current`; None means: show the summary."""
    steps = steps_for(draft)
    if current not in steps:
        return first_unanswered(draft)
    index = steps.index(current)
    return steps[index + 1] if index + 1 < len(steps) else None


def previous_step(draft: RequestDraft, current: Field) -> Field | None:
    """The step before `current`; None means: back to the start menu."""
    steps = steps_for(draft)
    if current not in steps:
        return None
    index = steps.index(current)
    return steps[index - 1] if index > 0 else None


def first_unanswered(draft: RequestDraft) -> Field | None:
    for step in steps_for(draft):
        if step not in draft.answered:
            return step
    return None


def step_number(draft: RequestDraft, current: Field) -> tuple[int, int]:
    steps = steps_for(draft)
    return (steps.index(current) + 1 if current in steps else 1), len(steps)


class Problem(enum.StrEnum):
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    NO_LETTERS = "no_letters"
    TOO_MANY = "too_many"


class InvalidAnswer(ValueError):
    def __init__(self, problem: Problem, limit: int | None = None, length: int | None = None):
        super().__init__(problem.value)
        self.problem = problem
        self.limit = limit
        self.length = length


_SPACES = re.compile(r"[ \t]+")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(step: Field, raw: str) -> str:
    """Trim and check a typed answer against the step's limits."""
    text = _CONTROL.sub("", raw)
    text = "\n".join(_SPACES.sub(" ", line).strip() for line in text.strip().splitlines())
    text = re.sub(r"\n{3,}", "\n\n", text)
    low, high = TEXT_LIMITS[step]
    if not text:
        raise InvalidAnswer(Problem.EMPTY)
    if len(text) > high:
        raise InvalidAnswer(Problem.TOO_LONG, limit=high, length=len(text))
    if len(text) < low:
        raise InvalidAnswer(Problem.TOO_SHORT, limit=low, length=len(text))
    if step in (Field.SUBJECT_NAME, Field.REGION, Field.LANGUAGES) and not any(
        ch.isalpha() for ch in text
    ):
        raise InvalidAnswer(Problem.NO_LETTERS)
    return text


def parse_age(raw: str) -> int:
    text = raw.strip().removesuffix("jaar").removesuffix("years").strip()
    if not text:
        raise InvalidAnswer(Problem.EMPTY)
    if not text.isdigit():
        raise InvalidAnswer(Problem.NOT_A_NUMBER)
    age = int(text)
    if age > MAX_AGE:
        raise InvalidAnswer(Problem.OUT_OF_RANGE, limit=MAX_AGE)
    return age


def toggle_language(draft: RequestDraft, code: str) -> RequestDraft:
    if code in draft.languages:
        return replace(draft, languages=tuple(c for c in draft.languages if c != code))
    if len(draft.languages) >= MAX_LANGUAGES:
        raise InvalidAnswer(Problem.TOO_MANY, limit=MAX_LANGUAGES)
    return replace(draft, languages=(*draft.languages, code))


def is_complete(draft: RequestDraft) -> bool:
    return first_unanswered(draft) is None and draft.consent
