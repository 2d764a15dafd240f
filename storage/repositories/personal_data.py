"""Everything kring holds about one person or one conference, across the tables: a copy of it
and its erasure (PersonalDataRepository). Every table where a person can appear is named
here; tests/integration/test_erasure.py reads them all back to find what is left."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, exists, or_, select, update

from conference.model.ids import ConferenceId, PersonId, on_the_web
from conference.model.outbox import Document, Photo, Text, Venue
from conference.model.privacy import ERASED, NOBODY, Erased, mentions, redact
from conference.model.request import Status
from storage.repositories.base import Repository, utc_now
from storage.repositories.outbox_payloads import FORGOTTEN, decode_parts
from storage.repositories.outbox_sending import FINAL
from storage.tables import (
    ConferenceRow,
    ConversationRow,
    FollowUpRow,
    InboxRow,
    InviteeRow,
    OutboxBatchRow,
    OutboxDeliveryRow,
    OutboxPayloadRow,
    PersonRow,
    PlanRow,
    ProposalRow,
    ReminderRow,
    SlotRow,
    StaffInviteRow,
    StaffRow,
    SuggestionRow,
    VoteRow,
    WebAccountRow,
)

# What a request's applicant typed at intake (their words, or about the person it concerns)
_APPLICANT_TEXTS = (
    "subject_name",
    "question",
    "concerns",
    "minimum_requirement",
    "coordinator_preference",
    "contact_phone",
)
_PLAN_KINDS = ("followup", "checkin")


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def _conversation_of(key: str, person: PersonId) -> bool:
    """Keys are bot:chat:user:thread:business:destiny (bot/fsm.py)."""
    parts = key.split(":")
    return len(parts) > 2 and str(person) in (parts[1], parts[2])


def _payload_texts(body: str) -> list[str]:
    """What a payload shows a reader, files' bytes read as text."""
    texts: list[str] = []
    for part in decode_parts(body):
        if isinstance(part, Text):
            texts.append(part.text)
            texts += [label + " " + data for row in part.buttons for label, data in row]
        elif isinstance(part, Document):
            texts += [part.filename, part.caption or "", part.data.decode("utf-8", "replace")]
        elif isinstance(part, Venue):
            texts += [part.title, part.address]
        else:
            texts.append(part.caption or "")
    return texts


def _has_picture(body: str) -> bool:
    return any(isinstance(p, Photo | Document) for p in decode_parts(body))


class SqlPersonalData(Repository):
    async def by_reference(self, reference: str) -> ConferenceId | None:
        found = await self._s.scalar(
            select(ConferenceRow.id).where(ConferenceRow.reference == reference.strip().upper())
        )
        return ConferenceId(found) if found is not None else None

    # --- a copy ----------------------------------------------------------------------------

    async def of_person(self, person: PersonId) -> dict[str, Any] | None:
        row = await self._s.get(PersonRow, person)
        staff = await self._s.get(StaffRow, person)
        invitees = (
            await self._s.scalars(
                select(InviteeRow).where(InviteeRow.person_id == person).order_by(InviteeRow.id)
            )
        ).all()
        applied = (
            await self._s.scalars(
                select(ConferenceRow)
                .where(ConferenceRow.applicant_id == person)
                .order_by(ConferenceRow.id)
            )
        ).all()
        if row is None and staff is None and not invitees and not applied:
            return None
        references = await self._references({i.conference_id for i in invitees})
        data: dict[str, Any] = {
            "telegram_id": person,
            "person": {
                "first_name": row.first_name,
                "language": row.locale,
                "reachable": row.reachable,
                "first_seen": _iso(row.created_at),
            }
            if row is not None
            else None,
            "staff": {
                "role": staff.role,
                "name": staff.name,
                "languages": [c for c in staff.languages.split(",") if c],
                "region": staff.region,
                "gender": staff.gender,
                "since": _iso(staff.created_at),
            }
            if staff is not None
            else None,
            "requests": [self._request(c, own=True) for c in applied],
            "invitations": [
                await self._invitation(i, references[i.conference_id]) for i in invitees
            ],
        }
        if on_the_web(person):  # no Telegram account: the page's account, with their address
            del data["telegram_id"]
            account = await self._s.get(WebAccountRow, person)
            data = {
                "web_account": {
                    "id": person,
                    "email": account.email if account is not None else None,
                    "since": _iso(account.created_at) if account is not None else None,
                },
                **data,
            }
        return data

    async def _references(self, ids: Iterable[int]) -> dict[int, str]:
        rows = await self._s.execute(
            select(ConferenceRow.id, ConferenceRow.reference).where(ConferenceRow.id.in_(ids))
        )
        return {i: reference for i, reference in rows}

    def _request(self, row: ConferenceRow, own: bool) -> dict[str, Any]:
        request: dict[str, Any] = {
            "reference": row.reference,
            "kind": row.kind,
            "status": row.status,
            "filed": _iso(row.created_at),
            "consent_given": _iso(row.consent_at),
            "your_role": row.applicant_role,
            "about": row.subject_name,
            "age": row.subject_age,
            "question": row.question,
            "concerns": row.concerns,
            "minimum_requirement": row.minimum_requirement,
            "model": row.model,
            "family_languages": [c for c in row.family_languages.split(",") if c],
            "coordinator_preference": row.coordinator_preference,
            "region": row.region,
            "phone": row.contact_phone,
            "language": row.applicant_locale,
        }
        if not own:
            request["applicant_telegram_id"] = row.applicant_id
            request["coordinator_telegram_id"] = row.coordinator_id
            request["meeting"] = {
                "at": _iso(row.meeting_at),
                "venue": row.venue_name,
                "address": row.venue_address,
                "cancelled": row.meeting_cancelled,
            }
            request["closed"] = _iso(row.closed_at)
            request["erased"] = _iso(row.erased_at)
        return request

    async def _invitation(self, row: InviteeRow, reference: str) -> dict[str, Any]:
        votes = await self._s.execute(
            select(VoteRow.slot_id, VoteRow.vote).where(VoteRow.invitee_id == row.id)
        )
        suggestions = (
            await self._s.scalars(select(SuggestionRow).where(SuggestionRow.invitee_id == row.id))
        ).all()
        proposals = (
            await self._s.scalars(select(ProposalRow).where(ProposalRow.invitee_id == row.id))
        ).all()
        follow_ups = (
            await self._s.scalars(select(FollowUpRow).where(FollowUpRow.invitee_id == row.id))
        ).all()
        slots = dict(
            (
                await self._s.execute(
                    select(SlotRow.id, SlotRow.starts_at).where(
                        SlotRow.conference_id == row.conference_id
                    )
                )
            ).all()
        )
        return {
            "conference": reference,
            "name": row.name,
            "relation": row.relation,
            "group": row.grp,
            "language": row.locale,
            "must_attend": row.must_attend,
            "invited": _iso(row.created_at),
            "opened": _iso(row.opened_at),
            "answer": row.rsvp,
            "reason_no": row.no_reason,
            "reason_no_text": row.no_reason_text,
            "food": {
                "consent": row.food_consent,
                "diet": row.diet,
                "allergens": [c for c in row.allergens.split(",") if c],
            },
            "needs": {
                "interpreter": row.interpreter,
                "children": row.children,
                "childcare": row.childcare,
                "transport": row.transport,
                "accessibility": row.accessibility,
            },
            "votes": [{"date": _iso(slots.get(slot)), "vote": vote} for slot, vote in votes.all()],
            "suggested": [
                {
                    "name": s.name,
                    "relation": s.relation,
                    "how_to_reach": s.reach,
                    "status": s.status,
                    "at": _iso(s.created_at),
                }
                for s in suggestions
            ],
            "proposed": [
                {"date": _iso(p.starts_at), "place": p.place, "status": p.status}
                for p in proposals
            ],
            "follow_up_answers": [
                {"agreement": f.agreement_id, "answer": f.answer, "comment": f.comment}
                for f in follow_ups
            ],
        }

    async def of_conference(self, conference_id: ConferenceId) -> dict[str, Any] | None:
        row = await self._s.get(ConferenceRow, conference_id)
        if row is None:
            return None
        invitees = (
            await self._s.scalars(
                select(InviteeRow)
                .where(InviteeRow.conference_id == conference_id)
                .order_by(InviteeRow.id)
            )
        ).all()
        plan = await self._s.get(PlanRow, conference_id)
        circle = []
        for invitee in invitees:
            entry = await self._invitation(invitee, row.reference)
            entry["telegram_id"] = invitee.person_id
            circle.append(entry)
        return {
            "request": self._request(row, own=False),
            "circle": circle,
            "plan": {
                "question": plan.question,
                "agreements": json.loads(plan.agreements or "[]"),
                "monitor": json.loads(plan.monitor) if plan.monitor else None,
                "next_meeting": _iso(plan.next_meeting_at),
                "acceptance": plan.acceptance,
                "acceptance_reason": plan.acceptance_reason,
                "version": plan.version,
            }
            if plan is not None
            else None,
        }

    # --- erasure ---------------------------------------------------------------------------

    async def erase_person(self, person: PersonId, pseudonym: PersonId) -> Erased:
        # What this update changed through the ORM goes out first, so the statements below see
        # it and the commit writes nothing back over them.
        await self._s.flush()
        row = await self._s.get(PersonRow, person)
        staff = await self._s.get(StaffRow, person)
        invitees = (
            await self._s.scalars(select(InviteeRow).where(InviteeRow.person_id == person))
        ).all()
        applied = (
            await self._s.scalars(
                select(ConferenceRow).where(ConferenceRow.applicant_id == person)
            )
        ).all()
        names = {row.first_name if row else "", staff.name if staff else ""}
        names |= {i.name for i in invitees}
        names |= set(
            (
                await self._s.scalars(
                    select(StaffInviteRow.name).where(StaffInviteRow.used_by == person)
                )
            ).all()
        )
        names -= {"", ERASED}
        words = names | {c.contact_phone for c in applied if c.contact_phone} | {str(person)}
        mine = [i.id for i in invitees]
        passages = await self._typed_by(mine, applied)
        conferences = tuple(
            ConferenceId(i)
            for i in sorted({c.id for c in applied} | {i.conference_id for i in invitees})
        )
        removed = 0
        # their requests: kept for the counts, their words and contact gone
        if applied:
            await self._nobody()
            await self._s.execute(
                update(ConferenceRow)
                .where(ConferenceRow.applicant_id == person)
                .values(applicant_id=NOBODY, **dict.fromkeys(_APPLICANT_TEXTS))
                .execution_options(synchronize_session=False)
            )
        await self._s.execute(
            update(ConferenceRow)
            .where(ConferenceRow.coordinator_id == person)
            .values(coordinator_id=None)
            .execution_options(synchronize_session=False)
        )
        # their places in circles: kept with their answer and votes, nothing else of them
        await self._anonymise(InviteeRow.person_id == person)
        if mine:
            removed += await self._delete(SuggestionRow, SuggestionRow.invitee_id.in_(mine))
            removed += await self._delete(ProposalRow, ProposalRow.invitee_id.in_(mine))
            await self._s.execute(
                update(FollowUpRow).where(FollowUpRow.invitee_id.in_(mine)).values(comment=None)
            )
            await self._s.execute(
                update(PlanRow).where(PlanRow.acceptor_id.in_(mine)).values(acceptance_reason=None)
            )
        # what others wrote about them in these conferences
        await self._redact_conferences(conferences, names | words, mine)
        removed += await self._delete(StaffInviteRow, StaffInviteRow.used_by == person)
        removed += await self._delete(StaffRow, StaffRow.person_id == person)
        removed += await self._forget_conversations([person])
        removed += await self._delete(InboxRow, InboxRow.sender == person)
        messages = await self._forget_messages(person, pseudonym, words, passages, conferences)
        persons = await self._delete(PersonRow, PersonRow.id == person)
        return Erased(conferences, len(mine), removed, messages, persons)

    async def _typed_by(self, invitees: list[int], applied: Sequence[ConferenceRow]) -> set[str]:
        """Longer texts the person typed, looked for whole in the outbox."""
        typed = {getattr(c, f) for c in applied for f in _APPLICANT_TEXTS[1:5]}
        if invitees:
            for column in (InviteeRow.no_reason_text, InviteeRow.interpreter):
                typed |= set(
                    (
                        await self._s.scalars(select(column).where(InviteeRow.id.in_(invitees)))
                    ).all()
                )
            for query in (
                select(SuggestionRow.name).where(SuggestionRow.invitee_id.in_(invitees)),
                select(SuggestionRow.reach).where(SuggestionRow.invitee_id.in_(invitees)),
                select(ProposalRow.place).where(ProposalRow.invitee_id.in_(invitees)),
                select(FollowUpRow.comment).where(FollowUpRow.invitee_id.in_(invitees)),
                select(PlanRow.acceptance_reason).where(PlanRow.acceptor_id.in_(invitees)),
            ):
                typed |= set((await self._s.scalars(query)).all())
        return {t for t in typed if t and len(t) >= 3}

    async def _nobody(self) -> None:
        if await self._s.get(PersonRow, NOBODY) is None:
            self._s.add(PersonRow(id=NOBODY, first_name="", locale=None, created_at=utc_now()))
            await self._s.flush()

    async def _delete(self, model: type[Any], *where: Any) -> int:
        result = await self._s.execute(
            delete(model).where(*where).execution_options(synchronize_session="fetch")
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def _rows(self, model: type[Any], *where: Any) -> Sequence[Any]:
        """Rows as the database has them now (statements above may have changed them)."""
        query = select(model).where(*where).execution_options(populate_existing=True)
        return (await self._s.scalars(query)).all()

    async def _anonymise(self, *where: Any) -> int:
        """The invitees' places: their answer (yes, no, maybe, and why as a choice), votes and
        language stay for the counts; their name, words, food, needs and link go."""
        rows = await self._rows(InviteeRow, *where)
        for row in rows:
            row.name = row.relation = ERASED
            row.person_id = None
            row.token_hash = secrets.token_hex(32)  # a link nobody holds: the old one stops
            row.no_reason_text = row.interpreter = row.diet = None
            row.food_consent = row.childcare = row.transport = row.accessibility = False
            row.allergens, row.children = "", 0
        await self._s.flush()
        if rows:
            # a web account (the e-mail address, the bound browser) belongs to the place
            await self._delete(WebAccountRow, WebAccountRow.invitee_id.in_([r.id for r in rows]))
            await self._s.execute(
                update(ReminderRow)
                .where(
                    ReminderRow.status == "pending",
                    ReminderRow.invitee_id.in_([row.id for row in rows]),
                )
                .values(status="cancelled", updated_at=utc_now())
            )
        return len(rows)

    async def _redact_conferences(
        self, conferences: Sequence[ConferenceId], words: set[str], mine: Sequence[int]
    ) -> None:
        """Names and numbers of the person inside others' words in these conferences."""
        if not conferences or not words:
            return
        where = ConferenceRow.id.in_(conferences)
        for c in await self._rows(ConferenceRow, where):
            for field in _APPLICANT_TEXTS[:5]:
                setattr(c, field, redact(getattr(c, field), words))
        in_ = InviteeRow.conference_id.in_(conferences)
        for i in await self._rows(InviteeRow, in_):
            i.no_reason_text = redact(i.no_reason_text, words)
            i.interpreter = redact(i.interpreter, words)
        for s in await self._rows(SuggestionRow, SuggestionRow.conference_id.in_(conferences)):
            s.name = redact(s.name, words) or ERASED
            s.reach = redact(s.reach, words)
        for p in await self._rows(ProposalRow, ProposalRow.conference_id.in_(conferences)):
            p.place = redact(p.place, words)
        for f in await self._rows(FollowUpRow, FollowUpRow.conference_id.in_(conferences)):
            f.comment = redact(f.comment, words)
        for plan in await self._rows(PlanRow, PlanRow.conference_id.in_(conferences)):
            plan.question = redact(plan.question, words) or ""
            plan.acceptance_reason = redact(plan.acceptance_reason, words)
            agreements = json.loads(plan.agreements or "[]")
            for agreement in agreements:
                agreement["what"] = redact(agreement.get("what"), words)
                agreement["when"] = redact(agreement.get("when"), words)
                for who in agreement.get("who", []):
                    who["n"] = ERASED if who.get("i") in mine else redact(who.get("n"), words)
            plan.agreements = json.dumps(agreements, ensure_ascii=False)
            if plan.monitor:
                monitor = json.loads(plan.monitor)
                monitor["n"] = ERASED if monitor.get("i") in mine else redact(monitor["n"], words)
                plan.monitor = json.dumps(monitor, ensure_ascii=False)
        await self._s.flush()

    async def _forget_conversations(self, persons: Sequence[PersonId]) -> int:
        removed = 0
        for person in persons:
            keys = (
                await self._s.scalars(
                    select(ConversationRow.key).where(ConversationRow.key.contains(f":{person}:"))
                )
            ).all()
            doomed = [k for k in keys if _conversation_of(k, person)]
            if doomed:
                removed += await self._delete(ConversationRow, ConversationRow.key.in_(doomed))
        return removed

    async def _forget_messages(
        self,
        person: PersonId,
        pseudonym: PersonId,
        words: set[str],
        passages: set[str],
        conferences: Sequence[ConferenceId],
    ) -> int:
        """Their deliveries stay as counts, under the pseudonym; every text kept for the
        outbox that was theirs or names them is emptied (a message not sent yet with it is
        not sent); so is every picture or file of their conferences (a circle's picture
        shows names)."""
        await self._s.execute(
            update(OutboxBatchRow)
            .where(OutboxBatchRow.created_by == person)
            .values(created_by=None)
        )
        await self._s.execute(
            update(OutboxBatchRow)
            .where(OutboxBatchRow.report_chat == person)
            .values(report_chat=None, progress_message_id=None)
        )
        doomed = set(
            (
                await self._s.scalars(
                    select(OutboxDeliveryRow.payload).where(OutboxDeliveryRow.person_id == person)
                )
            ).all()
        )
        pictures_of = set(
            (
                await self._s.scalars(
                    select(OutboxDeliveryRow.payload).where(
                        OutboxDeliveryRow.batch_id.in_(
                            select(OutboxBatchRow.id).where(
                                OutboxBatchRow.conference_id.in_(conferences)
                            )
                        )
                    )
                )
            ).all()
        )
        kept = await self._s.execute(
            select(OutboxPayloadRow.digest, OutboxPayloadRow.body).where(
                OutboxPayloadRow.body != FORGOTTEN
            )
        )
        for digest, body in kept:
            if digest in doomed:
                continue
            if any(mentions(text, words, passages) for text in _payload_texts(body)) or (
                digest in pictures_of and _has_picture(body)
            ):
                doomed.add(digest)
        await self._s.execute(
            update(OutboxDeliveryRow)
            .where(OutboxDeliveryRow.person_id == person)
            .values(person_id=pseudonym)
        )
        return await self._empty_payloads(doomed)

    async def _empty_payloads(self, digests: set[str]) -> int:
        if not digests:
            return 0
        await self._s.execute(
            update(OutboxDeliveryRow)
            .where(OutboxDeliveryRow.payload.in_(digests), OutboxDeliveryRow.state.not_in(FINAL))
            .values(state="failed", error="erased", attempted_at=None)
        )
        result = await self._s.execute(
            update(OutboxPayloadRow)
            .where(OutboxPayloadRow.digest.in_(digests), OutboxPayloadRow.body != FORGOTTEN)
            .values(body=FORGOTTEN)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def erase_conference(self, conference_id: ConferenceId, at: datetime) -> Erased:
        await self._s.flush()
        row = await self._s.get(ConferenceRow, conference_id)
        if row is None:
            return Erased()
        await self._nobody()
        people = {PersonId(row.applicant_id)} | {
            PersonId(i or 0)
            for i in (
                await self._s.scalars(
                    select(InviteeRow.person_id).where(
                        InviteeRow.conference_id == conference_id,
                        InviteeRow.person_id.is_not(None),
                    )
                )
            ).all()
        }
        invited = await self._anonymise(InviteeRow.conference_id == conference_id)
        removed = await self._delete(SuggestionRow, SuggestionRow.conference_id == conference_id)
        removed += await self._delete(ProposalRow, ProposalRow.conference_id == conference_id)
        await self._s.execute(
            update(FollowUpRow)
            .where(FollowUpRow.conference_id == conference_id)
            .values(comment=None)
        )
        for plan in await self._rows(PlanRow, PlanRow.conference_id == conference_id):
            # how many agreements there were stays; what they said and who goes
            agreements = json.loads(plan.agreements or "[]")
            plan.agreements = json.dumps(
                [{"id": a.get("id"), "what": ERASED, "who": [], "on": None} for a in agreements]
            )
            plan.question, plan.monitor, plan.acceptance_reason = "", None, None
        await self._s.execute(
            update(ConferenceRow)
            .where(ConferenceRow.id == conference_id)
            .values(
                applicant_id=NOBODY,
                venue_name=None,
                venue_address=None,
                venue_latitude=None,
                venue_longitude=None,
                erased_at=at,
                **dict.fromkeys(_APPLICANT_TEXTS),
            )
            .execution_options(synchronize_session=False)
        )
        batches = select(OutboxBatchRow.id).where(OutboxBatchRow.conference_id == conference_id)
        digests = set(
            (
                await self._s.scalars(
                    select(OutboxDeliveryRow.payload).where(
                        OutboxDeliveryRow.batch_id.in_(batches)
                    )
                )
            ).all()
        )
        messages = await self._empty_payloads(digests)
        # who took part nowhere else now goes too (their id stays in the audit log only)
        persons = 0
        for person in people - {NOBODY}:
            persons += await self._remove_if_stranger(person)
        return Erased((conference_id,), invited, removed, messages, persons)

    # --- retention -------------------------------------------------------------------------

    async def close_finished(self, at: datetime) -> int:
        waiting = exists().where(
            ReminderRow.conference_id == ConferenceRow.id,
            ReminderRow.status == "pending",
            or_(*(ReminderRow.kind.startswith(kind) for kind in _PLAN_KINDS)),
        )
        result = await self._s.execute(
            update(ConferenceRow)
            .where(ConferenceRow.status == Status.FOLLOW_UP.value, ~waiting)
            .values(status=Status.CLOSED.value, closed_at=at)
            .execution_options(synchronize_session=False)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def closed_before(self, moment: datetime) -> Sequence[ConferenceId]:
        found = await self._s.scalars(
            select(ConferenceRow.id)
            .where(
                ConferenceRow.status == Status.CLOSED.value,
                ConferenceRow.closed_at < moment,
                ConferenceRow.erased_at.is_(None),
            )
            .order_by(ConferenceRow.id)
        )
        return [ConferenceId(i) for i in found]

    def _stranger(self, before: datetime | None) -> Any:
        """Took no part: no request, no place in a circle, not staff (nor the stand-in)."""
        conditions = [
            PersonRow.id != NOBODY,
            ~exists().where(ConferenceRow.applicant_id == PersonRow.id),
            ~exists().where(InviteeRow.person_id == PersonRow.id),
            ~exists().where(StaffRow.person_id == PersonRow.id),
            ~exists().where(ConferenceRow.coordinator_id == PersonRow.id),
        ]
        if before is not None:
            conditions.append(PersonRow.created_at < before)
        return and_(*conditions)

    async def _remove_if_stranger(self, person: PersonId) -> int:
        if await self._s.scalar(select(PersonRow.id).where(PersonRow.id == person)) is None:
            return 0
        if (
            await self._s.scalar(
                select(PersonRow.id).where(PersonRow.id == person, self._stranger(None))
            )
        ) is None:
            return 0
        await self._forget_conversations([person])
        return await self._delete(PersonRow, PersonRow.id == person)

    async def remove_strangers(self, before: datetime) -> int:
        candidates = [
            PersonId(i)
            for i in (
                await self._s.scalars(select(PersonRow.id).where(self._stranger(before)))
            ).all()
        ]
        if not candidates:
            return 0
        # someone in the middle of a request is no stranger yet: their draft is recent
        busy: set[PersonId] = set()
        recent = await self._s.scalars(
            select(ConversationRow.key).where(ConversationRow.updated_at >= before)
        )
        for key in recent:
            busy |= {p for p in candidates if _conversation_of(key, p)}
        gone = [p for p in candidates if p not in busy]
        if not gone:
            return 0
        await self._forget_conversations(gone)
        await self._delete(InboxRow, InboxRow.sender.in_(gone))
        return await self._delete(PersonRow, PersonRow.id.in_(gone))
