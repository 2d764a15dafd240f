"""Rules of the intake: which questions are asked, in which order, and what counts as an answer."""

from __future__ import annotations

import re
from dataclasses import replace

from conference.errors import InvalidAnswer, Problem
from conference.model.request import ApplicantRole, Field, RequestDraft, RequestKind
from conference.typed import plain

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


_SPACES = re.compile(r"[ \t]+")


def clean_text(step: Field, raw: str) -> str:
    """Trim and check a typed answer against the step's limits."""
    text = plain(raw)
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
