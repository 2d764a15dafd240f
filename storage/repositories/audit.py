"""The audit log (NEN 7513), chained by hash.

A unit of work's records wait in memory; `write` puts them in at its commit, after every other
change of the transaction went out: it takes the chain's head row (one UPDATE, which locks it
on PostgreSQL and takes SQLite's write lock), numbers the records on from there, chains their
hashes, inserts them and moves the head. So transactions log one after the other however many
instances run, and the head lock is the last lock a transaction takes (no lock-order deadlock)
and is held for the commit only.

Each record's hash is SHA-256 over the previous record's hash and its own fields, written the
same way always (`canonical`). Who acted and whose data it was enter the chain through a digest
with a random salt of the record's own (`who`): erasing a person (`pseudonymise`) puts a
pseudonym in place of their id and drops the salt, and the chain still holds, while no one can
find the id again from the digest. `verify` walks the chain: a changed, deleted or inserted
record shows at its position; records whose people were erased are counted."""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import AsyncIterator, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conference.model.audit import AuditRecord, OnBehalfOf, classify
from conference.model.ids import ConferenceId, PersonId
from storage.repositories.base import Repository, utc_now
from storage.tables import AuditHeadRow, AuditRow, ConferenceRow

GENESIS = "0" * 64  # the "previous hash" of the first record
HEAD_ID = 1


def who(salt: str, actor: int | None, subject: int | None) -> str:
    """The digest of who acted and whose data it was, under the record's own salt."""
    return hashlib.sha256(json.dumps([salt, actor, subject]).encode("ascii")).hexdigest()


def canonical(record: AuditRecord, who: str) -> str:
    """A record's fields as hashed: a JSON list, UTC time to the microsecond, the people as
    their digest."""
    return json.dumps(
        [
            record.position,
            record.at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            who,
            record.on_behalf_of,
            record.action,
            record.kind,
            record.conference_id,
        ],
        separators=(",", ":"),
        ensure_ascii=True,
    )


def chain_hash(previous: str, record: AuditRecord, who: str) -> str:
    return hashlib.sha256((previous + canonical(record, who)).encode("ascii")).hexdigest()


def chain_rows(rows: Sequence[dict[str, Any]], position: int, previous: str) -> tuple[int, str]:
    """Number and hash audit rows (dicts of the audit table's columns) on from the chain's
    end at `position`/`previous`, in place, for a bulk load (bench/); returns the new end."""
    for row in rows:
        position += 1
        row["position"] = position
        row["salt"] = secrets.token_hex(16)
        row["who"] = who(row["salt"], row["actor_id"], row["subject_id"])
        row["hash"] = previous = chain_hash(
            previous,
            AuditRecord(
                position,
                row["at"],
                row["actor_id"],
                row["on_behalf_of"],
                row["action"],
                row["kind"],
                row["conference_id"],
                row["subject_id"],
            ),
            row["who"],
        )
    return position, previous


@dataclass(frozen=True)
class Break:
    """Where the chain is broken: the first position that does not hold, and how."""

    position: int
    how: str  # "changed", "deleted" or "inserted"


@dataclass(frozen=True)
class Verdict:
    records: int
    head_hash: str
    broken: Break | None
    erased: int = 0  # records whose people were erased (their ids now pseudonyms)


_COLUMNS = (
    AuditRow.position,
    AuditRow.at,
    AuditRow.actor_id,
    AuditRow.on_behalf_of,
    AuditRow.action,
    AuditRow.kind,
    AuditRow.conference_id,
    AuditRow.subject_id,
    AuditRow.salt,
    AuditRow.who,
    AuditRow.hash,
)


def _record(row: Any) -> AuditRecord:
    """A row of `_COLUMNS` as a record."""
    return AuditRecord(
        position=row.position,
        at=row.at,
        actor=PersonId(row.actor_id) if row.actor_id is not None else None,
        on_behalf_of=row.on_behalf_of,
        action=row.action,
        kind=row.kind,
        conference_id=ConferenceId(row.conference_id) if row.conference_id is not None else None,
        subject=PersonId(row.subject_id) if row.subject_id is not None else None,
    )


class SqlAudit(Repository):
    # the records of this unit of work, not yet in the chain (position 0 until `write`)
    pending: list[AuditRecord]

    def __init__(self, session: AsyncSession) -> None:
        super().__init__(session)
        self.pending = []

    async def record(
        self,
        actor: PersonId | None,
        action: str,
        conference_id: ConferenceId | None,
        *,
        on_behalf_of: OnBehalfOf | None = None,
        subject: PersonId | None = None,
    ) -> None:
        kind, capacity = classify(action, on_behalf_of)
        self.pending.append(
            AuditRecord(0, utc_now(), actor, capacity, action, kind, conference_id, subject)
        )

    async def count_recent(
        self, action_prefix: str, within: timedelta, actor: PersonId | None = None
    ) -> int:
        """How often the action was recorded of late: by this account, or by all (None); this
        unit of work's records not yet written included."""
        since = utc_now() - within
        query = select(func.count()).where(
            AuditRow.at >= since,
            AuditRow.action.startswith(action_prefix, autoescape=True),
        )
        if actor is not None:
            query = query.where(AuditRow.actor_id == actor)
        waiting = sum(
            1
            for r in self.pending
            if (actor is None or r.actor == actor)
            and r.at >= since
            and r.action.startswith(action_prefix)
        )
        return int(await self._s.scalar(query) or 0) + waiting

    async def write(self) -> None:
        """Chain this unit of work's records onto the log: the last thing before the commit."""
        if not self.pending:
            return
        records, self.pending = self.pending, []
        head = (
            await self._s.execute(
                update(AuditHeadRow)
                .where(AuditHeadRow.id == HEAD_ID)
                .values(position=AuditHeadRow.position + len(records))
                .returning(AuditHeadRow.position, AuditHeadRow.hash)
            )
        ).one()
        position, previous = head.position - len(records), head.hash
        rows = []
        for waiting in records:
            position += 1
            chained = replace(waiting, position=position)
            salt = secrets.token_hex(16)
            digest = who(salt, chained.actor, chained.subject)
            previous = chain_hash(previous, chained, digest)
            rows.append(
                {
                    "position": chained.position,
                    "at": chained.at,
                    "actor_id": chained.actor,
                    "on_behalf_of": chained.on_behalf_of,
                    "action": chained.action,
                    "kind": chained.kind,
                    "conference_id": chained.conference_id,
                    "subject_id": chained.subject,
                    "salt": salt,
                    "who": digest,
                    "hash": previous,
                }
            )
        await self._s.execute(insert(AuditRow), rows)
        await self._s.execute(
            update(AuditHeadRow).where(AuditHeadRow.id == HEAD_ID).values(hash=previous)
        )

    async def pseudonymise(self, person: PersonId, conference_id: ConferenceId | None) -> PersonId:
        """The person is erased: a pseudonym takes their place as actor and as subject, in the
        log and in this unit of work's waiting records, and those records lose their salt, so
        the chain holds and the digest no longer leads back to them. Recorded as
        `personal_data.pseudonymised` (whose subject is the pseudonym). Returns the pseudonym."""
        pseudonym = PersonId(-(secrets.randbelow(2**53) + 1))
        for column in (AuditRow.actor_id, AuditRow.subject_id):
            await self._s.execute(
                update(AuditRow)
                .where(column == person)
                .values({column.key: pseudonym, "salt": None})
                .execution_options(synchronize_session=False)
            )
        self.pending = [
            replace(
                r,
                actor=pseudonym if r.actor == person else r.actor,
                subject=pseudonym if r.subject == person else r.subject,
            )
            for r in self.pending
        ]
        await self.record(
            None,
            "personal_data.pseudonymised",
            conference_id,
            on_behalf_of=OnBehalfOf.SYSTEM,
            subject=pseudonym,
        )
        return pseudonym

    def forget(self) -> None:
        """The unit of work rolled back: its records go with it."""
        self.pending = []

    async def of_conference(self, conference_id: ConferenceId) -> Sequence[AuditRecord]:
        rows = await self._s.execute(
            select(*_COLUMNS)
            .where(AuditRow.conference_id == conference_id)
            .order_by(AuditRow.position)
        )
        return [_record(r) for r in rows]

    async def of_person(self, person: PersonId) -> Sequence[AuditRecord]:
        """What this person did, and what was done to their own data."""
        rows = await self._s.execute(
            select(*_COLUMNS)
            .where(or_(AuditRow.actor_id == person, AuditRow.subject_id == person))
            .order_by(AuditRow.position)
        )
        return [_record(r) for r in rows]

    async def conference_of(self, reference: str) -> ConferenceId | None:
        """The conference with this reference, if it is still there."""
        found = await self._s.scalar(
            select(ConferenceRow.id).where(ConferenceRow.reference == reference)
        )
        return ConferenceId(found) if found is not None else None

    async def references(self, conference_ids: Iterable[int]) -> dict[int, str]:
        """The references of these conferences (those still there), to print."""
        wanted = set(conference_ids)
        if not wanted:
            return {}
        rows = await self._s.execute(
            select(ConferenceRow.id, ConferenceRow.reference).where(ConferenceRow.id.in_(wanted))
        )
        return {int(i): str(r) for i, r in rows}

    async def _chain(self, page: int = 2000) -> AsyncIterator[tuple[AuditRecord, str, Any]]:
        """Every record with its stored hash and row, in position order, a page at a time."""
        after: int | None = None
        while True:
            query = select(*_COLUMNS).order_by(AuditRow.position).limit(page)
            if after is not None:
                query = query.where(AuditRow.position > after)
            rows = list(await self._s.execute(query))
            for row in rows:
                yield _record(row), row.hash, row
            if len(rows) < page:
                return
            after = rows[-1].position

    async def verify(self) -> Verdict:
        """Walk the chain from the start to the head. The first position that does not hold:
        "changed" (a record's fields or hash differ from what was chained), "deleted" (a
        position is missing, or the head is past the last record), "inserted" (a record the
        chain does not account for: the one after it chains on without it, or it lies past the
        head)."""
        head = (
            await self._s.execute(
                select(AuditHeadRow.position, AuditHeadRow.hash).where(AuditHeadRow.id == HEAD_ID)
            )
        ).one_or_none()
        head_position, head_hash = (head.position, head.hash) if head else (0, GENESIS)
        expected, previous, count, erased = 1, GENESIS, 0, 0
        suspect: tuple[AuditRecord, str] | None = None  # a record whose hash did not hold
        async for record, stored, row in self._chain():
            count += 1
            if suspect is not None:
                # the record before did not hold: was it put in between (then this one chains
                # onto the one before it, at its position), or changed?
                bad, _ = suspect
                moved = replace(record, position=bad.position)
                how = "inserted" if chain_hash(previous, moved, row.who) == stored else "changed"
                return Verdict(count, head_hash, Break(bad.position, how))
            if row.salt is None:
                erased += 1  # its people erased: the digest stands for them
            elif who(row.salt, row.actor_id, row.subject_id) != row.who:
                return Verdict(count, head_hash, Break(record.position, "changed"))
            if record.position < expected:
                return Verdict(count, head_hash, Break(record.position, "inserted"))
            if record.position > expected:
                return Verdict(count, head_hash, Break(expected, "deleted"))
            if record.position > head_position:
                return Verdict(count, head_hash, Break(record.position, "inserted"))
            if chain_hash(previous, record, row.who) != stored:
                suspect = (record, stored)
                continue
            previous, expected = stored, expected + 1
        if suspect is not None:
            return Verdict(count, head_hash, Break(suspect[0].position, "changed"), erased)
        if expected - 1 < head_position:
            return Verdict(count, head_hash, Break(expected, "deleted"), erased)
        if previous != head_hash:
            return Verdict(count, head_hash, Break(head_position, "changed"), erased)
        return Verdict(count, head_hash, None, erased)
