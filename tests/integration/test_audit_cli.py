"""`kring audit` as an operator types it: verify the chain, print a conference's or a person's
records (ids and fixed words only, never a name), and a tampered log named at its position."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

from conference.assignment import assign
from conference.circle import invite, view_circle
from conference.model.circle import Group, InviteeDraft
from conference.model.ids import PersonId
from conference.model.people import StaffRole
from conference.requests import identify, open_request, submit_request
from storage.db import create_engine, session_factory
from storage.uow import SqlUnitOfWork
from tests.integration.commands import kring
from tests.unit.examples import complete_info_talk

NAMES = ("Edith", "Marieke", "Ayse", "Sandra", "tante")


async def test_audit_verify_and_print_a_conference(tmp_path):
    def staff_add(role: StaffRole, person: int, name: str) -> None:
        added = kring(
            "staff", "add", "--role", role.value, "--telegram-id", str(person), "--name", name,
            cwd=tmp_path,
        )  # fmt: skip
        assert added.returncode == 0, added.stderr

    staff_add(StaffRole.MANAGER, 9001, "Marieke")
    staff_add(StaffRole.COORDINATOR, 7001, "Ayse")
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'kring.sqlite3'}")
    now = datetime.now(UTC)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await identify(uow, PersonId(8000), "Edith", "nl", ("nl",), "nl")
            request = (
                await submit_request(uow, PersonId(8000), "nl", complete_info_talk(), now)
            ).request
            await assign(uow, PersonId(9001), request.id, PersonId(7001), now)
            await open_request(uow, PersonId(7001), request.id)
            await view_circle(uow, PersonId(7001), request.id)
            draft = InviteeDraft("Sandra", "tante", Group.FAMILY, "nl", False)
            await invite(uow, PersonId(7001), request.id, draft, now)
            await uow.commit()
    finally:
        await engine.dispose()

    verified = kring("audit", "verify", cwd=tmp_path)
    assert verified.returncode == 0, verified.stderr
    assert verified.stdout.startswith("7 records, chain intact")

    shown = kring("audit", "--conference", request.reference.lower(), cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[-1] == "5 records"
    rows = [line.split() for line in lines[1:-1]]
    # when (date, time, zone), position, who, on behalf of, kind, what, conference
    assert [r[3:] for r in rows] == [
        ["3", "person", "8000", "self", "request", "request.submitted", request.reference],
        ["4", "person", "9001", "manager", "request", "request.assigned", request.reference],
        ["5", "person", "7001", "coordinator", "request", "request.opened", request.reference],
        ["6", "person", "7001", "coordinator", "circle", "circle.viewed", request.reference],
        ["7", "person", "7001", "coordinator", "circle", "invitee.added", request.reference],
    ]
    assert not any(name in shown.stdout for name in NAMES)

    person = kring("audit", "--person", "9001", cwd=tmp_path)
    assert person.returncode == 0, person.stderr
    assert "the operator" in person.stdout and "staff.added" in person.stdout  # about 9001
    assert "data of person 9001" in person.stdout and "request.assigned" in person.stdout
    assert person.stdout.splitlines()[-1] == "2 records"
    assert not any(name in person.stdout for name in NAMES)

    with sqlite3.connect(tmp_path / "kring.sqlite3") as connection:
        connection.execute("UPDATE audit SET action = 'request.opened' WHERE position = 6")
    broken = kring("audit", "verify", cwd=tmp_path)
    assert broken.returncode == 1
    assert broken.stdout.strip() == "audit chain broken at position 6: record changed"


def test_audit_asks_what_to_do_and_names_an_unknown_conference(tmp_path):
    nothing = kring("audit", cwd=tmp_path)
    assert nothing.returncode == 2 and "verify, --conference REF or --person ID" in nothing.stderr
    unknown = kring("audit", "--conference", "EK-2026-0099", cwd=tmp_path)
    assert unknown.returncode == 1 and "no conference EK-2026-0099" in unknown.stderr
    empty = kring("audit", "verify", cwd=tmp_path)
    assert empty.returncode == 0 and empty.stdout.startswith("0 records, chain intact")
