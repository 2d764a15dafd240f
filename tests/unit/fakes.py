"""In-memory implementations of the ports, for use-case tests without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from conference.intake import RequestDraft
from conference.model import (
    ConferenceId,
    ConferenceRequest,
    Person,
    PersonId,
    StaffInvite,
    StaffMember,
    StaffRole,
    Status,
)


class FakePersons:
    def __init__(self) -> None:
        self.rows: dict[PersonId, Person] = {}

    async def get(self, person_id):
        return self.rows.get(person_id)

    async def upsert(self, person_id, first_name, locale):
        old = self.rows.get(person_id)
        self.rows[person_id] = Person(person_id, first_name, (old and old.locale) or locale,
                                      old.reachable if old else True)
        return self.rows[person_id]

    async def set_locale(self, person_id, locale):
        self.rows[person_id] = replace(self.rows[person_id], locale=locale)

    async def set_reachable(self, person_id, reachable):
        self.rows[person_id] = replace(self.rows[person_id], reachable=reachable)


class FakeStaff:
    def __init__(self) -> None:
        self.rows: dict[PersonId, StaffMember] = {}
        self.invites: dict[str, StaffInvite] = {}

    async def add(self, member):
        self.rows[member.person_id] = member

    async def get(self, person_id):
        return self.rows.get(person_id)

    async def remove(self, person_id):
        return self.rows.pop(person_id, None) is not None

    async def list(self, role=None):
        return [m for m in self.rows.values() if role is None or m.role is role]

    async def add_invite(self, digest, invite, at):
        self.invites[digest] = invite

    async def invite(self, digest):
        return self.invites.get(digest)

    async def use_invite(self, digest, person, at):
        found = self.invites.get(digest)
        if found is None or found.used_at is not None:
            return False
        self.invites[digest] = replace(found, used_at=at)
        return True


class FakeConferences:
    def __init__(self) -> None:
        self.rows: dict[ConferenceId, ConferenceRequest] = {}
        self.counters: dict[int, int] = {}

    async def next_number(self, year):
        self.counters[year] = self.counters.get(year, 0) + 1
        return self.counters[year]

    async def add(self, reference, applicant, applicant_locale, draft: RequestDraft,
                  created_at: datetime):
        cid = ConferenceId(len(self.rows) + 1)
        self.rows[cid] = ConferenceRequest(
            id=cid, reference=reference, kind=draft.kind, status=Status.NEW,
            applicant_id=applicant.id, applicant_name=applicant.first_name,
            applicant_locale=applicant_locale, created_at=created_at, region=draft.region or "",
            question=draft.question,
        )
        return self.rows[cid]

    async def get(self, conference_id):
        return self.rows.get(conference_id)

    async def with_status(self, status):
        return [r for r in self.rows.values() if r.status is status]

    async def open_count_by_coordinator(self):
        counts: dict = {}
        for r in self.rows.values():
            if r.coordinator_id is not None and r.status is not Status.CLOSED:
                counts[r.coordinator_id] = counts.get(r.coordinator_id, 0) + 1
        return counts

    async def mark_flagged(self, conference_id, at):
        self.rows[conference_id] = replace(self.rows[conference_id], flagged=True)

    async def of_coordinator(self, coordinator):
        return [r for r in self.rows.values() if r.coordinator_id == coordinator]

    async def set_status(self, conference_id, status):
        self.rows[conference_id] = replace(self.rows[conference_id], status=status)

    async def set_minimum_requirement(self, conference_id, text):
        self.rows[conference_id] = replace(self.rows[conference_id], minimum_requirement=text)

    async def assign(self, conference_id, coordinator, at):
        self.rows[conference_id] = replace(self.rows[conference_id], coordinator_id=coordinator,
                                           status=Status.PREPARING)
        return self.rows[conference_id]


class FakeAudit:
    def __init__(self) -> None:
        self.entries: list[tuple[Any, ...]] = []

    async def record(self, actor, action, conference_id):
        self.entries.append((actor, action, conference_id))


class FakeUnitOfWork:
    def __init__(self) -> None:
        self.persons = FakePersons()
        self.staff = FakeStaff()
        self.conferences = FakeConferences()
        self.audit = FakeAudit()
        self.invitees = FakeInvitees()
        self.meetings = FakeMeetings(self.conferences, self.invitees)
        self.reminders = FakeReminders()
        self.plans = FakePlans()
        self.conversations = None
        self.updates = None
        self.commits = 0

    async def commit(self):
        self.commits += 1

    async def rollback(self):
        pass


def manager(person_id: int, name: str = "Marieke") -> StaffMember:
    return StaffMember(PersonId(person_id), StaffRole.MANAGER, name, ("nl",), "Utrecht")


class FakeInvitees:
    def __init__(self) -> None:
        self.rows: dict = {}
        self.tokens: dict = {}

    async def add(self, conference_id, draft, token_hash, expires_at, now, person=None):
        from conference.circle import Invitee

        invitee = Invitee(len(self.rows) + 1, conference_id, draft.name, draft.relation,
                          draft.group, draft.locale, draft.must_attend, person_id=person)
        self.rows[invitee.id] = invitee
        self.tokens[token_hash] = (invitee.id, expires_at)
        return invitee

    async def get(self, invitee_id):
        return self.rows.get(invitee_id)

    async def by_token(self, token_hash):
        if token_hash not in self.tokens:
            return None
        invitee_id, expires_at = self.tokens[token_hash]
        return self.rows[invitee_id], expires_at

    async def of_conference(self, conference_id):
        return [i for i in self.rows.values() if i.conference_id == conference_id]

    async def set_needs(self, invitee_id, needs):
        self.rows[invitee_id] = replace(self.rows[invitee_id], needs=needs)
        return self.rows[invitee_id]

    async def set_food(self, invitee_id, food):
        self.rows[invitee_id] = replace(self.rows[invitee_id], food=food)
        return self.rows[invitee_id]

    async def of_person(self, person):
        return [i for i in self.rows.values() if i.person_id == person]

    async def bind(self, invitee_id, person, at):
        self.rows[invitee_id] = replace(self.rows[invitee_id], person_id=person, opened=True)
        return self.rows[invitee_id]

    async def new_token(self, invitee_id, token_hash, expires_at):
        self.tokens = {h: v for h, v in self.tokens.items() if v[0] != invitee_id}
        self.tokens[token_hash] = (invitee_id, expires_at)
        self.rows[invitee_id] = replace(self.rows[invitee_id], person_id=None, opened=False)
        return self.rows[invitee_id]

    async def set_rsvp(self, invitee_id, rsvp, reason):
        kept = self.rows[invitee_id].no_reason_text if rsvp.value == "no" else None
        self.rows[invitee_id] = replace(self.rows[invitee_id], rsvp=rsvp, no_reason=reason,
                                        no_reason_text=kept)
        return self.rows[invitee_id]

    async def set_locale(self, invitee_id, locale):
        self.rows[invitee_id] = replace(self.rows[invitee_id], locale=locale)
        return self.rows[invitee_id]

    async def set_no_reason_text(self, invitee_id, text):
        self.rows[invitee_id] = replace(self.rows[invitee_id], no_reason_text=text)
        return self.rows[invitee_id]

    async def count_nudge(self, invitee_id):
        row = self.rows[invitee_id]
        self.rows[invitee_id] = replace(row, nudges=row.nudges + 1)


class FakeMeetings:
    def __init__(self, conferences: FakeConferences, invitees: FakeInvitees) -> None:
        from conference.meeting import Meeting

        self._meeting = Meeting
        self._conferences, self._invitees = conferences, invitees
        self.slot_rows: dict = {}  # id -> (conference id, Slot)
        self.votes: dict = {}  # (invitee, slot) -> Vote
        self.meetings: dict = {}
        self.proposal_rows: dict = {}  # id -> [Proposal, status]

    async def slots(self, conference_id):
        return sorted((s for c, s in self.slot_rows.values() if c == conference_id),
                      key=lambda s: (s.starts_at, s.id))

    async def add_slots(self, conference_id, starts, at):
        from conference.slots import Slot

        added = []
        for moment in starts:
            slot = Slot(len(self.slot_rows) + 1, moment)
            self.slot_rows[slot.id] = (conference_id, slot)
            added.append(slot)
        return added

    async def slot_conference(self, slot_id):
        found = self.slot_rows.get(slot_id)
        return found[0] if found else None

    async def ballots(self, conference_id):
        ballots: dict = {}
        for (invitee, slot), vote in self.votes.items():
            if self.slot_rows[slot][0] == conference_id:
                ballots.setdefault(invitee, {})[slot] = vote
        return ballots

    async def vote(self, invitee_id, slot_id, vote, at):
        self.votes[(invitee_id, slot_id)] = vote

    async def get(self, conference_id):
        return self.meetings.get(conference_id) or self._meeting(conference_id)

    async def save(self, meeting):
        self.meetings[meeting.conference_id] = meeting

    async def add_proposal(self, conference_id, invitee_id, starts_at, place, at):
        from conference.meeting import Proposal

        by = self._invitees.rows[invitee_id].name
        proposal = Proposal(len(self.proposal_rows) + 1, conference_id, invitee_id, by,
                            starts_at, place)
        self.proposal_rows[proposal.id] = [proposal, "pending"]
        return proposal

    async def proposal(self, proposal_id):
        found = self.proposal_rows.get(proposal_id)
        return found[0] if found and found[1] == "pending" else None

    async def proposals(self, conference_id):
        return [p for p, status in self.proposal_rows.values()
                if status == "pending" and p.conference_id == conference_id]

    async def decide_proposal(self, proposal_id, accept):
        self.proposal_rows[proposal_id][1] = "accepted" if accept else "declined"


class FakeReminders:
    def __init__(self) -> None:
        from conference.reminders import Reminder, Status

        self._reminder, self._status = Reminder, Status
        self.rows: dict = {}  # (invitee, kind, version) -> Reminder

    async def add(self, planned, at):
        for item in planned:
            key = (item.invitee_id, item.kind, item.version)
            if key not in self.rows:
                self.rows[key] = self._reminder(len(self.rows) + 1, item, self._status.PENDING)
            elif self.rows[key].status is self._status.CANCELLED:  # planned again
                self.rows[key] = self._reminder(self.rows[key].id, item, self._status.PENDING)

    async def due(self, now, limit):
        due = [r for r in self.rows.values()
               if r.status is self._status.PENDING and r.planned.due_at <= now]
        return sorted(due, key=lambda r: (r.planned.due_at, r.id))[:limit]

    async def settle(self, reminder_ids, status, batch_id, at):
        moved = 0
        for key, row in self.rows.items():
            if row.id in reminder_ids and row.status is self._status.PENDING:
                self.rows[key] = replace(row, status=self._status(status))
                moved += 1
        return moved

    async def next_due(self):
        due = [r.planned.due_at for r in self.rows.values() if r.status is self._status.PENDING]
        return min(due) if due else None

    async def pending(self, conference_id=None):
        return sorted((r for r in self.rows.values() if r.status is self._status.PENDING
                       and conference_id in (None, r.planned.conference_id)),
                      key=lambda r: (r.planned.due_at, r.id))

    async def cancel_kinds(self, conference_id, prefixes, invitee_id=None):
        for key, row in self.rows.items():
            if row.status is self._status.PENDING and row.planned.conference_id == conference_id \
                    and row.planned.kind.startswith(tuple(prefixes)) \
                    and invitee_id in (None, row.planned.invitee_id):
                self.rows[key] = replace(row, status=self._status.CANCELLED)


class FakePlans:
    def __init__(self) -> None:
        self.rows: dict = {}
        self.answers: dict = {}
        self.comments: dict = {}
        self.check_ins: list = []
        self.checked_in: set = set()

    async def get(self, conference_id):
        return self.rows.get(conference_id)

    async def save(self, plan):
        self.rows[plan.conference_id] = plan

    async def record_follow_up(self, conference_id, agreement_id, invitee_id, answer, at):
        self.answers.setdefault(agreement_id, {})[invitee_id] = answer

    async def comment_follow_up(self, conference_id, agreement_id, invitee_id, comment):
        if invitee_id not in self.answers.get(agreement_id, {}):
            return False
        self.comments[(agreement_id, invitee_id)] = comment
        return True

    async def follow_ups(self, conference_id):
        return self.answers

    async def claim_check_in(self, invitee_id):
        if invitee_id in self.checked_in:
            return False
        self.checked_in.add(invitee_id)
        return True

    async def record_check_in(self, conference_id, still_used, wellbeing, at):
        self.check_ins.append((conference_id, still_used, wellbeing))
