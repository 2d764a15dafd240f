"""Example data the unit tests share: a complete request, the coordinators Ayse and Kees, a
conference assigned to Ayse and a circle of three who opened their links. Plain values and
functions; each call builds its own fake database (tests/unit/fakes.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from conference.assignment import assign
from conference.circle import answer, invite, open_invitation
from conference.model.circle import Group, Invitee, InviteeDraft, Rsvp
from conference.model.ids import ConferenceId, PersonId
from conference.model.people import Gender, StaffMember, StaffRole
from conference.model.request import Field, RequestDraft, RequestKind
from conference.requests import identify, submit_request
from tests.unit.fakes import FakeUnitOfWork, manager

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)


def complete_info_talk() -> RequestDraft:
    """A request for an information talk with every step answered, ready to submit."""
    draft = RequestDraft(kind=RequestKind.INFO_TALK, region="Utrecht")
    for step in (Field.REGION, Field.CONTACT):
        draft = draft.with_answer(step)
    return draft.with_answer(Field.CONSENT, consent=True)


def coordinator(
    pid: int, name: str, languages: tuple[str, ...], region: str, gender: Gender | None = None
) -> StaffMember:
    return StaffMember(
        PersonId(pid), StaffRole.COORDINATOR, name, languages, region, gender=gender
    )


AYSE = coordinator(1, "Ayse", ("nl", "tr"), "Utrecht", Gender.FEMALE)
KEES = coordinator(2, "Kees", ("nl",), "Utrecht", Gender.MALE)


async def conference_of_ayse() -> tuple[FakeUnitOfWork, ConferenceId]:
    """Edith (9) asked for an information talk; manager 100 assigned it to Ayse."""
    uow = FakeUnitOfWork()
    await uow.staff.add(manager(100))
    await uow.staff.add(AYSE)
    await uow.staff.add(KEES)
    await identify(uow, PersonId(9), "Edith", "nl", ("nl",), "nl")
    submitted = await submit_request(uow, PersonId(9), "nl", complete_info_talk(), NOW)
    await assign(uow, PersonId(100), submitted.request.id, AYSE.person_id, NOW)
    return uow, submitted.request.id


async def circle_of_three() -> tuple[FakeUnitOfWork, ConferenceId, dict[str, Invitee]]:
    """Frank (father, must attend), Wim (English), Riet (said no); all opened their links."""
    uow, conference = await conference_of_ayse()
    people = {}
    for person_id, draft in (
        (501, InviteeDraft("Frank", "vader", Group.FAMILY, "nl", must_attend=True)),
        (502, InviteeDraft("Wim", "broer", Group.FAMILY, "en", must_attend=False)),
        (503, InviteeDraft("Riet", "oma", Group.FAMILY, "nl", must_attend=False)),
    ):
        _invitee, token = await invite(uow, AYSE.person_id, conference, draft, NOW)
        await uow.persons.upsert(PersonId(person_id), draft.name, draft.locale)
        people[draft.name] = await open_invitation(uow, PersonId(person_id), token, NOW)
    await answer(uow, PersonId(503), people["Riet"].id, Rsvp.NO, now=NOW)
    return uow, conference, people
