"""The meeting of a conference: proposed dates and the votes on them, the family's own
proposals, the fixed date and place (MeetingRepository)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from conference.model.ids import ConferenceId
from conference.model.meeting import Meeting, Proposal, Slot, Venue, Vote
from storage.repositories.base import Repository
from storage.tables import ConferenceRow, InviteeRow, ProposalRow, SlotRow, VoteRow


def meeting_from_row(row: Any) -> Meeting:
    """The meeting kept in a conference's row (a ConferenceRow, or a row of its id, meeting
    and venue columns)."""
    venue = (
        Venue(row.venue_name, row.venue_address or "", row.venue_latitude, row.venue_longitude)
        if row.venue_name
        else None
    )
    return Meeting(
        ConferenceId(row.id),
        row.meeting_at,
        venue,
        row.meeting_sequence or 0,
        bool(row.meeting_cancelled),
    )


class SqlMeetings(Repository):
    async def slots(self, conference_id: ConferenceId) -> Sequence[Slot]:
        rows = await self._s.scalars(
            select(SlotRow)
            .where(SlotRow.conference_id == conference_id)
            .order_by(SlotRow.starts_at, SlotRow.id)
        )
        return [Slot(row.id, row.starts_at) for row in rows]

    async def add_slots(
        self, conference_id: ConferenceId, starts: Sequence[datetime], at: datetime
    ) -> Sequence[Slot]:
        rows = [SlotRow(conference_id=conference_id, starts_at=s, created_at=at) for s in starts]
        self._s.add_all(rows)
        await self._s.flush()  # for the ids
        return [Slot(row.id, row.starts_at) for row in rows]

    async def slot_conference(self, slot_id: int) -> ConferenceId | None:
        found = await self._s.scalar(select(SlotRow.conference_id).where(SlotRow.id == slot_id))
        return ConferenceId(found) if found is not None else None

    async def ballots(self, conference_id: ConferenceId) -> dict[int, dict[int, Vote]]:
        rows = await self._s.execute(
            select(VoteRow.invitee_id, VoteRow.slot_id, VoteRow.vote)
            .join(SlotRow, SlotRow.id == VoteRow.slot_id)
            .where(SlotRow.conference_id == conference_id)
        )
        ballots: dict[int, dict[int, Vote]] = {}
        for invitee_id, slot_id, choice in rows:
            ballots.setdefault(invitee_id, {})[slot_id] = Vote(choice)
        return ballots

    async def vote(self, invitee_id: int, slot_id: int, vote: Vote, at: datetime) -> None:
        row = await self._s.get(VoteRow, (invitee_id, slot_id))
        if row is None:
            self._s.add(
                VoteRow(invitee_id=invitee_id, slot_id=slot_id, vote=vote.value, updated_at=at)
            )
        else:
            row.vote, row.updated_at = vote.value, at

    async def get(self, conference_id: ConferenceId) -> Meeting:
        row = await self._s.get(ConferenceRow, conference_id)
        assert row is not None
        return meeting_from_row(row)

    async def save(self, meeting: Meeting) -> None:
        row = await self._s.get(ConferenceRow, meeting.conference_id)
        assert row is not None
        venue = meeting.venue
        row.meeting_at = meeting.starts_at
        row.venue_name = venue.name if venue else None
        row.venue_address = venue.address if venue else None
        row.venue_latitude = venue.latitude if venue else None
        row.venue_longitude = venue.longitude if venue else None
        row.meeting_sequence, row.meeting_cancelled = meeting.sequence, meeting.cancelled

    async def add_proposal(
        self,
        conference_id: ConferenceId,
        invitee_id: int,
        starts_at: datetime | None,
        place: str | None,
        at: datetime,
    ) -> Proposal:
        row = ProposalRow(
            conference_id=conference_id,
            invitee_id=invitee_id,
            starts_at=starts_at,
            place=place,
            status="pending",
            created_at=at,
        )
        self._s.add(row)
        await self._s.flush()
        found = await self.proposal(row.id)
        assert found is not None
        return found

    def _proposals(self) -> Any:
        return (
            select(ProposalRow, InviteeRow.name)
            .join(InviteeRow, InviteeRow.id == ProposalRow.invitee_id)
            .where(ProposalRow.status == "pending")
        )

    @staticmethod
    def _proposal(row: ProposalRow, by: str) -> Proposal:
        return Proposal(
            row.id, ConferenceId(row.conference_id), row.invitee_id, by, row.starts_at, row.place
        )

    async def proposal(self, proposal_id: int) -> Proposal | None:
        found = (
            await self._s.execute(self._proposals().where(ProposalRow.id == proposal_id))
        ).first()
        return self._proposal(*found) if found else None

    async def proposals(self, conference_id: ConferenceId) -> Sequence[Proposal]:
        rows = await self._s.execute(
            self._proposals()
            .where(ProposalRow.conference_id == conference_id)
            .order_by(ProposalRow.id)
        )
        return [self._proposal(row, by) for row, by in rows]

    async def decide_proposal(self, proposal_id: int, accept: bool) -> None:
        row = await self._s.get(ProposalRow, proposal_id)
        assert row is not None
        row.status = "accepted" if accept else "declined"
