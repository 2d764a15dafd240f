"""`kring export` and `kring erase` as an operator types them, on a real database: the copy
holds what kring keeps, the erasure leaves no trace of the person and keeps the counts."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, or_, select

from conference.model.circle import Diet, Food, Group, InviteeDraft, NoReason, Rsvp
from conference.model.ids import PersonId
from conference.model.request import RequestDraft
from storage.db import create_engine, session_factory
from storage.tables import AuditRow, InviteeRow
from storage.uow import SqlUnitOfWork
from tests.integration.commands import kring
from tests.traces import traces

EDITH, HERMAN = PersonId(51001), PersonId(51002)
PHONE = "0612398765"
QUESTION = "Hoe kan Noor veilig thuis blijven wonen?"
WHY_NOT = "Ik werk die hele week in Groningen"


async def _conference(url: str) -> str:
    """Edith applied (with her phone); Herman is invited, said no and why, and suggested Jan."""
    now = datetime.now(UTC)
    engine = create_engine(url)
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        edith = await uow.persons.upsert(EDITH, "Edith", "nl")
        await uow.persons.upsert(HERMAN, "Herman", "nl")
        draft = RequestDraft(subject_name="Noor", question=QUESTION, region="Utrecht", phone=PHONE)
        request = await uow.conferences.add("EK-2026-0042", edith, "nl", draft, now)
        herman = await uow.invitees.add(
            request.id,
            InviteeDraft("Herman", "oom", Group.FAMILY, "nl", False),
            "a" * 64,
            now + timedelta(days=7),
            now,
            person=HERMAN,
        )
        await uow.invitees.set_rsvp(herman.id, Rsvp.NO, NoReason.DATE)
        await uow.invitees.set_no_reason_text(herman.id, WHY_NOT)
        await uow.invitees.set_food(herman.id, Food(True, Diet.VEGETARIAN))
        await uow.invitees.add_suggestion(herman, "Jan", "opa", "jan@example.org", now)
        await uow.audit.record(HERMAN, "invitation.refused.expired", request.id)
        await uow.commit()
    await engine.dispose()
    return request.reference


async def _count(url: str, query: object) -> int:
    engine = create_engine(url)
    async with engine.connect() as connection:
        found = await connection.scalar(query)  # type: ignore[call-overload]
    await engine.dispose()
    return int(found or 0)


async def test_export_then_erase_a_person(tmp_path, migrated_url):
    url = migrated_url
    reference = await _conference(url)
    env = {"KRING_DATABASE_URL": url}

    shown = kring("export", "--person", str(HERMAN), cwd=tmp_path, **env)
    assert shown.returncode == 0, shown.stderr
    (invitation,) = json.loads(shown.stdout)["invitations"]
    assert invitation["reason_no_text"] == WHY_NOT and invitation["conference"] == reference
    assert "Edith" not in shown.stdout and PHONE not in shown.stdout  # nobody else's data
    assert kring("export", "--conference", reference, "--output", "c.json", cwd=tmp_path, **env)
    assert PHONE in (tmp_path / "c.json").read_text()

    needles = ["Herman", str(HERMAN), WHY_NOT, "jan@example.org"]
    assert len(await traces(url, needles)) >= 4
    refused = kring("erase", "--person", str(HERMAN), cwd=tmp_path, **env)
    assert refused.returncode == 1 and "nothing erased" in refused.stdout  # no ERASE typed
    done = kring("erase", "--person", str(HERMAN), "--yes", cwd=tmp_path, **env)
    assert done.returncode == 0, done.stderr
    assert "1 places anonymised" in done.stdout
    assert await traces(url, needles) == []
    assert await _count(url, select(func.count()).select_from(InviteeRow)) == 1
    assert await _count(url, select(func.count()).where(InviteeRow.rsvp == "no")) == 1
    # the audit keeps its rows, his under a pseudonym (as actor or as whose data it was), the
    # erasure by the operator; the chain still holds
    pseudonymous = or_(AuditRow.actor_id < 0, AuditRow.subject_id < 0)
    assert await _count(url, select(func.count()).where(pseudonymous)) >= 3
    erasures = select(func.count()).where(
        AuditRow.action == "personal_data.erased",
        AuditRow.actor_id.is_(None),
        AuditRow.on_behalf_of == "operator",
        AuditRow.subject_id < 0,
    )
    assert await _count(url, erasures) == 1
    verified = kring("audit", "verify", cwd=tmp_path, **env)
    assert verified.returncode == 0 and "chain intact" in verified.stdout, verified.stdout


async def test_erase_a_conference(tmp_path, migrated_url):
    url = migrated_url
    reference = await _conference(url)
    env = {"KRING_DATABASE_URL": url}
    needles = ["Edith", "Herman", "Noor", PHONE, QUESTION, WHY_NOT, "jan@example.org"]
    assert len(await traces(url, needles)) >= 7
    typed = kring("erase", "--conference", reference, cwd=tmp_path, stdin="ERASE\n", **env)
    assert typed.returncode == 0, typed.stderr
    assert await traces(url, needles) == []  # they took part nowhere else: their rows went too
    assert await _count(url, select(func.count()).select_from(InviteeRow)) == 1
    again = kring("erase", "--conference", "EK-2026-9999", "--yes", cwd=tmp_path, **env)
    assert again.returncode == 1
