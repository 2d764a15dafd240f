from datetime import UTC, datetime

import pytest

from conference.assignment import assign, meets_preference, rank
from conference.errors import AccessDenied, AlreadyAssigned, NotFound
from conference.model.ids import ConferenceId, PersonId
from conference.model.people import Gender
from conference.model.request import ConferenceRequest, Fit, RequestKind, Status
from conference.requests import identify, submit_request
from tests.unit.examples import AYSE, KEES, complete_info_talk, coordinator
from tests.unit.fakes import FakeUnitOfWork, manager

NAMES = {"tr": {"turks", "turkish"}, "nl": {"nederlands", "dutch"}, "ar": {"arabisch"}}
NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


FATIMA = coordinator(3, "Fatima", ("nl", "ar"), "Amersfoort", Gender.FEMALE)


def request(preference: str | None, languages: tuple[str, ...], region: str) -> ConferenceRequest:
    return ConferenceRequest(
        id=ConferenceId(1),
        reference="EK-2026-0001",
        kind=RequestKind.CONFERENCE,
        status=Status.NEW,
        applicant_id=PersonId(9),
        applicant_name="Edith",
        applicant_locale="nl",
        created_at=NOW,
        region=region,
        coordinator_preference=preference,
        family_languages=languages,
    )


def test_a_preference_is_read_for_gender_and_language():
    assert meets_preference(AYSE, "Een vrouw die Turks spreekt", NAMES)
    assert not meets_preference(KEES, "Een vrouw die Turks spreekt", NAMES)
    assert not meets_preference(FATIMA, "een vrouw die Turks spreekt", NAMES)
    assert meets_preference(KEES, "a man please", NAMES)
    assert not meets_preference(AYSE, "iemand met geduld", NAMES)  # nothing we can check
    assert not meets_preference(AYSE, None, NAMES)


def test_preference_and_shared_language_first_then_region_then_load():
    wanted = request("een vrouw die Turks spreekt", ("nl", "tr"), "Utrecht")
    ranked = rank(wanted, [(KEES, 0), (FATIMA, 0), (AYSE, 5)], NAMES)
    assert [c.coordinator.name for c in ranked] == ["Ayse", "Kees", "Fatima"]
    assert ranked[0].fits == {Fit.PREFERENCE, Fit.LANGUAGE, Fit.REGION}
    # without a preference, region decides, then the lighter load
    plain = request(None, ("nl",), "Amersfoort")
    assert [
        c.coordinator.name for c in rank(plain, [(AYSE, 1), (KEES, 0), (FATIMA, 3)], NAMES)
    ] == ["Fatima", "Kees", "Ayse"]


async def test_assign_checks_the_manager_the_request_and_the_coordinator():
    uow = FakeUnitOfWork()
    await uow.staff.add(manager(100))
    await uow.staff.add(AYSE)
    await identify(uow, PersonId(9), "Edith", "nl", ("nl",), "nl")
    submitted = await submit_request(uow, PersonId(9), "nl", complete_info_talk(), NOW)
    cid = submitted.request.id
    with pytest.raises(AccessDenied):
        await assign(uow, AYSE.person_id, cid, AYSE.person_id, NOW)  # a coordinator
    with pytest.raises(NotFound):
        await assign(uow, PersonId(100), cid, PersonId(100), NOW)  # a manager is no coordinator
    done = await assign(uow, PersonId(100), cid, AYSE.person_id, NOW)
    assert done.request.status is Status.PREPARING
    assert done.request.coordinator_id == AYSE.person_id
    with pytest.raises(AlreadyAssigned):
        await assign(uow, PersonId(100), cid, AYSE.person_id, NOW)


def test_working_days_skip_the_weekend():
    from datetime import date

    from conference.assignment import working_days_between

    friday = date(2026, 11, 27)
    assert working_days_between(friday, date(2026, 11, 29)) == 0  # Sat, Sun
    assert working_days_between(friday, date(2026, 11, 30)) == 1  # Monday
    assert working_days_between(friday, date(2026, 12, 1)) == 2
    assert working_days_between(date(2026, 11, 24), date(2026, 11, 24)) == 0


async def test_overdue_requests_are_flagged_once():
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from conference.assignment import flag_overdue

    zone = ZoneInfo("Europe/Amsterdam")
    uow = FakeUnitOfWork()
    await uow.staff.add(manager(100))
    await identify(uow, PersonId(9), "Edith", "nl", ("nl",), "nl")
    friday = datetime(2026, 11, 27, 16, 0, tzinfo=UTC)
    await submit_request(uow, PersonId(9), "nl", complete_info_talk(), friday)
    assert (await flag_overdue(uow, friday + timedelta(days=3), zone)).requests == []  # Mon
    found = await flag_overdue(uow, friday + timedelta(days=4), zone)  # Tuesday
    assert [r.reference for r in found.requests] == ["EK-2026-0001"]
    assert [m.person_id for m in found.managers] == [100]
    assert (await flag_overdue(uow, friday + timedelta(days=9), zone)).requests == []
