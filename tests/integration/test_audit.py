"""The audit log against a real database (SQLite, and PostgreSQL): NEN 7513's fields on a staff
read and a change, the hash chain and its verification, tampering found at its position,
concurrent writers that keep one chain, and an upgraded database whose old records verify."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from conference.assignment import assign
from conference.circle import REFUSED, TRIES_WINDOW, invite, open_invitation, view_circle
from conference.errors import InvitationRefused, Refusal
from conference.model.circle import Group, InviteeDraft
from conference.model.ids import ConferenceId, PersonId
from conference.model.people import StaffMember, StaffRole
from conference.requests import identify, open_request, submit_request
from storage.db import create_engine, session_factory
from storage.migrate import upgrade
from storage.repositories.audit import Break
from storage.uow import SqlUnitOfWork
from tests.unit.examples import complete_info_talk

MANAGER, COORDINATOR, APPLICANT = PersonId(9001), PersonId(7001), PersonId(8000)


@pytest.fixture
async def sessions(migrated_url):
    engine = create_engine(migrated_url)
    yield session_factory(engine)
    await engine.dispose()


async def a_conference(sessions) -> ConferenceId:
    """Edith's request, assigned by Marieke to Ayse."""
    now = datetime.now(UTC)
    async with SqlUnitOfWork(sessions) as uow:
        await identify(uow, APPLICANT, "Edith", "nl", ("nl",), "nl")
        request = (await submit_request(uow, APPLICANT, "nl", complete_info_talk(), now)).request
        await uow.staff.add(StaffMember(MANAGER, StaffRole.MANAGER, "Marieke", ("nl",)))
        await uow.staff.add(StaffMember(COORDINATOR, StaffRole.COORDINATOR, "Ayse", ("nl",)))
        await assign(uow, MANAGER, request.id, COORDINATOR, now)
        await uow.commit()
    return request.id


async def verdict(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        return await uow.audit.verify()


async def execute(sessions, sql: str, **values: object) -> None:
    async with SqlUnitOfWork(sessions) as uow:
        await uow.session.execute(text(sql), values)
        await uow.session.commit()


async def test_a_staff_read_and_a_change_are_recorded_with_every_field(sessions):
    conference = await a_conference(sessions)
    before = datetime.now(UTC)
    async with SqlUnitOfWork(sessions) as uow:
        await open_request(uow, MANAGER, conference)  # a read, by a manager
        await view_circle(uow, COORDINATOR, conference)  # a read, by the coordinator
        await invite(  # a change
            uow,
            COORDINATOR,
            conference,
            InviteeDraft("Sandra", "tante", Group.FAMILY, "nl", False),
            before,
        )
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        records = await uow.audit.of_conference(conference)
    fields = [
        (r.position, r.actor, r.on_behalf_of, r.action, r.kind, r.conference_id) for r in records
    ]
    assert fields == [
        (1, APPLICANT, "self", "request.submitted", "request", conference),
        (2, MANAGER, "manager", "request.assigned", "request", conference),
        (3, MANAGER, "manager", "request.opened", "request", conference),
        (4, COORDINATOR, "coordinator", "circle.viewed", "circle", conference),
        (5, COORDINATOR, "coordinator", "invitee.added", "circle", conference),
    ]
    assert all(before <= r.at <= datetime.now(UTC) for r in records[2:])
    found = await verdict(sessions)
    assert (found.records, found.broken) == (5, None)


async def test_nothing_is_recorded_when_the_work_rolls_back(sessions):
    conference = await a_conference(sessions)
    async with SqlUnitOfWork(sessions) as uow:
        await view_circle(uow, COORDINATOR, conference)
        # no commit
    async with SqlUnitOfWork(sessions) as uow:
        await view_circle(uow, COORDINATOR, conference)
        await uow.rollback()
        await uow.commit()
    found = await verdict(sessions)
    assert (found.records, found.broken) == (2, None)


async def test_an_unknown_action_is_refused(sessions):
    async with SqlUnitOfWork(sessions) as uow:
        with pytest.raises(ValueError, match="catalogue"):
            await uow.audit.record(MANAGER, "sandra.looked_at", None)
        with pytest.raises(ValueError, match="on whose behalf"):
            await uow.audit.record(MANAGER, "request.opened", None)


async def records_and_views(sessions, views: int) -> ConferenceId:
    conference = await a_conference(sessions)  # positions 1 and 2
    for _ in range(views):
        async with SqlUnitOfWork(sessions) as uow:
            await view_circle(uow, COORDINATOR, conference)
            await uow.commit()
    return conference


async def test_a_changed_record_is_found_at_its_position(sessions):
    await records_and_views(sessions, 4)  # 6 records
    await execute(sessions, "UPDATE audit SET actor_id = 1234 WHERE position = 4")
    assert (await verdict(sessions)).broken == Break(4, "changed")


async def test_a_changed_hash_is_found_at_its_position(sessions):
    await records_and_views(sessions, 4)
    await execute(sessions, "UPDATE audit SET hash = :h WHERE position = 3", h="ab" * 32)
    assert (await verdict(sessions)).broken == Break(3, "changed")


async def test_a_changed_last_record_is_found(sessions):
    await records_and_views(sessions, 4)
    await execute(sessions, "UPDATE audit SET action = 'plan.viewed' WHERE position = 6")
    assert (await verdict(sessions)).broken == Break(6, "changed")


async def test_a_deleted_record_is_found_at_its_position(sessions):
    await records_and_views(sessions, 4)
    await execute(sessions, "DELETE FROM audit WHERE position = 3")
    assert (await verdict(sessions)).broken == Break(3, "deleted")


async def test_a_deleted_last_record_is_found(sessions):
    await records_and_views(sessions, 4)
    await execute(sessions, "DELETE FROM audit WHERE position = 6")
    assert (await verdict(sessions)).broken == Break(6, "deleted")


async def test_a_forged_record_after_the_head_is_found(sessions):
    await records_and_views(sessions, 4)
    await execute(
        sessions,
        "INSERT INTO audit (position, at, actor_id, on_behalf_of, action, kind, who, hash) "
        "VALUES (7, :at, 1, 'manager', 'request.opened', 'request', :h, :h)",
        at=datetime.now(UTC).replace(tzinfo=None),
        h="cd" * 32,
    )
    assert (await verdict(sessions)).broken == Break(7, "inserted")


async def test_a_forged_record_put_in_between_is_found(sessions):
    await records_and_views(sessions, 4)
    # make room at 3 (from the end, so no two rows share a position meanwhile) and fill it
    for position in (6, 5, 4, 3):
        await execute(
            sessions,
            "UPDATE audit SET position = :p WHERE position = :q",
            p=position + 1,
            q=position,
        )
    await execute(sessions, "UPDATE audit_head SET position = 7")
    await execute(
        sessions,
        "INSERT INTO audit (position, at, actor_id, on_behalf_of, action, kind, who, hash) "
        "VALUES (3, :at, 1, 'manager', 'request.opened', 'request', :h, :h)",
        at=datetime.now(UTC).replace(tzinfo=None),
        h="cd" * 32,
    )
    assert (await verdict(sessions)).broken == Break(3, "inserted")


async def test_concurrent_writers_keep_one_chain(migrated_url):
    """Several instances (engines of their own) log at once: one chain, no position twice,
    none missing, and it verifies."""
    engines = [create_engine(migrated_url) for _ in range(3)]
    factories = [session_factory(e) for e in engines]
    try:
        conference = await a_conference(factories[0])

        async def views(factory, times: int) -> None:
            for _ in range(times):
                async with SqlUnitOfWork(factory) as uow:
                    await view_circle(uow, COORDINATOR, conference)
                    await view_circle(uow, COORDINATOR, conference)  # two in one transaction
                    await uow.commit()

        await asyncio.gather(*(views(factories[i % 3], 5) for i in range(6)))
        async with SqlUnitOfWork(factories[0]) as uow:
            positions = [r.position for r in await uow.audit.of_conference(conference)]
            found = await uow.audit.verify()
    finally:
        for engine in engines:
            await engine.dispose()
    assert positions == list(range(1, 2 + 6 * 5 * 2 + 1))
    assert (found.records, found.broken) == (62, None)


async def test_refusals_are_counted_per_account_also_before_the_commit(sessions):
    stranger = PersonId(5555)
    async with SqlUnitOfWork(sessions) as uow:
        for _ in range(3):
            with pytest.raises(InvitationRefused):
                await open_invitation(uow, stranger, "x" * 32, datetime.now(UTC))
        assert await uow.audit.count_recent(REFUSED, TRIES_WINDOW, stranger) == 3  # waiting
        await uow.commit()
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.audit.count_recent(REFUSED, TRIES_WINDOW, stranger) == 3  # stored
        assert await uow.audit.count_recent(REFUSED, timedelta(0), stranger) == 0
        records = await uow.audit.of_person(stranger)
    assert {(r.action, r.kind, r.on_behalf_of) for r in records} == {
        (f"{REFUSED}.{Refusal.UNKNOWN.value}", "invitation", "self")
    }


async def test_an_upgraded_database_chains_its_old_records(database_url):
    """Records written before revision 0026 get their fields from their action and are chained
    in the order they were written."""
    await upgrade(database_url, "0024")
    engine = create_engine(database_url)
    at = datetime(2026, 11, 24, 9, 30, 0, 123456)
    old = [
        (1, 9001, "request.opened"),
        (2, 8000, "invitation.refused.taken"),
        (3, 7001, "invitee.added"),
        (4, 7001, "request.opened"),
    ]
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO staff (person_id, role, name, languages, created_at) "
                    "VALUES (9001, 'manager', 'Marieke', 'nl', :at)"
                ),
                {"at": at},
            )
            for second, actor, action in old:
                await connection.execute(
                    text("INSERT INTO audit (at, actor_id, action) VALUES (:at, :a, :w)"),
                    {"at": at + timedelta(seconds=second), "a": actor, "w": action},
                )
    finally:
        await engine.dispose()
    await upgrade(database_url)
    engine = create_engine(database_url)
    try:
        factory = session_factory(engine)
        async with SqlUnitOfWork(factory) as uow:
            records = await uow.audit.of_person(PersonId(9001))
            records += await uow.audit.of_person(PersonId(8000))
            records += await uow.audit.of_person(PersonId(7001))
            assert (await uow.audit.verify()).broken is None
            await uow.audit.record(COORDINATOR, "circle.viewed", None)  # the chain goes on
            await uow.commit()
        found = await verdict(factory)
    finally:
        await engine.dispose()
    assert [(r.position, r.action, r.kind, r.on_behalf_of) for r in records] == [
        (1, "request.opened", "request", "manager"),
        (2, "invitation.refused.taken", "invitation", "self"),
        (3, "invitee.added", "circle", "coordinator"),
        (4, "request.opened", "request", "unknown"),  # not staff (any more)
    ]
    assert records[0].at == (at + timedelta(seconds=1)).replace(tzinfo=UTC)
    assert (found.records, found.broken) == (5, None)
