"""The audit log's words (NEN 7513): what was done (the action), on whose behalf, to which kind
of data. Never content: an action is a fixed name from this catalogue, never a name, a text or
a token."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from conference.model.ids import ConferenceId, PersonId
from conference.model.people import StaffRole


class OnBehalfOf(enum.StrEnum):
    """In which capacity the actor acted (NEN 7513's "namens wie")."""

    COORDINATOR = "coordinator"
    MANAGER = "manager"
    OPERATOR = "operator"  # on the server, with the `kring` command
    SELF = "self"  # the person themself: an applicant, someone of the circle, a new staff member
    SYSTEM = "system"  # kring on its own (the scheduler)

    @classmethod
    def staff(cls, role: StaffRole) -> OnBehalfOf:
        return cls.MANAGER if role is StaffRole.MANAGER else cls.COORDINATOR


class DataKind(enum.StrEnum):
    """Which kind of data the action read or changed."""

    REQUEST = "request"  # the request: the question, the main person, the contact
    CIRCLE = "circle"  # who is invited, their answers and needs
    INVITATION = "invitation"  # a personal invitation link
    MEETING = "meeting"  # dates, votes, date and venue
    PLAN = "plan"  # the family's plan and its follow-up
    EXPORT = "export"  # a copy of personal data handed out
    ERASURE = "erasure"  # personal data erased
    STAFF = "staff"  # who the managers and coordinators are


# An action's kind of data, and on whose behalf it is done when that follows from the action
# (None: the call says). An action is looked up whole, then by ever shorter dotted prefixes
# ("invitation.refused.taken" -> "invitation.refused" -> "invitation").
CATALOGUE: dict[str, tuple[DataKind, OnBehalfOf | None]] = {
    "request.submitted": (DataKind.REQUEST, OnBehalfOf.SELF),
    "request.opened": (DataKind.REQUEST, None),  # a manager, or the request's coordinator
    "request.listed": (DataKind.REQUEST, None),  # a list of requests, no one conference
    "request.assigned": (DataKind.REQUEST, OnBehalfOf.MANAGER),
    "minimum_requirement.set": (DataKind.REQUEST, OnBehalfOf.SELF),  # a professional of it
    "circle.viewed": (DataKind.CIRCLE, OnBehalfOf.COORDINATOR),
    "circle": (DataKind.CIRCLE, OnBehalfOf.COORDINATOR),
    "invitee": (DataKind.CIRCLE, OnBehalfOf.COORDINATOR),
    "suggestion.decided": (DataKind.CIRCLE, OnBehalfOf.COORDINATOR),
    "invitation.refused": (DataKind.INVITATION, OnBehalfOf.SELF),
    "invitation.paused": (DataKind.INVITATION, OnBehalfOf.SELF),  # all links wait a while
    "slots.proposed": (DataKind.MEETING, OnBehalfOf.COORDINATOR),
    "proposal.decided": (DataKind.MEETING, OnBehalfOf.COORDINATOR),
    "availability.viewed": (DataKind.MEETING, OnBehalfOf.COORDINATOR),
    "cockpit.viewed": (DataKind.CIRCLE, OnBehalfOf.COORDINATOR),  # or a manager who looks
    "meeting": (DataKind.MEETING, OnBehalfOf.COORDINATOR),
    "plan.acceptance_answered": (DataKind.PLAN, OnBehalfOf.SELF),  # the professional asked
    "plan": (DataKind.PLAN, OnBehalfOf.COORDINATOR),
    "export": (DataKind.EXPORT, None),
    "erasure": (DataKind.ERASURE, None),
    "personal_data.exported": (DataKind.EXPORT, None),  # /mydata, or kring export
    "personal_data.erased": (DataKind.ERASURE, None),  # /forget, kring erase, retention
    "personal_data.pseudonymised": (DataKind.ERASURE, OnBehalfOf.SYSTEM),
    "staff.joined": (DataKind.STAFF, OnBehalfOf.SELF),
    "staff": (DataKind.STAFF, OnBehalfOf.OPERATOR),
}


def classify(action: str, on_behalf_of: OnBehalfOf | None = None) -> tuple[DataKind, OnBehalfOf]:
    """The kind of data and the capacity of an action; ValueError for an action that is not in
    the catalogue, or whose capacity the call must give and did not."""
    name = action
    while name not in CATALOGUE:
        if "." not in name:
            raise ValueError(f"audit action {action!r} is not in the catalogue")
        name = name.rsplit(".", 1)[0]
    kind, default = CATALOGUE[name]
    capacity = on_behalf_of or default
    if capacity is None:
        raise ValueError(f"audit action {action!r}: say on whose behalf (on_behalf_of)")
    return kind, capacity


@dataclass(frozen=True)
class AuditRecord:
    """One record as stored: position in the chain, and the NEN 7513 fields."""

    position: int
    at: datetime
    actor: PersonId | None  # None: the operator on the server, or kring itself
    on_behalf_of: str  # an OnBehalfOf value ("unknown" for records older than the catalogue)
    action: str
    kind: str  # a DataKind value
    conference_id: ConferenceId | None
    subject: PersonId | None  # whose data, when a person's rather than a conference's
