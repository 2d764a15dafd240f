"""Backups as docs/operations.md tells an operator to make and restore them: `kring db backup`
on SQLite while kring holds the database open, and pg_dump/pg_restore on PostgreSQL. Each is
restored into a new database and read back through the repositories."""

from __future__ import annotations

import asyncio
import shutil
import stat
import subprocess
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from conference.model.ids import ConferenceId, PersonId
from conference.model.people import StaffMember, StaffRole
from conference.model.request import Field, RequestDraft, RequestKind
from conference.requests import add_staff, identify, submit_request
from storage.crypto import new_key
from storage.db import create_engine, session_factory
from storage.migrate import current_revision, declared_head, upgrade
from storage.uow import SqlUnitOfWork
from tests.integration.commands import kring
from tests.postgres import POSTGRES_URL, admin_execute

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def sqlite_url(path: Path) -> str:
    return f"sqlite+aiosqlite:///{path}"


def info_talk() -> RequestDraft:
    draft = RequestDraft(kind=RequestKind.INFO_TALK, region="Utrecht", phone="+31600000000")
    draft = draft.with_answer(Field.REGION).with_answer(Field.CONTACT)
    return draft.with_answer(Field.CONSENT, consent=True)


async def fill(url: str) -> ConferenceId:
    """A manager, an applicant and their request: what a backup must keep."""
    await upgrade(url)
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await add_staff(
                uow, StaffMember(PersonId(1), StaffRole.MANAGER, "Marieke", ("nl",), "Utrecht")
            )
            await identify(uow, PersonId(7), "Wim", "nl", ("nl",), "nl")
            submitted = await submit_request(uow, PersonId(7), "nl", info_talk(), NOW)
            await uow.commit()
    finally:
        await engine.dispose()
    return submitted.request.id


async def read_back(url: str, conference: ConferenceId) -> None:
    assert await current_revision(url) == declared_head()
    engine = create_engine(url)
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            request = await uow.conferences.get(conference)
            staff = await uow.staff.list()
            wim = await uow.persons.get(PersonId(7))
            johan = await uow.persons.get(PersonId(8))
    finally:
        await engine.dispose()
    assert request is not None and request.reference == "EK-2026-0001"
    assert request.applicant_name == "Wim"
    assert request.contact_phone == "+31600000000"
    assert [(m.name, m.region) for m in staff] == [("Marieke", "Utrecht")]
    assert wim is not None and wim.first_name == "Wim"
    assert johan is None  # he was being written, not committed, when the copy was made


async def test_sqlite_backup_while_kring_writes_and_restore(tmp_path):
    live = tmp_path / "live"
    live.mkdir()
    conference = await fill(sqlite_url(live / "kring.sqlite3"))
    engine = create_engine(sqlite_url(live / "kring.sqlite3"))
    try:
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            await identify(uow, PersonId(8), "Johan", "nl", ("nl",), "nl")
            await uow.session.flush()  # holds SQLite's write lock, uncommitted
            result = await asyncio.to_thread(
                kring, "db", "backup", str(tmp_path / "copy.sqlite3"), cwd=live
            )
    finally:
        await engine.dispose()
    assert result.returncode == 0, result.stderr
    assert "copy.sqlite3" in result.stdout
    backup = tmp_path / "copy.sqlite3"
    assert stat.S_IMODE(backup.stat().st_mode) == 0o600  # personal data: the owner only

    assert b"+31600000000" not in backup.read_bytes()  # sealed: the copy alone shows no phone

    restored = tmp_path / "restored"
    restored.mkdir()
    shutil.copyfile(backup, restored / "kring.sqlite3")  # kring stopped, no -wal or -shm
    upgraded = kring("db", "upgrade", cwd=restored)
    assert upgraded.returncode == 0, upgraded.stderr
    # without its key the copy does not open, and kring makes no new key over it
    keyless = kring("jobs", "list", cwd=restored)
    assert keyless.returncode == 2 and "key file" in keyless.stderr
    assert not (restored / "kring.sqlite3.key").exists()
    # the key, kept apart from the backups, goes back beside it
    shutil.copyfile(live / "kring.sqlite3.key", restored / "kring.sqlite3.key")
    await read_back(sqlite_url(restored / "kring.sqlite3"), conference)


async def test_sqlite_backup_never_overwrites(tmp_path):
    await fill(sqlite_url(tmp_path / "kring.sqlite3"))
    earlier = tmp_path / "earlier.sqlite3"
    earlier.write_bytes(b"")  # even an empty file: it is not ours to replace
    result = kring("db", "backup", str(earlier), cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr.startswith("kring: ") and result.stderr.strip().count("\n") == 0
    assert "exists" in result.stderr and earlier.read_bytes() == b""


def test_sqlite_backup_of_no_database_writes_nothing(tmp_path):
    result = kring("db", "backup", "copy.sqlite3", cwd=tmp_path)
    assert result.returncode == 2 and "no SQLite database" in result.stderr
    assert not (tmp_path / "copy.sqlite3").exists()
    assert not (tmp_path / "kring.sqlite3").exists()  # nor made an empty one


def test_postgres_backup_points_at_pg_dump_without_the_password(tmp_path):
    url = "postgresql+asyncpg://kring:s3cret-pw@db.example:5433/kring"
    result = kring("db", "backup", "kring.dump", cwd=tmp_path, KRING_DATABASE_URL=url)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "kring: on PostgreSQL back up with pg_dump: "
        "pg_dump -Fc -h db.example -p 5433 -U kring -f kring.dump kring"
    )
    assert not (tmp_path / "kring.dump").exists()


def pg(*command: str) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr


def libpq_url(name: str) -> str:
    """What pg_dump and pg_restore take: the same server, without SQLAlchemy's driver."""
    url = make_url(POSTGRES_URL).set(drivername="postgresql", database=name)
    return url.render_as_string(hide_password=False)


@pytest.mark.skipif(not POSTGRES_URL, reason="KRING_TEST_POSTGRES_URL is not set")
@pytest.mark.skipif(
    shutil.which("pg_dump") is None or shutil.which("pg_restore") is None,
    reason="pg_dump or pg_restore not installed",
)
async def test_postgres_pg_dump_and_pg_restore(tmp_path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("KRING_DATA_KEY", new_key())  # kept apart from the dumps
    source, target = (f"kring_test_{uuid.uuid4().hex[:12]}" for _ in range(2))
    await admin_execute(f'CREATE DATABASE "{source}"')
    await admin_execute(f'CREATE DATABASE "{target}"')
    try:
        conference = await fill(
            make_url(libpq_url(source))
            .set(drivername="postgresql+asyncpg")
            .render_as_string(hide_password=False)
        )
        dump = tmp_path / "kring.dump"
        await asyncio.to_thread(pg, "pg_dump", "-Fc", "-f", str(dump), libpq_url(source))
        await asyncio.to_thread(
            pg, "pg_restore", "--no-owner", "--exit-on-error", "-d", libpq_url(target), str(dump)
        )
        restored = (
            make_url(libpq_url(target))
            .set(drivername="postgresql+asyncpg")
            .render_as_string(hide_password=False)
        )
        upgraded = kring("db", "upgrade", cwd=tmp_path, KRING_DATABASE_URL=restored)
        assert upgraded.returncode == 0, upgraded.stderr
        await read_back(restored, conference)
    finally:
        await admin_execute(f'DROP DATABASE IF EXISTS "{source}" WITH (FORCE)')
        await admin_execute(f'DROP DATABASE IF EXISTS "{target}" WITH (FORCE)')
