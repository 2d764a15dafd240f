"""What the use cases raise when a rule says no. The message is for logs; the dialog picks the
words for the person (from the error's class and its problem code)."""

from __future__ import annotations

import enum
from datetime import datetime

from conference.model.circle import Invitee


class DomainError(Exception):
    """A rule said no."""


class NotFound(DomainError):
    pass


class AccessDenied(DomainError):
    pass


class Incomplete(DomainError):
    pass


class AlreadyAssigned(DomainError):
    pass


# ---------------------------------------------------------------------------------------------
# The intake


class Problem(enum.StrEnum):
    EMPTY = "empty"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    NOT_A_NUMBER = "not_a_number"
    OUT_OF_RANGE = "out_of_range"
    NO_LETTERS = "no_letters"
    TOO_MANY = "too_many"


class InvalidAnswer(ValueError):
    """A typed answer does not fit the question (conference/intake.py)."""

    def __init__(self, problem: Problem, limit: int | None = None, length: int | None = None):
        super().__init__(problem.value)
        self.problem = problem
        self.limit = limit
        self.length = length


# ---------------------------------------------------------------------------------------------
# Staff links


class JoinRefused(enum.StrEnum):
    UNKNOWN = "unknown"
    EXPIRED = "expired"
    USED = "used"


class StaffLinkRefused(Exception):
    def __init__(self, reason: JoinRefused) -> None:
        super().__init__(reason.value)
        self.reason = reason


# ---------------------------------------------------------------------------------------------
# The circle


class Refusal(enum.StrEnum):
    UNKNOWN = "unknown"  # never issued, revoked or re-issued
    EXPIRED = "expired"
    TAKEN = "taken"  # already bound to another Telegram account
    TOO_MANY = "too_many"  # this account failed too often of late: not even looked at
    PAUSED = "paused"  # all accounts together failed too often of late: links wait a while


class InvitationRefused(DomainError):
    def __init__(self, reason: Refusal, invitee: Invitee | None = None) -> None:
        super().__init__(reason.value)
        self.reason = reason
        self.invitee = invitee


class AlreadyInCircle(DomainError):
    """The applicant is in the circle already (a second tap adds nobody)."""

    def __init__(self, invitee: Invitee) -> None:
        super().__init__("already in the circle")
        self.invitee = invitee


class ApplicantUnknown(DomainError):
    """Kring has no Telegram person for the applicant: add them the usual way, with a link."""


class BadEmail(DomainError):
    """What was typed is not one e-mail address."""


class TooLate(DomainError):
    """The meeting has begun: what the plan must meet is settled."""


# ---------------------------------------------------------------------------------------------
# The meeting and its slots


class MeetingProblem(enum.StrEnum):
    CLOSED = "closed"  # the date is fixed: voting is over
    NOT_FIXED = "not_fixed"


class MeetingError(DomainError):
    def __init__(self, problem: MeetingProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class SlotProblem(enum.StrEnum):
    UNREADABLE = "unreadable"
    NO_TIME = "no_time"  # a meeting needs a start time
    NO_SUCH_DATE = "no_such_date"  # 31-2, month 13
    NO_SUCH_TIME = "no_such_time"  # 25:00, 10:61, or skipped by the spring DST jump
    WEEKDAY_MISMATCH = "weekday_mismatch"  # "za 3 juli" while 3 July is a Friday
    PAST = "past"
    TOO_FAR = "too_far"  # more than MAX_AHEAD from now
    TOO_FEW = "too_few"
    TOO_MANY = "too_many"
    DUPLICATE = "duplicate"


class SlotError(DomainError):
    """One problem with the typed slots; the dialog turns the code into words.

    `line` is 1-based within the coordinator's message (None for parse_slot and count errors),
    `text` the offending piece as typed, `moment` the date we understood (for WEEKDAY_MISMATCH:
    its real weekday; also set for PAST, TOO_FAR and DUPLICATE), `count` the total number of
    slots for TOO_FEW / TOO_MANY.
    """

    def __init__(
        self,
        code: SlotProblem,
        text: str = "",
        *,
        line: int | None = None,
        moment: datetime | None = None,
        count: int | None = None,
    ) -> None:
        super().__init__(f"{code.value}: {text!r}" if text else code.value)
        self.code = code
        self.text = text
        self.line = line
        self.moment = moment
        self.count = count


# ---------------------------------------------------------------------------------------------
# The plan


class PlanProblem(enum.StrEnum):
    EMPTY = "empty"  # no agreements yet
    TOO_MANY = "too_many"
    NOT_PROFESSIONAL = "not_professional"
    WAITING = "waiting"  # the professional has not answered yet


class PlanError(DomainError):
    def __init__(self, problem: PlanProblem) -> None:
        super().__init__(problem.value)
        self.problem = problem


class AlreadyAnswered(DomainError):
    """This person answered the three-month question before (a second tap, a forged one)."""


# ---------------------------------------------------------------------------------------------
# Personal data


class StillStaff(DomainError):
    """Staff do not erase themselves in the bot: their manager takes them off the staff list
    first (their conferences go to a colleague); open conferences block an erasure."""

    def __init__(self, open_conferences: tuple[str, ...] = ()) -> None:
        super().__init__("still staff")
        self.open_conferences = open_conferences  # references
