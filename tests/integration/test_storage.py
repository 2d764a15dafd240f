"""The repositories and the unit of work against a real database (SQLite, and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import inspect, select, text
from sqlalchemy.exc import IntegrityError

from conference.assignment import assign
from conference.circle import invite, tell_of_second_phone
from conference.model.circle import Group, Invitee, InviteeDraft
from conference.model.ids import PersonId, on_the_web, web_account_of
from conference.model.people import StaffMember, StaffRole
from conference.model.request import Field, RequestDraft, RequestKind
from conference.requests import identify, submit_request
from storage.db import create_engine, session_factory
from storage.migrate import (
    alembic_config,
    current_revision,
    declared_head,
    downgrade,
    upgrade,
)
from storage.tables import ProcessedUpdateRow
from storage.uow import SqlUnitOfWork
from tests.raw_database import raw_values
from tests.unit.examples import complete_info_talk

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


@pytest.fixture
async def sessions(migrated_url):
    engine = create_engine(migrated_url)
    yield session_factory(engine)
    await engine.dispose()


def info_talk() -> RequestDraft:
    draft = RequestDraft(kind=RequestKind.INFO_TALK, region="Utrecht", phone="+31600000000")
    draft = draft.with_answer(Field.REGION).with_answer(Field.CONTACT)
    return draft.with_answer(Field.CONSENT, consent=True)


async def test_stairway_every_migration_goes_up_down_and_up_again(database_url):
    await upgrade(database_url)
    await downgrade(database_url, "base")
    await upgrade(database_url)
    engine = create_engine(database_url)
    async with engine.connect() as connection:
        tables = await connection.run_sync(lambda c: set(inspect(c).get_table_names()))
    await engine.dispose()
    assert {"person", "staff", "conference", "conversation", "processed_update"} <= tables


async def test_the_start_knows_the_head_without_alembic(database_url):
    from alembic.script import ScriptDirectory

    assert (
        declared_head()
        == ScriptDirectory.from_config(alembic_config(database_url)).get_current_head()
    )
    assert await current_revision(database_url) is None  # a new database
    await upgrade(database_url, "0002")
    assert await current_revision(database_url) == "0002"
    await upgrade(database_url)  # not at head: Alembic takes it the rest of the way
    assert await current_revision(database_url) == declared_head()
    await upgrade(database_url)  # at head: nothing to do
    assert await current_revision(database_url) == declared_head()


async def test_rolled_back_work_leaves_nothing(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        await identify(uow, PersonId(7), "Edith", "nl", ("nl",), "nl")
        # no commit: leaving the block rolls back
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.persons.get(PersonId(7)) is None


async def test_a_request_round_trips_with_aware_times(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        await uow.staff.add(
            StaffMember(PersonId(1), StaffRole.MANAGER, "Marieke", ("nl", "tr"), "Utrecht")
        )
        await identify(uow, PersonId(7), "Edith", "nl", ("nl",), "nl")
        submitted = await submit_request(uow, PersonId(7), "nl", info_talk(), NOW)
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        stored = await uow.conferences.get(submitted.request.id)
        managers = await uow.staff.list(StaffRole.MANAGER)
    assert stored is not None
    assert stored.reference == "EK-2026-0001"
    assert stored.created_at == NOW and stored.created_at.tzinfo is not None
    assert stored.contact_phone == "+31600000000"
    assert stored.applicant_name == "Edith"
    assert stored.question is None  # an information talk asks no question
    assert [(m.name, m.languages) for m in managers] == [("Marieke", ("nl", "tr"))]


async def test_reference_numbers_stay_unique_under_concurrent_submits(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        for pid in range(10, 20):
            await identify(uow, PersonId(pid), "Wim", "nl", ("nl",), "nl")
        await uow.commit()

    async def submit(pid: int) -> str:
        async with SqlUnitOfWork(sessions) as uow:
            result = await submit_request(uow, PersonId(pid), "nl", info_talk(), NOW)
            await uow.commit()
            return result.request.reference

    references = await asyncio.gather(*(submit(pid) for pid in range(10, 20)))
    assert sorted(references) == [f"EK-2026-{n:04d}" for n in range(1, 11)]


async def test_an_update_is_claimed_once(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.updates.claim(42)
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert not await uow.updates.claim(42)
        assert await uow.updates.claim(43)


async def test_old_update_ids_are_forgotten_but_the_highest_stays(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        for update_id in (40, 41, 42):
            assert await uow.updates.claim(update_id)
        await uow.commit()
    a_week_ago = datetime.now(UTC) - timedelta(days=7)
    later = datetime.now(UTC) + timedelta(minutes=1)
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.updates.forget_before(a_week_ago) == 0  # all of them are recent
        assert await uow.updates.forget_before(later) == 2
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        remaining = await uow.session.scalars(select(ProcessedUpdateRow.update_id))
        assert list(remaining) == [42]  # where polling was
        assert not await uow.updates.claim(42)
        assert await uow.updates.claim(43)


async def test_conversation_state_and_data_persist(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        await uow.conversations.set_state("1:7:7::", "Intake:question")
        await uow.conversations.set_data("1:7:7::", {"draft": {"subject_name": "Johan"}})
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.conversations.get("1:7:7::") == (
            "Intake:question",
            {"draft": {"subject_name": "Johan"}},
        )
        assert await uow.conversations.get("unknown") == (None, {})


async def test_staff_can_be_updated_and_removed(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        await uow.staff.add(StaffMember(PersonId(1), StaffRole.MANAGER, "Marieke"))
        await uow.staff.add(StaffMember(PersonId(1), StaffRole.COORDINATOR, "Marieke", ("ar",)))
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        member = await uow.staff.get(PersonId(1))
        assert member is not None and member.role is StaffRole.COORDINATOR
        assert await uow.staff.remove(PersonId(1))
        assert not await uow.staff.remove(PersonId(1))


async def test_a_database_error_carries_no_values_into_a_log(migrated_url: str):
    """An error's message says which statement failed, never with what: no name in a log."""
    engine = create_engine(migrated_url)
    try:
        async with engine.connect() as connection:
            statement = text(
                "INSERT INTO person (id, first_name, locale, reachable, created_at) "
                "VALUES (:id, :name, 'nl', true, :at)"
            )
            values = {"id": 1, "name": "Sandra", "at": datetime.now(UTC)}
            await connection.execute(statement, values)
            with pytest.raises(IntegrityError) as raised:
                await connection.execute(statement, values)
    finally:
        await engine.dispose()
    assert "Sandra" not in str(raised.value) and "hidden" in str(raised.value)


async def invited(uow: SqlUnitOfWork, draft: InviteeDraft, now: datetime) -> Invitee:
    """Edith's request, assigned by Marieke to Ayse, who invites `draft`."""
    await identify(uow, PersonId(8000), "Edith", "nl", ("nl",), "nl")
    request = (await submit_request(uow, PersonId(8000), "nl", complete_info_talk(), now)).request
    await uow.staff.add(StaffMember(PersonId(9001), StaffRole.MANAGER, "Marieke", ("nl",)))
    await uow.staff.add(StaffMember(PersonId(7001), StaffRole.COORDINATOR, "Ayse", ("nl",)))
    await assign(uow, PersonId(9001), request.id, PersonId(7001), now)
    invitee, _ = await invite(uow, PersonId(7001), request.id, draft, now)
    return invitee


async def test_a_second_phone_is_told_once_a_day_per_invitation(sessions):
    now = datetime.now(UTC)
    async with SqlUnitOfWork(sessions) as uow:
        invitee = await invited(uow, InviteeDraft("Wim", "broer", Group.FAMILY, "en", False), now)
        told = [
            await tell_of_second_phone(uow, invitee, at)
            for at in (now, now + timedelta(hours=23), now + timedelta(hours=25))
        ]
        await uow.commit()
    assert told == [True, False, True]


async def test_a_web_account_is_one_per_invitation_with_its_browser_and_sealed_address(
    sessions, migrated_url
):
    now = datetime.now(UTC)
    async with SqlUnitOfWork(sessions) as uow:
        herman = InviteeDraft("Herman", "oom", Group.FAMILY, "nl", False)
        invitee = await invited(uow, herman, now)
        account = await uow.web_accounts.add(invitee.id, now)
        again = await uow.web_accounts.add(invitee.id, now + timedelta(days=1))
        await uow.web_accounts.bind_browser(account.person_id, "ab" * 32)
        await uow.web_accounts.set_email(account.person_id, "herman@example.org")
        await uow.commit()
    assert account == again and on_the_web(account.person_id)
    assert account.person_id == web_account_of(invitee.id)
    assert not on_the_web(PersonId(7001))
    async with SqlUnitOfWork(sessions) as uow:
        stored = await uow.web_accounts.get(account.person_id)
        assert await uow.web_accounts.get(web_account_of(invitee.id + 1)) is None
    assert stored is not None
    assert (stored.browser_hash, stored.email) == ("ab" * 32, "herman@example.org")
    raw = (await raw_values(migrated_url))["web_account.email"]
    assert len(raw) == 1 and "herman" not in raw[0]
