"""In-memory implementations of the ports, for use-case tests without I/O."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from conference.model.audit import OnBehalfOf, classify
from conference.model.circle import Food, Invitee, InviteeDraft, Needs, NoReason, Rsvp, Suggestion
from conference.model.ids import ConferenceId, InviteeId, PersonId, web_account_of
from conference.model.meeting import Meeting, Proposal, Slot, Vote
from conference.model.outbox import Batch, BatchReport, Outbound, Unconfirmed
from conference.model.people import Person, StaffInvite, StaffMember, StaffRole
from conference.model.plan import FollowUp, Plan
from conference.model.privacy import Erased
from conference.model.reminders import Planned, Reminder
from conference.model.reminders import Status as ReminderStatus
from conference.model.request import ConferenceRequest, RequestDraft, Status
from conference.model.web import WebAccount
from conference.ports import UnitOfWork


class FakePersons:
    def __init__(self) -> None:
        self.rows: dict[PersonId, Person] = {}

    async def get(self, person_id: PersonId) -> Person | None:
        return self.rows.get(person_id)

    async def upsert(self, person_id: PersonId, first_name: str, locale: str | None) -> Person:
        old = self.rows.get(person_id)
        self.rows[person_id] = Person(
            person_id, first_name, (old and old.locale) or locale, old.reachable if old else True
        )
        return self.rows[person_id]

    async def set_locale(self, person_id: PersonId, locale: str) -> None:
        self.rows[person_id] = replace(self.rows[person_id], locale=locale)

    async def set_reachable(self, person_id: PersonId, reachable: bool) -> None:
        self.rows[person_id] = replace(self.rows[person_id], reachable=reachable)


class FakeStaff:
    def __init__(self) -> None:
        self.rows: dict[PersonId, StaffMember] = {}
        self.invites: dict[str, StaffInvite] = {}

    async def add(self, member: StaffMember) -> None:
        self.rows[member.person_id] = member

    async def get(self, person_id: PersonId) -> StaffMember | None:
        return self.rows.get(person_id)

    async def remove(self, person_id: PersonId) -> bool:
        return self.rows.pop(person_id, None) is not None

    async def list(self, role: StaffRole | None = None) -> list[StaffMember]:
        return [m for m in self.rows.values() if role is None or m.role is role]

    async def add_invite(self, digest: str, invite: StaffInvite, at: datetime) -> None:
        self.invites[digest] = invite

    async def invite(self, digest: str) -> StaffInvite | None:
        return self.invites.get(digest)

    async def use_invite(self, digest: str, person: PersonId, at: datetime) -> bool:
        found = self.invites.get(digest)
        if found is None or found.used_at is not None:
            return False
        self.invites[digest] = replace(found, used_at=at)
        return True


class FakeConferences:
    def __init__(self) -> None:
        self.rows: dict[ConferenceId, ConferenceRequest] = {}
        self.counters: dict[int, int] = {}

    async def next_number(self, year: int) -> int:
        self.counters[year] = self.counters.get(year, 0) + 1
        return self.counters[year]

    async def add(
        self,
        reference: str,
        applicant: Person,
        applicant_locale: str,
        draft: RequestDraft,
        created_at: datetime,
    ) -> ConferenceRequest:
        cid = ConferenceId(len(self.rows) + 1)
        self.rows[cid] = ConferenceRequest(
            id=cid,
            reference=reference,
            kind=draft.kind,
            status=Status.NEW,
            applicant_id=applicant.id,
            applicant_name=applicant.first_name,
            applicant_locale=applicant_locale,
            created_at=created_at,
            region=draft.region or "",
            question=draft.question,
        )
        return self.rows[cid]

    async def get(self, conference_id: ConferenceId) -> ConferenceRequest | None:
        return self.rows.get(conference_id)

    async def with_status(self, status: Status) -> list[ConferenceRequest]:
        return [r for r in self.rows.values() if r.status is status]

    async def open_count_by_coordinator(self) -> dict[PersonId, int]:
        counts: dict[PersonId, int] = {}
        for r in self.rows.values():
            if r.coordinator_id is not None and r.status is not Status.CLOSED:
                counts[r.coordinator_id] = counts.get(r.coordinator_id, 0) + 1
        return counts

    async def mark_flagged(self, conference_id: ConferenceId, at: datetime) -> None:
        self.rows[conference_id] = replace(self.rows[conference_id], flagged=True)

    async def of_coordinator(self, coordinator: PersonId) -> list[ConferenceRequest]:
        return [r for r in self.rows.values() if r.coordinator_id == coordinator]

    async def set_status(self, conference_id: ConferenceId, status: Status) -> None:
        self.rows[conference_id] = replace(self.rows[conference_id], status=status)

    async def set_minimum_requirement(self, conference_id: ConferenceId, text: str) -> None:
        self.rows[conference_id] = replace(self.rows[conference_id], minimum_requirement=text)

    async def assign(
        self, conference_id: ConferenceId, coordinator: PersonId, at: datetime
    ) -> ConferenceRequest:
        self.rows[conference_id] = replace(
            self.rows[conference_id], coordinator_id=coordinator, status=Status.PREPARING
        )
        return self.rows[conference_id]


class FakeInvitees:
    def __init__(self) -> None:
        self.rows: dict[int, Invitee] = {}
        self.tokens: dict[str, tuple[int, datetime]] = {}  # hash -> (invitee, expires)
        self.suggestions: dict[int, tuple[Suggestion, str]] = {}  # id -> (suggestion, status)
        self.second_phone_told: dict[int, datetime] = {}

    async def add(
        self,
        conference_id: ConferenceId,
        draft: InviteeDraft,
        token_hash: str,
        expires_at: datetime,
        now: datetime,
        person: PersonId | None = None,
    ) -> Invitee:
        invitee = Invitee(
            len(self.rows) + 1,
            conference_id,
            draft.name,
            draft.relation,
            draft.group,
            draft.locale,
            draft.must_attend,
            person_id=person,
        )
        self.rows[invitee.id] = invitee
        self.tokens[token_hash] = (invitee.id, expires_at)
        return invitee

    async def get(self, invitee_id: int) -> Invitee | None:
        return self.rows.get(invitee_id)

    async def by_token(self, token_hash: str) -> tuple[Invitee, datetime] | None:
        if token_hash not in self.tokens:
            return None
        invitee_id, expires_at = self.tokens[token_hash]
        return self.rows[invitee_id], expires_at

    async def of_conference(self, conference_id: ConferenceId) -> list[Invitee]:
        return [i for i in self.rows.values() if i.conference_id == conference_id]

    async def of_person(self, person: PersonId) -> list[Invitee]:
        return [i for i in self.rows.values() if i.person_id == person]

    async def bind(self, invitee_id: int, person: PersonId, at: datetime) -> Invitee:
        self.rows[invitee_id] = replace(self.rows[invitee_id], person_id=person, opened=True)
        return self.rows[invitee_id]

    async def tell_second_phone(
        self, invitee_id: int, told_before: datetime, at: datetime
    ) -> bool:
        last = self.second_phone_told.get(invitee_id)
        if last is not None and last > told_before:
            return False
        self.second_phone_told[invitee_id] = at
        return True

    async def set_food(self, invitee_id: int, food: Food) -> Invitee:
        self.rows[invitee_id] = replace(self.rows[invitee_id], food=food)
        return self.rows[invitee_id]

    async def set_needs(self, invitee_id: int, needs: Needs) -> Invitee:
        self.rows[invitee_id] = replace(self.rows[invitee_id], needs=needs)
        return self.rows[invitee_id]

    async def add_suggestion(
        self, by: Invitee, name: str, relation: str, reach: str | None, at: datetime
    ) -> Suggestion:
        suggestion = Suggestion(
            len(self.suggestions) + 1, by.conference_id, by.name, name, relation, reach
        )
        self.suggestions[suggestion.id] = (suggestion, "pending")
        return suggestion

    async def suggestion(self, suggestion_id: int) -> Suggestion | None:
        found = self.suggestions.get(suggestion_id)
        return found[0] if found and found[1] == "pending" else None

    async def decide_suggestion(self, suggestion_id: int, accept: bool) -> None:
        suggestion = self.suggestions[suggestion_id][0]
        self.suggestions[suggestion_id] = (suggestion, "accepted" if accept else "declined")

    async def new_token(self, invitee_id: int, token_hash: str, expires_at: datetime) -> Invitee:
        self.tokens = {h: v for h, v in self.tokens.items() if v[0] != invitee_id}
        self.tokens[token_hash] = (invitee_id, expires_at)
        self.rows[invitee_id] = replace(self.rows[invitee_id], person_id=None, opened=False)
        return self.rows[invitee_id]

    async def set_rsvp(self, invitee_id: int, rsvp: Rsvp, reason: NoReason | None) -> Invitee:
        kept = self.rows[invitee_id].no_reason_text if rsvp is Rsvp.NO else None
        self.rows[invitee_id] = replace(
            self.rows[invitee_id], rsvp=rsvp, no_reason=reason, no_reason_text=kept
        )
        return self.rows[invitee_id]

    async def set_no_reason_text(self, invitee_id: int, text: str) -> Invitee:
        self.rows[invitee_id] = replace(self.rows[invitee_id], no_reason_text=text)
        return self.rows[invitee_id]

    async def set_locale(self, invitee_id: int, locale: str) -> Invitee:
        self.rows[invitee_id] = replace(self.rows[invitee_id], locale=locale)
        return self.rows[invitee_id]

    async def count_nudge(self, invitee_id: int) -> None:
        row = self.rows[invitee_id]
        self.rows[invitee_id] = replace(row, nudges=row.nudges + 1)


class FakeMeetings:
    def __init__(self, invitees: FakeInvitees) -> None:
        self._invitees = invitees
        self.slot_rows: dict[int, tuple[ConferenceId, Slot]] = {}
        self.votes: dict[tuple[int, int], Vote] = {}  # (invitee, slot) -> vote
        self.meetings: dict[ConferenceId, Meeting] = {}
        self.proposal_rows: dict[int, tuple[Proposal, str]] = {}  # id -> (proposal, status)

    async def slots(self, conference_id: ConferenceId) -> list[Slot]:
        return sorted(
            (s for c, s in self.slot_rows.values() if c == conference_id),
            key=lambda s: (s.starts_at, s.id),
        )

    async def add_slots(
        self, conference_id: ConferenceId, starts: Sequence[datetime], at: datetime
    ) -> list[Slot]:
        added = []
        for moment in starts:
            slot = Slot(len(self.slot_rows) + 1, moment)
            self.slot_rows[slot.id] = (conference_id, slot)
            added.append(slot)
        return added

    async def slot_conference(self, slot_id: int) -> ConferenceId | None:
        found = self.slot_rows.get(slot_id)
        return found[0] if found else None

    async def ballots(self, conference_id: ConferenceId) -> dict[int, dict[int, Vote]]:
        ballots: dict[int, dict[int, Vote]] = {}
        for (invitee, slot), vote in self.votes.items():
            if self.slot_rows[slot][0] == conference_id:
                ballots.setdefault(invitee, {})[slot] = vote
        return ballots

    async def vote(self, invitee_id: int, slot_id: int, vote: Vote, at: datetime) -> None:
        self.votes[(invitee_id, slot_id)] = vote

    async def get(self, conference_id: ConferenceId) -> Meeting:
        return self.meetings.get(conference_id) or Meeting(conference_id)

    async def save(self, meeting: Meeting) -> None:
        self.meetings[meeting.conference_id] = meeting

    async def add_proposal(
        self,
        conference_id: ConferenceId,
        invitee_id: int,
        starts_at: datetime | None,
        place: str | None,
        at: datetime,
    ) -> Proposal:
        by = self._invitees.rows[invitee_id].name
        proposal = Proposal(
            len(self.proposal_rows) + 1, conference_id, invitee_id, by, starts_at, place
        )
        self.proposal_rows[proposal.id] = (proposal, "pending")
        return proposal

    async def proposal(self, proposal_id: int) -> Proposal | None:
        found = self.proposal_rows.get(proposal_id)
        return found[0] if found and found[1] == "pending" else None

    async def proposals(self, conference_id: ConferenceId) -> list[Proposal]:
        return [
            p
            for p, status in self.proposal_rows.values()
            if status == "pending" and p.conference_id == conference_id
        ]

    async def decide_proposal(self, proposal_id: int, accept: bool) -> None:
        proposal = self.proposal_rows[proposal_id][0]
        self.proposal_rows[proposal_id] = (proposal, "accepted" if accept else "declined")


class FakeOutbox:
    """What was queued; nothing here sends it (the sender is bot/'s)."""

    def __init__(self) -> None:
        self.batches: dict[int, Batch] = {}
        self.messages: dict[int, list[Outbound]] = {}  # batch id -> one per person

    async def enqueue(self, batch: Batch, messages: Sequence[Outbound], at: datetime) -> int:
        keyed = [i for i, b in self.batches.items() if batch.key and b.key == batch.key]
        batch_id = keyed[0] if keyed else len(self.batches) + 1
        self.batches.setdefault(batch_id, batch)
        queued = self.messages.setdefault(batch_id, [])
        for message in messages:
            if all(m.person_id != message.person_id for m in queued):
                queued.append(message)
        return batch_id

    async def report(self, batch_id: int) -> BatchReport | None:
        if batch_id not in self.batches:
            return None
        batch, queued = self.batches[batch_id], len(self.messages[batch_id])
        return BatchReport(
            total=queued, pending=queued, skipped=batch.skipped, unreachable=batch.unreachable
        )

    async def unconfirmed(self, conference_id: ConferenceId, limit: int = 5) -> list[Unconfirmed]:
        return []  # only a sender that stopped mid-way leaves these

    async def acknowledge_unconfirmed(self, conference_id: ConferenceId, at: datetime) -> int:
        return 0


class FakeReminders:
    def __init__(self) -> None:
        self.rows: dict[tuple[int, str, int], Reminder] = {}  # key: (invitee, kind, version)

    async def add(self, planned: Sequence[Planned], at: datetime) -> None:
        for item in planned:
            key = (item.invitee_id, item.kind, item.version)
            if key not in self.rows:
                self.rows[key] = Reminder(len(self.rows) + 1, item, ReminderStatus.PENDING)
            elif self.rows[key].status is ReminderStatus.CANCELLED:  # planned again
                self.rows[key] = Reminder(self.rows[key].id, item, ReminderStatus.PENDING)

    async def due(self, now: datetime, limit: int) -> list[Reminder]:
        due = [
            r
            for r in self.rows.values()
            if r.status is ReminderStatus.PENDING and r.planned.due_at <= now
        ]
        return sorted(due, key=lambda r: (r.planned.due_at, r.id))[:limit]

    async def settle(
        self, reminder_ids: Sequence[int], status: str, batch_id: int | None, at: datetime
    ) -> int:
        moved = 0
        for key, row in self.rows.items():
            if row.id in reminder_ids and row.status is ReminderStatus.PENDING:
                self.rows[key] = replace(row, status=ReminderStatus(status))
                moved += 1
        return moved

    async def next_due(self) -> datetime | None:
        due = [r.planned.due_at for r in self.rows.values() if r.status is ReminderStatus.PENDING]
        return min(due) if due else None

    async def pending(self, conference_id: ConferenceId | None = None) -> list[Reminder]:
        return sorted(
            (
                r
                for r in self.rows.values()
                if r.status is ReminderStatus.PENDING
                and conference_id in (None, r.planned.conference_id)
            ),
            key=lambda r: (r.planned.due_at, r.id),
        )

    async def cancel_kinds(
        self, conference_id: ConferenceId, prefixes: Sequence[str], invitee_id: int | None = None
    ) -> None:
        for key, row in self.rows.items():
            if (
                row.status is ReminderStatus.PENDING
                and row.planned.conference_id == conference_id
                and row.planned.kind.startswith(tuple(prefixes))
                and invitee_id in (None, row.planned.invitee_id)
            ):
                self.rows[key] = replace(row, status=ReminderStatus.CANCELLED)

    async def asked(self, invitee_id: int) -> set[str]:
        handed = (ReminderStatus.SENT, ReminderStatus.SENDING, ReminderStatus.UNKNOWN)
        return {
            r.planned.kind
            for r in self.rows.values()
            if r.planned.invitee_id == invitee_id and r.status in handed
        }


class FakePlans:
    def __init__(self) -> None:
        self.rows: dict[ConferenceId, Plan] = {}
        # agreement -> invitee -> answer (one conference per test)
        self.answers: dict[int, dict[int, FollowUp]] = {}
        self.comments: dict[tuple[int, int], str] = {}  # (agreement, invitee) -> comment
        self.check_ins: list[tuple[ConferenceId, str, int | None]] = []
        self.checked_in: set[int] = set()

    async def get(self, conference_id: ConferenceId) -> Plan | None:
        return self.rows.get(conference_id)

    async def save(self, plan: Plan) -> None:
        self.rows[plan.conference_id] = plan

    async def record_follow_up(
        self,
        conference_id: ConferenceId,
        agreement_id: int,
        invitee_id: int,
        answer: FollowUp,
        at: datetime,
    ) -> None:
        self.answers.setdefault(agreement_id, {})[invitee_id] = answer

    async def comment_follow_up(
        self, conference_id: ConferenceId, agreement_id: int, invitee_id: int, comment: str
    ) -> bool:
        if invitee_id not in self.answers.get(agreement_id, {}):
            return False
        self.comments[(agreement_id, invitee_id)] = comment
        return True

    async def follow_ups(self, conference_id: ConferenceId) -> dict[int, dict[int, FollowUp]]:
        return self.answers

    async def claim_check_in(self, invitee_id: int) -> bool:
        if invitee_id in self.checked_in:
            return False
        self.checked_in.add(invitee_id)
        return True

    async def has_checked_in(self, invitee_id: int) -> bool:
        return invitee_id in self.checked_in

    async def record_check_in(
        self, conference_id: ConferenceId, still_used: str, wellbeing: int | None, at: datetime
    ) -> None:
        self.check_ins.append((conference_id, still_used, wellbeing))


class FakeConversations:
    def __init__(self) -> None:
        self.rows: dict[str, tuple[str | None, dict[str, Any]]] = {}

    async def get(self, key: str) -> tuple[str | None, dict[str, Any]]:
        return self.rows.get(key, (None, {}))

    async def set_state(self, key: str, state: str | None) -> None:
        self.rows[key] = (state, (await self.get(key))[1])

    async def set_data(self, key: str, data: dict[str, Any]) -> None:
        self.rows[key] = ((await self.get(key))[0], data)


class FakeUpdateLog:
    def __init__(self) -> None:
        self.seen_ids: set[int] = set()

    async def seen(self, update_id: int) -> bool:
        return update_id in self.seen_ids

    async def claim(self, update_id: int) -> bool:
        if update_id in self.seen_ids:
            return False
        self.seen_ids.add(update_id)
        return True


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[tuple[PersonId | None, str, ConferenceId | None]] = []
        self.records: list[tuple[str, str, PersonId | None]] = []  # (kind, on behalf of, subject)

    async def record(
        self,
        actor: PersonId | None,
        action: str,
        conference_id: ConferenceId | None,
        *,
        on_behalf_of: OnBehalfOf | None = None,
        subject: PersonId | None = None,
    ) -> None:
        kind, capacity = classify(action, on_behalf_of)  # as the real log: refuses unknown ones
        self.entries.append((actor, action, conference_id))
        self.records.append((kind.value, capacity.value, subject))

    async def count_recent(
        self, action_prefix: str, within: timedelta, actor: PersonId | None = None
    ) -> int:
        return sum(
            1
            for who, what, _ in self.entries
            if actor in (None, who) and what.startswith(action_prefix)
        )

    async def pseudonymise(self, person: PersonId, conference_id: ConferenceId | None) -> PersonId:
        pseudonym = PersonId(-len(self.entries) - 1)
        self.entries = [
            (pseudonym if who == person else who, what, where) for who, what, where in self.entries
        ]
        self.records = [
            (kind, capacity, pseudonym if subject == person else subject)
            for kind, capacity, subject in self.records
        ]
        await self.record(None, "personal_data.pseudonymised", conference_id, subject=pseudonym)
        return pseudonym


class FakePersonalData:
    """Erasure and copies are tested on real databases (tests/integration/test_erasure.py);
    here they only answer."""

    async def by_reference(self, reference: str) -> ConferenceId | None:
        return None

    async def of_person(self, person: PersonId) -> dict[str, Any] | None:
        return None

    async def of_conference(self, conference_id: ConferenceId) -> dict[str, Any] | None:
        return None

    async def erase_person(self, person: PersonId, pseudonym: PersonId) -> Erased:
        return Erased()

    async def erase_conference(self, conference_id: ConferenceId, at: datetime) -> Erased:
        return Erased((conference_id,))

    async def close_finished(self, at: datetime) -> int:
        return 0

    async def closed_before(self, moment: datetime) -> list[ConferenceId]:
        return []

    async def remove_strangers(self, before: datetime) -> int:
        return 0


class FakeWebAccounts:
    def __init__(self) -> None:
        self.rows: dict[PersonId, WebAccount] = {}

    async def add(self, invitee_id: InviteeId, at: datetime) -> WebAccount:
        person = web_account_of(invitee_id)
        return self.rows.setdefault(person, WebAccount(person, invitee_id, at))

    async def get(self, person_id: PersonId) -> WebAccount | None:
        return self.rows.get(person_id)

    async def bind_browser(self, person_id: PersonId, browser_hash: str | None) -> None:
        if person_id in self.rows:
            self.rows[person_id] = replace(self.rows[person_id], browser_hash=browser_hash)

    async def set_email(self, person_id: PersonId, email: str | None) -> None:
        if person_id in self.rows:
            self.rows[person_id] = replace(self.rows[person_id], email=email)

    async def by_browser(self, browser_hash: str) -> WebAccount | None:
        bound = [a for a in self.rows.values() if a.browser_hash == browser_hash]
        return max(bound, key=lambda a: (a.created_at, a.person_id), default=None)


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.persons = FakePersons()
        self.staff = FakeStaff()
        self.conferences = FakeConferences()
        self.conversations = FakeConversations()
        self.invitees = FakeInvitees()
        self.meetings = FakeMeetings(self.invitees)
        self.reminders = FakeReminders()
        self.plans = FakePlans()
        self.outbox = FakeOutbox()
        self.updates = FakeUpdateLog()
        self.audit = FakeAudit()
        self.personal_data = FakePersonalData()
        self.web_accounts = FakeWebAccounts()
        self.commits = 0

    async def commit(self) -> None:
        self.commits += 1

    async def rollback(self) -> None:
        pass


def _implements_port(uow: FakeUnitOfWork) -> UnitOfWork:
    return uow  # mypy checks the fakes against the port here (a missing method fails)


def manager(person_id: int, name: str = "Marieke") -> StaffMember:
    return StaffMember(PersonId(person_id), StaffRole.MANAGER, name, ("nl",), "Utrecht")
