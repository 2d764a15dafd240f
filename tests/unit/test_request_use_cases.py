from datetime import UTC, datetime

import pytest

from conference.errors import AccessDenied, Incomplete, NotFound
from conference.model.ids import ConferenceId, PersonId
from conference.model.people import StaffMember, StaffRole
from conference.model.request import RequestDraft
from conference.requests import identify, mark_unreachable, open_request, submit_request
from tests.unit.examples import complete_info_talk
from tests.unit.fakes import FakeUnitOfWork, manager

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
WIM = PersonId(501)


async def test_first_contact_creates_the_person_in_their_telegram_language():
    uow = FakeUnitOfWork()
    person = await identify(uow, WIM, "Wim", "en-GB", ("nl", "en"), "nl")
    assert person.locale == "en"
    await uow.persons.set_locale(WIM, "nl")
    again = await identify(uow, WIM, "Wim", "en-GB", ("nl", "en"), "nl")
    assert again.locale == "nl"  # a chosen language is kept


async def test_writing_again_makes_an_unreachable_person_reachable():
    uow = FakeUnitOfWork()
    await identify(uow, WIM, "Wim", "nl", ("nl",), "nl")
    await mark_unreachable(uow, WIM)
    assert not (await uow.persons.get(WIM)).reachable
    assert (await identify(uow, WIM, "Wim", "nl", ("nl",), "nl")).reachable


async def test_submit_numbers_requests_per_year_and_returns_the_managers():
    uow = FakeUnitOfWork()
    await uow.staff.add(manager(1))
    await uow.staff.add(StaffMember(PersonId(2), StaffRole.COORDINATOR, "Kees"))
    await identify(uow, WIM, "Wim", "nl", ("nl",), "nl")
    first = await submit_request(uow, WIM, "nl", complete_info_talk(), NOW)
    second = await submit_request(uow, WIM, "nl", complete_info_talk(), NOW)
    assert (first.request.reference, second.request.reference) == ("EK-2026-0001", "EK-2026-0002")
    assert [m.person_id for m in first.managers] == [1]
    assert "request.submitted" in [e[1] for e in uow.audit.entries]
    assert uow.commits == 0  # the caller owns the transaction


async def test_an_incomplete_draft_is_refused():
    uow = FakeUnitOfWork()
    await identify(uow, WIM, "Wim", "nl", ("nl",), "nl")
    draft = complete_info_talk()
    no_consent = RequestDraft(kind=draft.kind, region="Utrecht", answered=draft.answered)
    with pytest.raises(Incomplete):
        await submit_request(uow, WIM, "nl", no_consent, NOW)
    assert uow.conferences.rows == {}


async def test_only_a_manager_opens_a_request():
    uow = FakeUnitOfWork()
    await uow.staff.add(manager(1))
    await uow.staff.add(StaffMember(PersonId(2), StaffRole.COORDINATOR, "Kees"))
    await identify(uow, WIM, "Wim", "nl", ("nl",), "nl")
    submitted = await submit_request(uow, WIM, "nl", complete_info_talk(), NOW)
    request_id = submitted.request.id
    assert (await open_request(uow, PersonId(1), request_id)).reference == "EK-2026-0001"
    for outsider in (WIM, PersonId(2), PersonId(999)):
        with pytest.raises(AccessDenied):
            await open_request(uow, outsider, request_id)
    with pytest.raises(NotFound):
        await open_request(uow, PersonId(1), ConferenceId(404))
