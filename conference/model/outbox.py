"""The outbox: messages already rendered for one person each, waiting for the one outbound sender.

A use case fills a batch (a broadcast, the meeting notice, a change, a cancellation, nudges) inside
its unit of work, so the batch commits with the action that caused it; the sender in bot/ takes it
from there, keeps Telegram's limits and records per recipient what became of each message."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from conference.model.ids import ConferenceId, PersonId

Button = tuple[str, str]  # (label, callback_data): callback_data is at most 64 bytes


@dataclass(frozen=True)
class Text:
    """HTML, as everywhere in this bot (parse mode HTML): escape free text before it goes in."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()  # rows of inline buttons
    protect_content: bool = False


@dataclass(frozen=True)
class Document:
    filename: str
    data: bytes
    caption: str | None = None
    protect_content: bool = False


@dataclass(frozen=True)
class Venue:
    latitude: float
    longitude: float
    title: str
    address: str
    protect_content: bool = False


@dataclass(frozen=True)
class Photo:
    data: bytes
    caption: str | None = None
    protect_content: bool = False


Part = Text | Document | Venue | Photo


@dataclass(frozen=True)
class Outbound:
    """What one person gets: its parts arrive in this order, each at most once."""

    person_id: PersonId
    invitee_id: int | None
    parts: tuple[Part, ...]

    def __post_init__(self) -> None:
        if not self.parts:
            raise ValueError("an outbound message has at least one part")


@dataclass(frozen=True)
class Batch:
    """Who sends what why, and where the delivery report goes.

    `kind` is a short word ("broadcast", "meeting", "change", "cancel", "nudge"). `report_chat`
    None makes a silent batch (nudges): no progress, no report. `skipped` counts the people the
    caller could not address at all because they never opened the bot (invited, link unused),
    `unreachable` those left out because they blocked it; the report names both apart.
    `key`, when given, makes the batch unique: enqueueing again under the same key adds only the
    people the batch does not have yet (e.g. "meeting:12:v3" for a notice every newcomer gets
    once), and a double-tapped "send" adds nobody."""

    kind: str
    created_by: PersonId | None
    conference_id: ConferenceId | None = None
    report_chat: PersonId | None = None
    report_locale: str | None = None
    skipped: int = 0
    key: str | None = None
    unreachable: int = 0


class DeliveryState(StrEnum):
    PENDING = "pending"  # waiting for the sender
    # taken by the sender: only in hand, or (attempted) the request for its next part may have
    # left; a restart hands the first back (PENDING) and calls the second UNKNOWN
    SENDING = "sending"
    SENT = "sent"
    BLOCKED = "blocked"  # 403: blocked the bot, or never started it; marked unreachable
    FAILED = "failed"  # Telegram refused it (400), or it kept failing
    UNKNOWN = "unknown"  # the sender stopped mid-way: maybe sent, never sent again
    # a web account (no Telegram) with no e-mail address, or no mail server set: not sent;
    # they see it on their web page, which renders from the database
    WEB_ONLY = "web"


FINAL_STATES = frozenset(
    {
        DeliveryState.SENT,
        DeliveryState.BLOCKED,
        DeliveryState.FAILED,
        DeliveryState.UNKNOWN,
        DeliveryState.WEB_ONLY,
    }
)

# Above this many recipients the report chat sees one message counting up, then the report.
PROGRESS_ABOVE = 5


@dataclass(frozen=True)
class BatchReport:
    total: int  # recipient rows, one per person
    delivered: int = 0
    blocked: int = 0
    failed: int = 0
    unknown: int = 0
    skipped: int = 0  # never queued: never opened the bot
    pending: int = 0  # pending or being sent
    unreachable: int = 0  # never queued: blocked the bot before
    web_only: int = 0  # web accounts without an e-mail address: only on their web page

    @property
    def done(self) -> int:
        return self.delivered + self.blocked + self.failed + self.unknown + self.web_only

    @property
    def finished(self) -> bool:
        return self.pending == 0

    @property
    def addressed(self) -> int:
        """Everyone the sender meant, reachable or not."""
        return self.total + self.skipped + self.unreachable

    @classmethod
    def from_counts(
        cls, counts: dict[DeliveryState, int], skipped: int = 0, unreachable: int = 0
    ) -> BatchReport:
        return cls(
            total=sum(counts.values()),
            delivered=counts.get(DeliveryState.SENT, 0),
            blocked=counts.get(DeliveryState.BLOCKED, 0),
            failed=counts.get(DeliveryState.FAILED, 0),
            unknown=counts.get(DeliveryState.UNKNOWN, 0),
            skipped=skipped,
            pending=counts.get(DeliveryState.PENDING, 0) + counts.get(DeliveryState.SENDING, 0),
            unreachable=unreachable,
            web_only=counts.get(DeliveryState.WEB_ONLY, 0),
        )


@dataclass(frozen=True)
class Claimed:
    """A delivery the sender took: `parts_done` were sent before (a clean stop mid-message)."""

    batch_id: int
    person_id: PersonId
    parts: tuple[Part, ...]
    parts_done: int = 0
    message_ids: tuple[int, ...] = ()  # of the parts sent before


@dataclass(frozen=True)
class Outcome:
    """What became of a claimed delivery, as the sender records it; each record says all there
    is, so a later one for the same delivery replaces an earlier. PENDING hands it back (a clean
    stop). SENDING: still the sender's, with `parts_done` parts out; `attempted` is the mark
    committed before the request for part `parts_done` leaves (a crash then: UNKNOWN), without
    it the delivery is in hand only (a crash then: PENDING again)."""

    batch_id: int
    person_id: PersonId
    state: DeliveryState
    parts_done: int
    message_ids: tuple[int, ...] = ()
    error: str | None = None  # Telegram's (or the mail server's) words, never message content
    attempted: bool = False


@dataclass(frozen=True)
class Unconfirmed:
    """A message of a silent batch (a reminder, a nudge) that was on its way when the sender
    stopped: it may not have arrived, and it is not sent again. For the coordinator's view."""

    kind: str  # the batch's kind: "reminder", "nudge", "vote", "note"
    name: str  # as the coordinator knows the person (the invitee's name), else their first name
    at: datetime  # when the bot handed it to the outbox (its clock)


@dataclass(frozen=True)
class OpenBatch:
    """A batch whose report is not out yet, as the sender sees it."""

    id: int
    kind: str
    report_chat: PersonId | None
    report_locale: str | None
    progress_message_id: int | None
    report: BatchReport = field(default_factory=lambda: BatchReport(0))

    @property
    def shows_progress(self) -> bool:
        return self.report_chat is not None and self.report.total > PROGRESS_ABOVE
