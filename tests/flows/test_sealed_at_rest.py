"""The intake, played on the phone, leaves no question, worry or phone number readable in the
database: not in the draft while it is typed, the inbox, nor the request itself;
the manager still reads them."""

from __future__ import annotations

from emulator import BotApiEmulator
from tests.flows.steps import QUESTION_NL, Running, ready_manager, walk_intake
from tests.raw_database import raw_values, sqlite_bytes

CONCERN = "geldzorgen"
PHONE = "+31600000000"  # what the emulator shares as the phone number


async def assert_unreadable(url: str, *secrets: str) -> None:
    stored = await raw_values(url)
    everything = "\n".join(v for values in stored.values() for v in values)
    on_disk = sqlite_bytes(url)
    for secret in secrets:
        assert secret not in everything, secret
        assert secret.encode() not in on_disk, secret


async def test_an_intake_leaves_nothing_readable_in_the_database(
    emu: BotApiEmulator, kring: Running
):
    manager = await ready_manager(emu, kring)
    edith = emu.user("Edith", language_code="nl")
    await walk_intake(edith, "nl", QUESTION_NL)
    url = kring.settings.database_url
    stored = await raw_values(url)
    assert stored["conversation.data"]  # the draft is there, sealed
    await assert_unreadable(url, QUESTION_NL, CONCERN, PHONE)

    await edith.press("✅ Versturen")
    notice = await manager.wait_for("EK-")
    await manager.press("Open aanvraag", message=notice)
    assert QUESTION_NL in manager.last.text and CONCERN in manager.last.text
    stored = await raw_values(url)
    assert stored["conference.question"] and stored["conference.contact_phone"]
    await assert_unreadable(url, QUESTION_NL, CONCERN, PHONE)
