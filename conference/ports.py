"""The ports: what the domain needs from storage. storage/ implements them; tests fake them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from conference.model.audit import OnBehalfOf
from conference.model.circle import Food, Invitee, InviteeDraft, Needs, NoReason, Rsvp, Suggestion
from conference.model.ids import ConferenceId, InviteeId, PersonId
from conference.model.meeting import Meeting, Proposal, Slot, Vote
from conference.model.outbox import Batch, BatchReport, Outbound, Unconfirmed
from conference.model.people import Person, StaffInvite, StaffMember, StaffRole
from conference.model.plan import FollowUp, Plan
from conference.model.privacy import Erased
from conference.model.reminders import Planned, Reminder
from conference.model.request import ConferenceRequest, RequestDraft, Status
from conference.model.web import WebAccount


class Clock(Protocol):
    """What time it is: one object for the whole bot, so tests can move it."""

    def now(self) -> datetime:
        """Aware, UTC."""

    def seconds_until(self, moment: datetime) -> float:
        """Real seconds until the clock shows `moment` (0 if it did already)."""


class PersonRepository(Protocol):
    async def get(self, person_id: PersonId) -> Person | None: ...

    async def upsert(self, person_id: PersonId, first_name: str, locale: str | None) -> Person:
        """Create the person, or refresh the first name; an existing locale is kept."""

    async def set_locale(self, person_id: PersonId, locale: str) -> None: ...

    async def set_reachable(self, person_id: PersonId, reachable: bool) -> None: ...


class StaffRepository(Protocol):
    async def add(self, member: StaffMember) -> None: ...

    async def get(self, person_id: PersonId) -> StaffMember | None: ...

    async def remove(self, person_id: PersonId) -> bool: ...

    async def list(self, role: StaffRole | None = None) -> Sequence[StaffMember]: ...

    async def add_invite(self, digest: str, invite: StaffInvite, at: datetime) -> None: ...

    async def invite(self, digest: str) -> StaffInvite | None: ...

    async def use_invite(self, digest: str, person: PersonId, at: datetime) -> bool:
        """Spend the link for `person`; False when it was spent already."""


class ConferenceRepository(Protocol):
    async def next_number(self, year: int) -> int: ...

    async def add(
        self,
        reference: str,
        applicant: Person,
        applicant_locale: str,
        draft: RequestDraft,
        created_at: datetime,
    ) -> ConferenceRequest: ...

    async def get(self, conference_id: ConferenceId) -> ConferenceRequest | None: ...

    async def with_status(self, status: Status) -> Sequence[ConferenceRequest]:
        """Newest first."""

    async def open_count_by_coordinator(self) -> dict[PersonId, int]:
        """Conferences not yet closed, per coordinator."""

    async def assign(
        self, conference_id: ConferenceId, coordinator: PersonId, at: datetime
    ) -> ConferenceRequest: ...

    async def of_coordinator(self, coordinator: PersonId) -> Sequence[ConferenceRequest]: ...

    async def mark_flagged(self, conference_id: ConferenceId, at: datetime) -> None: ...

    async def set_status(self, conference_id: ConferenceId, status: Status) -> None: ...

    async def set_minimum_requirement(self, conference_id: ConferenceId, text: str) -> None: ...


class InviteeRepository(Protocol):
    async def add(
        self,
        conference_id: ConferenceId,
        draft: InviteeDraft,
        token_hash: str,
        expires_at: datetime,
        now: datetime,
        person: PersonId | None = None,
    ) -> Invitee:
        """`person`: bound to that Telegram account from the start (not yet opened)."""

    async def get(self, invitee_id: int) -> Invitee | None: ...

    async def by_token(self, token_hash: str) -> tuple[Invitee, datetime] | None:
        """The invitee and when their link expires."""

    async def of_conference(self, conference_id: ConferenceId) -> Sequence[Invitee]: ...

    async def of_person(self, person: PersonId) -> Sequence[Invitee]: ...

    async def bind(self, invitee_id: int, person: PersonId, at: datetime) -> Invitee: ...

    async def tell_second_phone(
        self, invitee_id: int, told_before: datetime, at: datetime
    ) -> bool: ...

    async def set_food(self, invitee_id: int, food: Food) -> Invitee: ...

    async def set_needs(self, invitee_id: int, needs: Needs) -> Invitee: ...

    async def add_suggestion(
        self, by: Invitee, name: str, relation: str, reach: str | None, at: datetime
    ) -> Suggestion: ...

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        """Only one still waiting for the coordinator's decision."""

    async def decide_suggestion(self, suggestion_id: int, accept: bool) -> None: ...

    async def new_token(self, invitee_id: int, token_hash: str, expires_at: datetime) -> Invitee:
        """Replace the link (the old one stops working) and unbind it."""

    async def set_rsvp(self, invitee_id: int, rsvp: Rsvp, reason: NoReason | None) -> Invitee:
        """Any answer but no also forgets the reason typed with an earlier no."""

    async def set_no_reason_text(self, invitee_id: int, text: str) -> Invitee: ...

    async def set_locale(self, invitee_id: int, locale: str) -> Invitee: ...

    async def count_nudge(self, invitee_id: int) -> None: ...


class MeetingRepository(Protocol):
    """Proposed dates and the votes on them, the family's proposals, the fixed meeting."""

    async def slots(self, conference_id: ConferenceId) -> Sequence[Slot]:
        """Earliest first."""

    async def add_slots(
        self, conference_id: ConferenceId, starts: Sequence[datetime], at: datetime
    ) -> Sequence[Slot]: ...

    async def slot_conference(self, slot_id: int) -> ConferenceId | None: ...

    async def ballots(self, conference_id: ConferenceId) -> dict[int, dict[int, Vote]]:
        """invitee id -> slot id -> vote."""

    async def vote(self, invitee_id: int, slot_id: int, vote: Vote, at: datetime) -> None: ...

    async def get(self, conference_id: ConferenceId) -> Meeting: ...

    async def save(self, meeting: Meeting) -> None: ...

    async def add_proposal(
        self,
        conference_id: ConferenceId,
        invitee_id: int,
        starts_at: datetime | None,
        place: str | None,
        at: datetime,
    ) -> Proposal: ...

    async def proposal(self, proposal_id: int) -> Proposal | None:
        """Only one still waiting for the coordinator."""

    async def proposals(self, conference_id: ConferenceId) -> Sequence[Proposal]:
        """Those still waiting, oldest first."""

    async def decide_proposal(self, proposal_id: int, accept: bool) -> None: ...


class OutboxRepository(Protocol):
    """Rendered messages for the one outbound sender (see conference/model/outbox.py)."""

    async def enqueue(self, batch: Batch, messages: Sequence[Outbound], at: datetime) -> int:
        """Queue one message per person, written at the commit (with the action that caused
        it); returns the batch id. A person listed twice, or already in the batch of the same
        key, is left out: nobody gets one batch twice."""

    async def report(self, batch_id: int) -> BatchReport | None: ...

    async def unconfirmed(
        self, conference_id: ConferenceId, limit: int = 5
    ) -> Sequence[Unconfirmed]:
        """Messages of the conference's silent batches (reminders, nudges) that were on their
        way when the sender stopped (UNKNOWN) and the coordinator has not put away yet,
        newest first: `limit`, and one more if there are more."""

    async def acknowledge_unconfirmed(self, conference_id: ConferenceId, at: datetime) -> int:
        """Put away what `unconfirmed` shows now (all of it, not only `limit`)."""


class ReminderRepository(Protocol):
    """Planned pings, one per (person, kind, version)."""

    async def add(self, planned: Sequence[Planned], at: datetime) -> None:
        """New ones come in pending. One already there stays as it is (planning the same again
        adds nothing), unless it was cancelled: then it is pending again, at the new moment
        (a yes after a no). One sent, skipped or unknown is never planned again."""

    async def due(self, now: datetime, limit: int) -> Sequence[Reminder]:
        """Pending and due, earliest first."""

    async def settle(
        self, reminder_ids: Sequence[int], status: str, batch_id: int | None, at: datetime
    ) -> int:
        """pending -> status, only where still pending; returns how many moved."""

    async def next_due(self) -> datetime | None: ...

    async def pending(self, conference_id: ConferenceId | None = None) -> Sequence[Reminder]:
        """Earliest first."""

    async def cancel_kinds(
        self, conference_id: ConferenceId, prefixes: Sequence[str], invitee_id: int | None = None
    ) -> None:
        """Pending ones whose kind starts with one of `prefixes` are cancelled (of the
        conference, or of one person in it)."""

    async def asked(self, invitee_id: int) -> set[str]:
        """The kinds of this person's pings handed to the outbox (sent, or in flight when
        kring stopped), of any version."""


class PlanRepository(Protocol):
    async def get(self, conference_id: ConferenceId) -> Plan | None: ...

    async def save(self, plan: Plan) -> None: ...

    async def record_follow_up(
        self,
        conference_id: ConferenceId,
        agreement_id: int,
        invitee_id: int,
        answer: FollowUp,
        at: datetime,
    ) -> None:
        """The newest answer per person and agreement counts."""

    async def comment_follow_up(
        self, conference_id: ConferenceId, agreement_id: int, invitee_id: int, comment: str
    ) -> bool:
        """Add a comment to an answer given before; False if there is none."""

    async def follow_ups(self, conference_id: ConferenceId) -> dict[int, dict[int, FollowUp]]:
        """agreement id -> invitee id -> answer."""

    async def claim_check_in(self, invitee_id: int) -> bool:
        """Note that this person answered the three-month question (not what, not when);
        False if they had answered it before."""

    async def has_checked_in(self, invitee_id: int) -> bool:
        """Did this person answer the three-month question?"""

    async def record_check_in(
        self, conference_id: ConferenceId, still_used: str, wellbeing: int | None, at: datetime
    ) -> None:
        """Anonymised: no person, only the conference (for research)."""


class ConversationRepository(Protocol):
    """Where a half-finished conversation lives between two messages (and across restarts)."""

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]: ...

    async def set_state(self, key: str, state: str | None) -> None: ...

    async def set_data(self, key: str, data: dict[str, Any]) -> None: ...


class UpdateLog(Protocol):
    async def seen(self, update_id: int) -> bool:
        """Was this update handled (committed) before?"""

    async def claim(self, update_id: int) -> bool:
        """Mark the update handled, in the current transaction: False if it was handled
        before (then nothing changes)."""


class AuditLog(Protocol):
    """NEN 7513's log: who (actor) did what (action) when, on whose behalf, to which
    conference's (or person's) data of which kind. The kind, and mostly the capacity, follow
    from the action (conference/model/audit.py's CATALOGUE). Records are chained by hash."""

    async def record(
        self,
        actor: PersonId | None,
        action: str,
        conference_id: ConferenceId | None,
        *,
        on_behalf_of: OnBehalfOf | None = None,
        subject: PersonId | None = None,
    ) -> None:
        """Logged with the unit of work's commit (not at all if it rolls back). `actor` None:
        the operator or kring itself; `subject`: the person whose data it is, when no
        conference says it. ValueError for an action outside the catalogue."""

    async def count_recent(
        self, action_prefix: str, within: timedelta, actor: PersonId | None = None
    ) -> int:
        """How often this actor (None: any account) did an action starting with
        `action_prefix` of late."""
        ...

    async def pseudonymise(self, person: PersonId, conference_id: ConferenceId | None) -> PersonId:
        """Put a pseudonym (a random negative id) in place of `person`, as actor and as subject,
        in every record, and record `personal_data.pseudonymised` with it as subject. The
        records stay linked to each other and to the erasure, no longer to the Telegram
        account; the chain still holds. Returns the pseudonym."""


class PersonalDataRepository(Protocol):
    """Everything kring holds about one person or one conference: a copy, and its erasure.
    Erasing keeps what counts need (a circle's places, answers yes or no, votes) under a
    neutral label (model/privacy.ERASED) and removes the rest."""

    async def by_reference(self, reference: str) -> ConferenceId | None: ...

    async def of_person(self, person: PersonId) -> dict[str, Any] | None:
        """The person's own data as JSON-ready values: nobody else's name, answers or
        contact data. None when kring holds nothing about them."""

    async def of_conference(self, conference_id: ConferenceId) -> dict[str, Any] | None:
        """Everything the conference holds (for staff answering a request for access)."""

    async def erase_person(self, person: PersonId, pseudonym: PersonId) -> Erased:
        """Their person and staff rows go; their places in circles are anonymised; their
        words, drafts, raw updates and the outbox texts that name them are removed; their
        deliveries are kept under `pseudonym`."""

    async def erase_conference(self, conference_id: ConferenceId, at: datetime) -> Erased:
        """Every person's data in the conference anonymised or removed; `erased_at` set."""

    async def close_finished(self, at: datetime) -> int:
        """Conferences in follow-up with no follow-up still to send are closed now."""

    async def closed_before(self, moment: datetime) -> Sequence[ConferenceId]:
        """Closed before `moment` and not erased yet."""

    async def remove_strangers(self, before: datetime) -> int:
        """Person rows made before `before` of people who never took part (no request, no
        invitation, not staff) and whose conversation is as old: gone, with it."""


class WebAccountRepository(Protocol):
    async def add(self, invitee_id: InviteeId, at: datetime) -> WebAccount:
        """The invitation's web account (`web_account_of`), made if it has none yet."""

    async def get(self, person_id: PersonId) -> WebAccount | None: ...

    async def bind_browser(self, person_id: PersonId, browser_hash: str | None) -> None:
        """Bind the account to the browser whose cookie secret hashes to this (None: to
        nobody, the next browser to open a valid link takes it)."""

    async def set_email(self, person_id: PersonId, email: str | None) -> None: ...

    async def by_browser(self, browser_hash: str) -> WebAccount | None:
        """The account bound to this browser (the newest, if it holds several)."""


class UnitOfWork(Protocol):
    """Repositories are read-only attributes, so an implementation may hold its own types."""

    @property
    def persons(self) -> PersonRepository: ...

    @property
    def staff(self) -> StaffRepository: ...

    @property
    def conferences(self) -> ConferenceRepository: ...

    @property
    def conversations(self) -> ConversationRepository: ...

    @property
    def invitees(self) -> InviteeRepository: ...

    @property
    def meetings(self) -> MeetingRepository: ...

    @property
    def reminders(self) -> ReminderRepository: ...

    @property
    def plans(self) -> PlanRepository: ...

    @property
    def outbox(self) -> OutboxRepository: ...

    @property
    def updates(self) -> UpdateLog: ...

    @property
    def personal_data(self) -> PersonalDataRepository: ...

    @property
    def audit(self) -> AuditLog: ...

    @property
    def web_accounts(self) -> WebAccountRepository: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
