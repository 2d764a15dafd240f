"""The runner hands due reminders to the outbox a wave at a time: one batch per conference,
kind and meeting version (keyed, so never twice), the rows marked sent with their batch in the
same transaction; a wave that finds some of its rows settled meanwhile is rolled back whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot import reminders as runner_module
from bot.config import LOCALES_DIR
from bot.i18n import CatalogI18n
from bot.reminders import HandedElsewhere, ReminderRunner, ReminderStats
from conference.assignment import assign
from conference.circle import answer, invite, open_invitation
from conference.meeting import fix_meeting
from conference.model.circle import Group, InviteeDraft, Rsvp
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Venue
from conference.model.people import StaffMember, StaffRole
from conference.model.reminders import Policy
from conference.reminders import parse_offsets
from conference.requests import identify, mark_unreachable, submit_request
from storage.db import create_engine, session_factory
from storage.repositories.reminders import SqlReminders
from storage.tables import OutboxBatchRow, OutboxDeliveryRow, ReminderRow
from storage.uow import SqlUnitOfWork
from tests.unit.examples import complete_info_talk

START = datetime(2027, 3, 20, 6, 0, tzinfo=UTC)
MEETING = START + timedelta(hours=4)  # the 3h reminder falls due at START + 1h
POLICY = Policy(parse_offsets("3h"), ZoneInfo("Europe/Amsterdam"))
ZONE = ZoneInfo("Europe/Amsterdam")


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def seconds_until(self, moment: datetime) -> float:
        return max(0.0, (moment - self.at).total_seconds())


@pytest.fixture
async def sessions(migrated_url):
    engine = create_engine(migrated_url)
    yield session_factory(engine)
    await engine.dispose()


@pytest.fixture(scope="module")
def i18n() -> CatalogI18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale="nl")


async def circles(sessions, conferences: int, people: int) -> dict[int, int]:
    """Conferences with a fixed meeting, everyone bound and coming; telegram id -> conference."""
    who: dict[int, int] = {}
    async with SqlUnitOfWork(sessions) as uow:
        await uow.staff.add(StaffMember(PersonId(9001), StaffRole.MANAGER, "Marieke", ("nl",)))
        await uow.staff.add(StaffMember(PersonId(7001), StaffRole.COORDINATOR, "Ayse", ("nl",)))
        for c in range(conferences):
            await identify(uow, PersonId(8000 + c), "Edith", "nl", ("nl", "en"), "nl")
            request = (
                await submit_request(uow, PersonId(8000 + c), "nl", complete_info_talk(), START)
            ).request
            await assign(uow, PersonId(9001), request.id, PersonId(7001), START)
            for p in range(people):
                telegram_id = 100_000 + c * 100 + p
                invitee, token = await invite(
                    uow,
                    PersonId(7001),
                    request.id,
                    InviteeDraft(
                        f"Wim {p}", "familie", Group.FAMILY, "en" if p % 2 else "nl", False
                    ),
                    START,
                )
                await identify(uow, PersonId(telegram_id), f"Wim {p}", "nl", ("nl",), "nl")
                await open_invitation(uow, PersonId(telegram_id), token, START)
                await answer(uow, PersonId(telegram_id), invitee.id, Rsvp.YES, now=START)
                who[telegram_id] = request.id
            await fix_meeting(
                uow, PersonId(7001), request.id, MEETING, Venue("De Linde"), START, POLICY
            )
        await uow.commit()
    return who


async def rows(sessions, model):
    async with SqlUnitOfWork(sessions) as uow:
        return list((await uow.session.execute(select(model.__table__))).all())


async def test_a_wave_gives_each_conference_one_batch_and_marks_every_row(
    sessions, i18n, monkeypatch
):
    monkeypatch.setattr(runner_module, "WAVE", 5)  # several waves, groups split across them
    who = await circles(sessions, conferences=3, people=4)
    async with SqlUnitOfWork(sessions) as uow:
        await mark_unreachable(uow, PersonId(100_102))  # blocked the bot since: skipped
        await uow.commit()
    runner = ReminderRunner(
        sessions, i18n, FixedClock(START + timedelta(hours=1, minutes=1)), ZONE
    )
    assert await runner.run_due() == (11, 1)
    assert await runner.run_due() == (0, 0)
    assert runner.stats == ReminderStats(handed=11, skipped=1, late=0)  # a minute: on time

    reminders = await rows(sessions, ReminderRow)
    assert sorted(r.status for r in reminders) == ["sent"] * 11 + ["skipped"]
    batches = {b.id: b for b in await rows(sessions, OutboxBatchRow)}
    deliveries = {d.person_id: d for d in await rows(sessions, OutboxDeliveryRow)}
    assert set(deliveries) == set(who) - {100_102}
    for reminder in reminders:
        if reminder.status != "sent":
            continue
        batch = batches[reminder.batch_id]
        assert batch.conference_id == reminder.conference_id and batch.report_chat is None
        assert batch.key.startswith(f"reminder:{reminder.conference_id}:before_3h:1:")
    # a group split over two waves is two batches, each under its own key
    assert len(batches) >= 3
    assert len({b.key for b in batches.values()}) == len(batches)
    async with SqlUnitOfWork(sessions) as uow:
        assert await uow.outbox_sending.finish_silent(datetime.now(UTC)) == 0  # nothing sent yet


async def test_reminders_handed_over_a_while_after_their_moment_count_as_late(sessions, i18n):
    await circles(sessions, conferences=1, people=3)
    runner = ReminderRunner(  # the bot was down for ten minutes
        sessions, i18n, FixedClock(START + timedelta(hours=1, minutes=10)), ZONE
    )
    assert await runner.run_due() == (3, 0)
    assert runner.stats == ReminderStats(handed=3, skipped=0, late=3)


async def test_a_wave_settled_elsewhere_meanwhile_is_rolled_back_whole(
    sessions, i18n, monkeypatch
):
    await circles(sessions, conferences=2, people=3)
    hand_over = SqlReminders.hand_over

    async def raced(self, batches, at):  # another wake-up took one of them first
        await self.settle([min(batches)], "skipped", None, at)
        return await hand_over(self, batches, at)

    monkeypatch.setattr(SqlReminders, "hand_over", raced)
    runner = ReminderRunner(sessions, i18n, FixedClock(START + timedelta(hours=2)), ZONE)
    with pytest.raises(HandedElsewhere):
        await runner.run_due()
    assert {r.status for r in await rows(sessions, ReminderRow)} == {"pending"}
    assert await rows(sessions, OutboxBatchRow) == []
    assert await rows(sessions, OutboxDeliveryRow) == []


async def test_the_bulk_reads_agree_with_the_repositories(sessions):
    await circles(sessions, conferences=2, people=3)
    async with SqlUnitOfWork(sessions) as uow:
        meetings = await uow.reminders.meetings([1, 2])
        people = await uow.reminders.invitees(range(1, 7))
        for conference in (ConferenceId(1), ConferenceId(2)):
            assert meetings[conference] == await uow.meetings.get(conference)
            for person in await uow.invitees.of_conference(conference):
                assert people[person.id] == person
