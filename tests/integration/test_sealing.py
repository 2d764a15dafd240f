"""Encryption at rest against a real database (SQLite, and PostgreSQL): what the repositories
write is sealed in the database itself, values from before sealing are sealed by the first start,
and `kring keys rotate` brings every value under a new key while kring goes on writing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot.app import Kring
from bot.config import Settings
from conference.assignment import assign
from conference.circle import invite
from conference.intake import first_unanswered
from conference.model.circle import Allergen, Diet, Food, Group, InviteeDraft, Needs
from conference.model.ids import ConferenceId, PersonId
from conference.model.meeting import Meeting, Venue
from conference.model.people import StaffMember, StaffRole
from conference.model.request import ApplicantRole, ConferenceModel, RequestDraft, RequestKind
from conference.requests import identify, submit_request
from storage.crypto import KeyRing, key_id, new_key
from storage.db import create_engine, session_factory
from storage.migrate import downgrade, upgrade
from storage.uow import SqlUnitOfWork
from tests.integration.commands import kring
from tests.raw_database import raw_values, sqlite_bytes

NOW = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
# the migration before sealing began (0025 widens the sealed columns)
BEFORE_SEALING = "0024"

QUESTION = "Hoe kunnen we samen zorgen dat Noor weer naar school gaat?"
CONCERNS = "Moeder is psychiatrisch patiënt; vader blowt te veel; geldzorgen."
PREFERENCE = "Een vrouw die Tigrinya spreekt"
PHONE = "+31612345678"
NO_REASON = "Ik lig in het ziekenhuis, sorry"
REACH = "Oom Kees, 0687654321"
INTERPRETER = "Meryem van de moskee"
DRAFT = "Noor spijbelt sinds de scheiding"
# the meeting at a family's home: its name, address and coordinates tell where they live
VENUE = Venue("Bij oma Edith thuis", "Kastanjelaan 17, Zeist", 52.0897123, 5.2312345)
# what a leaked copy of the database must not show ("halal" and "peanuts": a diet and an
# allergen, stored as codes)
SECRETS = (
    QUESTION,
    "psychiatrisch",
    PREFERENCE,
    PHONE,
    NO_REASON,
    "0687654321",
    INTERPRETER,
    DRAFT,
    "halal",
    "peanuts",
    VENUE.name,
    VENUE.address,
    "52.0897123",
    "5.2312345",
)


def request_draft() -> RequestDraft:
    draft = RequestDraft(
        kind=RequestKind.CONFERENCE,
        subject_name="Noor",
        subject_age=8,
        question=QUESTION,
        concerns=CONCERNS,
        coordinator_preference=PREFERENCE,
        region="Utrecht",
        phone=PHONE,
        role=ApplicantRole.FAMILY,
        model=ConferenceModel.FAMILY,
        languages=("nl",),
        consent=True,
    )
    while (step := first_unanswered(draft)) is not None:
        draft = draft.with_answer(step)
    return draft


async def fill(engine: AsyncEngine) -> tuple[ConferenceId, int]:
    """A request with every sealed kind of value, and an invitee who typed and chose things."""
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        await identify(uow, PersonId(8000), "Edith", "nl", ("nl",), "nl")
        request = (await submit_request(uow, PersonId(8000), "nl", request_draft(), NOW)).request
        await uow.staff.add(StaffMember(PersonId(9001), StaffRole.MANAGER, "Marieke", ("nl",)))
        await uow.staff.add(StaffMember(PersonId(7001), StaffRole.COORDINATOR, "Ayse", ("nl",)))
        await assign(uow, PersonId(9001), request.id, PersonId(7001), NOW)
        wim, _ = await invite(
            uow,
            PersonId(7001),
            request.id,
            InviteeDraft("Wim", "broer", Group.FAMILY, "nl", False),
            NOW,
        )
        await uow.invitees.set_food(
            wim.id, Food(True, Diet.HALAL, frozenset({Allergen.PEANUTS, Allergen.GLUTEN}))
        )
        await uow.invitees.set_needs(wim.id, Needs(interpreter=INTERPRETER))
        await uow.invitees.set_no_reason_text(wim.id, NO_REASON)
        await uow.invitees.add_suggestion(wim, "Kees", "oom", REACH, NOW)
        await uow.conversations.set_data("8000:8000", {"question": DRAFT})
        await uow.meetings.save(Meeting(request.id, NOW + timedelta(days=20), VENUE))
        await uow.commit()
    return request.id, wim.id


async def read_back(engine: AsyncEngine, conference: ConferenceId, invitee_id: int) -> None:
    async with SqlUnitOfWork(session_factory(engine)) as uow:
        request = await uow.conferences.get(conference)
        wim = await uow.invitees.get(invitee_id)
        _, draft = await uow.conversations.get("8000:8000")
        meeting = await uow.meetings.get(conference)
    assert request is not None and wim is not None
    assert (request.question, request.concerns) == (QUESTION, CONCERNS)
    assert (request.coordinator_preference, request.contact_phone) == (PREFERENCE, PHONE)
    assert wim.food.diet is Diet.HALAL
    assert wim.food.allergens == {Allergen.PEANUTS, Allergen.GLUTEN}
    assert wim.needs.interpreter == INTERPRETER and wim.no_reason_text == NO_REASON
    assert draft == {"question": DRAFT}
    assert meeting.venue == VENUE


async def test_the_database_holds_no_typed_text_phone_or_diet(migrated_url: str):
    engine = create_engine(migrated_url)
    try:
        conference, invitee_id = await fill(engine)
        await read_back(engine, conference, invitee_id)
    finally:
        await engine.dispose()
    stored = await raw_values(migrated_url)
    everything = "\n".join(v for values in stored.values() for v in values)
    for secret in SECRETS:
        assert secret not in everything
    for column in ("conference.question", "conference.contact_phone", "invitee.diet"):
        assert stored[column] and all(v.startswith("k1:") for v in stored[column]), column
    if make_url(migrated_url).get_backend_name() == "sqlite":
        on_disk = sqlite_bytes(migrated_url)
        assert b"Edith" in on_disk  # names stay plain (the check can find what is there)
        for secret in SECRETS:
            assert secret.encode() not in on_disk, secret


async def test_values_from_before_sealing_are_sealed_by_the_first_start(migrated_url: str):
    engine = create_engine(migrated_url)
    try:
        conference, invitee_id = await fill(engine)
    finally:
        await engine.dispose()
    # the database as it was before this version: the same values, in plain text
    plain = create_async_engine(migrated_url)
    async with plain.begin() as connection:
        await connection.execute(
            text(
                "UPDATE conference SET question = :q, concerns = :c, "
                "coordinator_preference = :p, contact_phone = :phone"
            ),
            {"q": QUESTION, "c": CONCERNS, "p": PREFERENCE, "phone": PHONE},
        )
        await connection.execute(
            text(
                "UPDATE invitee SET diet = 'halal', allergens = 'gluten,peanuts', "
                "interpreter = :i, no_reason_text = :n"
            ),
            {"i": INTERPRETER, "n": NO_REASON},
        )
        await connection.execute(text("UPDATE suggestion SET reach = :r"), {"r": REACH})
        await connection.execute(
            text(
                "UPDATE conference SET venue_name = :n, venue_address = :a, "
                "venue_latitude = :lat, venue_longitude = :lon"
            ),  # as text: the columns are TEXT at head; the way back makes numbers of them
            {"n": VENUE.name, "a": VENUE.address, "lat": "52.0897123", "lon": "5.2312345"},
        )
        await connection.execute(
            text("UPDATE conversation SET data = :d"), {"d": '{"question":"' + DRAFT + '"}'}
        )
    await plain.dispose()
    await downgrade(migrated_url, BEFORE_SEALING)  # plain values fit the old widths

    # read as they are meanwhile (by an engine of this version)
    engine = create_engine(migrated_url)
    try:
        await upgrade(migrated_url)
        await read_back(engine, conference, invitee_id)
    finally:
        await engine.dispose()
    await downgrade(migrated_url, BEFORE_SEALING)

    app = await Kring.create(
        Settings(bot_token="123456:kring-test-token", database_url=migrated_url, _env_file=None)
    )
    try:
        await read_back(app.engine, conference, invitee_id)
    finally:
        await app.close()
    stored = await raw_values(migrated_url)
    everything = "\n".join(v for values in stored.values() for v in values)
    for secret in SECRETS:
        assert secret not in everything
    if make_url(migrated_url).get_backend_name() == "sqlite":  # nor the file's free pages
        on_disk = sqlite_bytes(migrated_url)
        for secret in SECRETS:
            assert secret.encode() not in on_disk, secret


async def test_rotation_seals_everything_under_the_new_key_while_kring_writes(
    migrated_url: str, tmp_path: Path
):
    old, new = new_key(), new_key()
    old_ring, both = KeyRing.parse(old), KeyRing.parse(f"{new},{old}")
    engine = create_engine(migrated_url, old_ring)
    try:
        conference, invitee_id = await fill(engine)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            for n in range(450):  # more than two batches of one column
                await uow.conversations.set_data(f"drafts:{n}", {"question": f"{DRAFT} {n}"})
            await uow.commit()
    finally:
        await engine.dispose()

    # kring, restarted with the new key first, goes on writing while the rotation runs
    running = create_engine(migrated_url, both)
    stop = asyncio.Event()

    async def keep_writing() -> int:
        written = 0
        while not stop.is_set():
            async with SqlUnitOfWork(session_factory(running)) as uow:
                await uow.conversations.set_data(
                    f"drafts:{written % 450}", {"question": f"nieuw {written}"}
                )
                await uow.commit()
            written += 1
            await asyncio.sleep(0.005)
        return written

    writer = asyncio.create_task(keep_writing())
    env = {"KRING_DATABASE_URL": migrated_url, "KRING_DATA_KEY": f"{new},{old}"}
    try:
        rotated = await asyncio.to_thread(kring, "keys", "rotate", cwd=tmp_path, **env)
    finally:
        stop.set()
        written = await writer
        await running.dispose()
    assert rotated.returncode == 0, rotated.stderr
    assert written > 0
    assert "conversation.data" in rotated.stdout and "conference.question" in rotated.stdout
    assert old not in rotated.stdout + rotated.stderr and new not in rotated.stdout
    assert key_id(old_ring.keys[0]) in rotated.stdout  # which key may go now

    stored = await raw_values(migrated_url)
    new_id = both.newest_id
    for column, values in stored.items():
        assert all(v.startswith(f"k1:{new_id}:") for v in values), column

    # the old key removed: everything still reads, the writer's latest values too
    engine = create_engine(migrated_url, KeyRing.parse(new))
    try:
        await read_back(engine, conference, invitee_id)
        async with SqlUnitOfWork(session_factory(engine)) as uow:
            _, last = await uow.conversations.get(f"drafts:{(written - 1) % 450}")
            _, untouched = await uow.conversations.get("drafts:449")
    finally:
        await engine.dispose()
    assert last == {"question": f"nieuw {written - 1}"}  # never undone by the rotation
    assert untouched["question"].startswith((DRAFT, "nieuw"))


async def test_a_value_under_a_key_not_given_stops_the_rotation_with_its_id(
    migrated_url: str, tmp_path: Path
):
    old, new = new_key(), new_key()
    engine = create_engine(migrated_url, KeyRing.parse(old))
    try:
        await fill(engine)
    finally:
        await engine.dispose()
    env = {"KRING_DATABASE_URL": migrated_url, "KRING_DATA_KEY": new}
    rotated = await asyncio.to_thread(kring, "keys", "rotate", cwd=tmp_path, **env)
    assert rotated.returncode == 1
    assert KeyRing.parse(old).newest_id in rotated.stderr
    assert old not in rotated.stderr and "Traceback" not in rotated.stderr
    for secret in SECRETS:
        assert secret not in rotated.stderr + rotated.stdout


def test_keys_new_prints_a_key_and_postgres_without_one_says_how(tmp_path: Path):
    made = kring("keys", "new", cwd=tmp_path)
    assert made.returncode == 0 and len(KeyRing.parse(made.stdout.strip()).keys) == 1
    url = "postgresql+asyncpg://kring@127.0.0.1:9/kring"
    refused = kring("jobs", "list", cwd=tmp_path, KRING_DATABASE_URL=url)
    assert refused.returncode == 2
    assert refused.stderr.startswith("kring: configuration error: KRING_DATA_KEY: missing")
    assert "kring keys new" in refused.stderr
