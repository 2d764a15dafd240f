from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.sealed import SealedNumber, SealedText


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC instants in, aware UTC instants out (SQLite would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise ValueError("store aware datetimes only")
        instant: datetime = value.astimezone(UTC)
        return instant.replace(tzinfo=None) if dialect.name == "sqlite" else instant

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


def core_table(model: type[Base]) -> Table:
    """The Core table of a mapped class (for statements that need no ORM objects)."""
    return cast(Table, model.__table__)


class PersonRow(Base):
    __tablename__ = "person"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    first_name: Mapped[str] = mapped_column(String(64))
    locale: Mapped[str | None] = mapped_column(String(16))
    reachable: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffRow(Base):
    __tablename__ = "staff"
    # The Telegram id, not a foreign key: staff are added before they first open the bot.
    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    role: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(64))
    languages: Mapped[str] = mapped_column(String(128), default="")
    region: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class StaffInviteRow(Base):
    """`kring staff invite`: a one-time link; only the token's hash is kept."""

    __tablename__ = "staff_invite"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(64))
    languages: Mapped[str] = mapped_column(String(128), default="")
    region: Mapped[str | None] = mapped_column(String(100))
    gender: Mapped[str | None] = mapped_column(String(1))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    used_by: Mapped[int | None] = mapped_column(BigInteger)


class ConferenceRow(Base):
    __tablename__ = "conference"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), index=True)
    applicant_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    applicant_locale: Mapped[str] = mapped_column(String(16))
    applicant_role: Mapped[str | None] = mapped_column(String(16))
    subject_name: Mapped[str | None] = mapped_column(String(64))
    subject_age: Mapped[int | None] = mapped_column(Integer)
    question: Mapped[str | None] = mapped_column(SealedText("conference.question"))
    concerns: Mapped[str | None] = mapped_column(SealedText("conference.concerns"))
    minimum_requirement: Mapped[str | None] = mapped_column(
        SealedText("conference.minimum_requirement")
    )
    model: Mapped[str | None] = mapped_column(String(16))
    family_languages: Mapped[str] = mapped_column(String(400), default="")
    coordinator_preference: Mapped[str | None] = mapped_column(
        SealedText("conference.coordinator_preference")
    )
    region: Mapped[str] = mapped_column(String(100))
    contact_phone: Mapped[str | None] = mapped_column(SealedText("conference.contact_phone"))
    consent_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
    # The Telegram id of the assigned coordinator (staff are keyed by it, see StaffRow).
    coordinator_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    assigned_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    flagged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The meeting, once the coordinator fixes it; `meeting_sequence` rises on every change
    # (the .ics SEQUENCE), so calendars and reminders know which version is current.
    meeting_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # the venue may be a family's home: sealed, its coordinates too
    venue_name: Mapped[str | None] = mapped_column(SealedText("conference.venue_name"))
    venue_address: Mapped[str | None] = mapped_column(SealedText("conference.venue_address"))
    venue_latitude: Mapped[float | None] = mapped_column(SealedNumber("conference.venue_latitude"))
    venue_longitude: Mapped[float | None] = mapped_column(
        SealedNumber("conference.venue_longitude")
    )
    meeting_sequence: Mapped[int] = mapped_column(Integer, default=0)
    meeting_cancelled: Mapped[bool] = mapped_column(Boolean, default=False)
    # closed: the last follow-up is done; the retention job erases the personal data
    # KRING_RETENTION_DAYS later and notes when (conference/erasure.py)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    erased_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReferenceCounterRow(Base):
    __tablename__ = "reference_counter"
    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(Integer)


class ConversationRow(Base):
    __tablename__ = "conversation"
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    state: Mapped[str | None] = mapped_column(String(100))
    data: Mapped[str] = mapped_column(SealedText("conversation.data"), default="{}")
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProcessedUpdateRow(Base):
    __tablename__ = "processed_update"
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)


class InviteeRow(Base):
    __tablename__ = "invitee"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conference.id"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(64))
    grp: Mapped[str] = mapped_column(String(16))
    locale: Mapped[str] = mapped_column(String(16))
    must_attend: Mapped[bool] = mapped_column(Boolean)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    token_expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    person_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    opened_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    rsvp: Mapped[str | None] = mapped_column(String(8))
    no_reason: Mapped[str | None] = mapped_column(String(16))
    no_reason_text: Mapped[str | None] = mapped_column(  # their own words
        SealedText("invitee.no_reason_text")
    )
    food_consent: Mapped[bool] = mapped_column(Boolean, default=False)
    diet: Mapped[str | None] = mapped_column(SealedText("invitee.diet"))
    allergens: Mapped[str] = mapped_column(SealedText("invitee.allergens"), default="")
    # a code, or a typed name
    interpreter: Mapped[str | None] = mapped_column(SealedText("invitee.interpreter"))
    children: Mapped[int] = mapped_column(Integer, default=0)
    childcare: Mapped[bool] = mapped_column(Boolean, default=False)
    transport: Mapped[bool] = mapped_column(Boolean, default=False)
    accessibility: Mapped[bool] = mapped_column(Boolean, default=False)
    nudges: Mapped[int] = mapped_column(Integer, default=0)  # at most two, ever
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # the coordinator was last told a second phone tried the link (at most once a day)
    second_phone_told_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class SuggestionRow(Base):
    __tablename__ = "suggestion"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conference.id"), index=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id"))
    name: Mapped[str] = mapped_column(String(64))
    relation: Mapped[str] = mapped_column(String(64))
    reach: Mapped[str | None] = mapped_column(SealedText("suggestion.reach"))
    status: Mapped[str] = mapped_column(String(16))  # pending, accepted, declined
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SlotRow(Base):
    """A proposed date and time for the meeting, voted on by the circle."""

    __tablename__ = "slot"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conference.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class VoteRow(Base):
    __tablename__ = "vote"
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id"), primary_key=True)
    slot_id: Mapped[int] = mapped_column(ForeignKey("slot.id"), primary_key=True)
    vote: Mapped[str] = mapped_column(String(8))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ProposalRow(Base):
    """A date or a place the main person suggests; the coordinator takes it over or not."""

    __tablename__ = "proposal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conference.id"), index=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id"))
    starts_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    place: Mapped[str | None] = mapped_column(SealedText("proposal.place"))
    status: Mapped[str] = mapped_column(String(16))  # pending, accepted, declined
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class InboxRow(Base):
    """Updates taken from Telegram and committed here before Telegram hears they are safe; a
    row goes in the next batch's transaction once its update is handled. `sender` (the person
    whose update it is) lets several instances handle one person's updates in order."""

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_sender_update_id", "sender", "update_id"),)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    payload: Mapped[str] = mapped_column(SealedText("inbox.payload"))
    received_at: Mapped[datetime] = mapped_column(UtcDateTime)
    sender: Mapped[int | None] = mapped_column(BigInteger)


class InstanceRow(Base):
    """A `kring serve` instance sharing this database: when it last reported (Unix seconds, its
    own clock) and how many messages a second it sent of late (bot/presence.py)."""

    __tablename__ = "instance"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    seen_at: Mapped[float] = mapped_column(Float)
    send_rate: Mapped[float] = mapped_column(Float)


class AuditRow(Base):
    """One record of the audit log (NEN 7513), chained: `hash` is the SHA-256 of the previous
    record's hash and this record's fields (storage/repositories/audit.py), the people in it as
    `who`, a digest under the row's own `salt`. Rows are only ever added; erasing a person
    replaces their id by a pseudonym and drops the salt. No foreign key to the conference: the
    log outlives an erased conference."""

    __tablename__ = "audit"
    # by account and time: one account's refused links; by time: everyone's of late
    __table_args__ = (Index("ix_audit_actor_id_at", "actor_id", "at"), Index("ix_audit_at", "at"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    position: Mapped[int] = mapped_column(BigInteger, unique=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_id: Mapped[int | None] = mapped_column(BigInteger)
    on_behalf_of: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    conference_id: Mapped[int | None] = mapped_column(Integer, index=True)
    subject_id: Mapped[int | None] = mapped_column(BigInteger, index=True)
    salt: Mapped[str | None] = mapped_column(String(32))
    who: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """The audit chain's end: one row, the last position and its hash. A transaction that logs
    takes this row's lock last, just before its commit, so records get their positions one
    transaction at a time (no fork), and a record removed from the end is noticed."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    position: Mapped[int] = mapped_column(BigInteger)
    hash: Mapped[str] = mapped_column(String(64))


class OutboxPayloadRow(Base):
    """The parts of an outbound message as JSON (bytes in base64), stored once however many
    people get the same parts; keyed by the SHA-256 of the JSON."""

    __tablename__ = "outbox_payload"
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    body: Mapped[str] = mapped_column(SealedText("outbox_payload.body"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OutboxBatchRow(Base):
    """One broadcast, notice or round of nudges. The id is chosen by the process, rising in
    the order of enqueueing (microseconds), so enqueueing needs no early write to learn it and
    one person's messages leave in that order. `finished_at` is set once the report is out."""

    __tablename__ = "outbox_batch"
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    key: Mapped[str | None] = mapped_column(String(100), unique=True)
    conference_id: Mapped[int | None] = mapped_column(ForeignKey("conference.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(BigInteger)
    report_chat: Mapped[int | None] = mapped_column(BigInteger)
    report_locale: Mapped[str | None] = mapped_column(String(16))
    skipped: Mapped[int] = mapped_column(Integer, default=0)  # never opened the bot
    unreachable: Mapped[int] = mapped_column(Integer, default=0)  # blocked the bot
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime, index=True)


class OutboxDeliveryRow(Base):
    """One batch for one person (the key makes "never twice" a database rule)."""

    __tablename__ = "outbox_delivery"
    batch_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("outbox_batch.id"), primary_key=True, autoincrement=False
    )
    person_id: Mapped[int] = mapped_column(
        BigInteger, primary_key=True, autoincrement=False, index=True
    )
    invitee_id: Mapped[int | None] = mapped_column(ForeignKey("invitee.id"))
    payload: Mapped[str] = mapped_column(String(64), ForeignKey("outbox_payload.digest"))
    state: Mapped[str] = mapped_column(String(8), index=True)
    parts_done: Mapped[int] = mapped_column(Integer, default=0)
    message_ids: Mapped[str] = mapped_column(String(200), default="")
    error: Mapped[str | None] = mapped_column(String(200))
    sent_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # SENDING with this set: the request for part `parts_done` may have left (committed just
    # before it did); a crash makes it UNKNOWN. SENDING without it: only in hand (back to
    # PENDING after a crash).
    attempted_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # UNKNOWN, and the coordinator has seen it (no longer in the conference's view)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ReminderRow(Base):
    """A ping planned for one person: before the meeting, a nudge, a question. The key (person,
    kind, meeting version) makes "at most once" a database rule; `status` moves on only by a
    conditional update, so two wake-ups cannot both take the same row."""

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("invitee_id", "kind", "version", name="uq_reminder_invitee_kind_version"),
        Index("ix_reminder_status_due_at", "status", "due_at"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conference.id"), index=True)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id"))
    kind: Mapped[str] = mapped_column(String(24))
    version: Mapped[int] = mapped_column(Integer)
    due_at: Mapped[datetime] = mapped_column(UtcDateTime)
    status: Mapped[str] = mapped_column(String(10))
    batch_id: Mapped[int | None] = mapped_column(BigInteger)  # the outbox batch it went into
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PlanRow(Base):
    """The family's plan, one per conference; the agreements as JSON in the family's words."""

    __tablename__ = "plan"
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id"), primary_key=True, autoincrement=False
    )
    question: Mapped[str] = mapped_column(SealedText("plan.question"))
    agreements: Mapped[str] = mapped_column(SealedText("plan.agreements"), default="[]")
    monitor: Mapped[str | None] = mapped_column(String(200))  # JSON of a Who
    next_meeting_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    acceptor_id: Mapped[int | None] = mapped_column(ForeignKey("invitee.id"))
    acceptance: Mapped[str | None] = mapped_column(String(10))
    acceptance_reason: Mapped[str | None] = mapped_column(SealedText("plan.acceptance_reason"))
    follow_up: Mapped[str] = mapped_column(String(200), default="")  # invitee ids
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class FollowUpRow(Base):
    __tablename__ = "follow_up"
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id"), primary_key=True, autoincrement=False
    )
    agreement_id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    invitee_id: Mapped[int] = mapped_column(
        ForeignKey("invitee.id"), primary_key=True, autoincrement=False
    )
    answer: Mapped[str] = mapped_column(String(10))
    # optional, in their own words
    comment: Mapped[str | None] = mapped_column(SealedText("follow_up.comment"))
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class CheckInGivenRow(Base):
    """Who answered the three-month question, not what nor when: one answer per person
    (CheckInRow cannot tell, it holds no person)."""

    __tablename__ = "check_in_given"
    invitee_id: Mapped[int] = mapped_column(
        ForeignKey("invitee.id"), primary_key=True, autoincrement=False
    )


class CheckInRow(Base):
    """Three months on, for research: nobody's name or id, only the conference."""

    __tablename__ = "check_in"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conference_id: Mapped[int] = mapped_column(ForeignKey("conference.id"), index=True)
    still_used: Mapped[str] = mapped_column(String(8))
    wellbeing: Mapped[int | None] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebAccountRow(Base):
    """The account of a relative who answers on the web page (conference/model/web.py)."""

    __tablename__ = "web_account"
    person_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    invitee_id: Mapped[int] = mapped_column(ForeignKey("invitee.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    browser_hash: Mapped[str | None] = mapped_column(String(64))  # of the cookie's secret
    email: Mapped[str | None] = mapped_column(SealedText("web_account.email"))
