"""The nightly retention on a real database, with the clock moved by hand: a conference whose
follow-up is done closes, keeps its data KRING_RETENTION_DAYS, then loses it; strangers who
never took part go after a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from conference.erasure import apply_retention
from conference.model.ids import PersonId
from conference.model.request import RequestDraft, Status
from storage.db import create_engine, session_factory
from storage.tables import ConferenceRow, PersonRow
from storage.uow import SqlUnitOfWork
from tests.traces import traces

KEEP = timedelta(days=365)


async def test_closed_conferences_are_erased_after_the_retention(migrated_url):
    start = datetime(2027, 3, 1, 9, tzinfo=UTC)
    real = datetime.now(UTC)
    engine = create_engine(migrated_url)
    sessions = session_factory(engine)
    async with SqlUnitOfWork(sessions) as uow:
        edith = await uow.persons.upsert(PersonId(61001), "Edith", "nl")
        await uow.persons.upsert(PersonId(61002), "Kim", "nl")  # wrote once, took no part
        question = "Waar woont Noor veilig?"
        draft = RequestDraft(subject_name="Noor", question=question, region="Zeist")
        done = await uow.conferences.add("EK-2027-0001", edith, "nl", draft, start)
        await uow.conferences.add("EK-2027-0002", edith, "nl", draft, start)
        await uow.conferences.set_status(done.id, Status.FOLLOW_UP)
        await uow.commit()

    async def night(now: datetime, stamped: datetime) -> tuple[int, int, int]:
        async with SqlUnitOfWork(sessions) as uow:
            result = await apply_retention(uow, now, KEEP, stamped)
            await uow.commit()
        return result.closed, result.conferences, result.strangers

    assert await night(start, real) == (1, 0, 0)  # closes; Kim came today
    assert await night(start + KEEP - timedelta(days=1), real) == (0, 0, 0)
    assert "ConferenceRow: Noor" in await traces(migrated_url, ["Noor"])  # kept a year (sealed)
    assert await night(start + KEEP + timedelta(days=1), real + timedelta(days=2)) == (0, 1, 1)
    async with SqlUnitOfWork(sessions) as uow:
        rows = {c.reference: c for c in (await uow.session.scalars(select(ConferenceRow))).all()}
        assert rows["EK-2027-0001"].question is None and rows["EK-2027-0001"].erased_at
        assert rows["EK-2027-0002"].question  # still open: kept
        persons = set((await uow.session.scalars(select(PersonRow.id))).all())
        assert 61002 not in persons and 61001 in persons  # Edith still has an open request
    assert await night(start + KEEP + timedelta(days=2), real + timedelta(days=3)) == (0, 0, 0)
    await engine.dispose()
