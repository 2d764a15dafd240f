"""Staff without dead ends: invited by a link instead of a Telegram id, their own command menu,
/help by role, and from an assigned request onward to the conference."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from conference.model.ids import PersonId
from conference.model.people import Gender, StaffRole
from conference.staffing import invite_staff
from emulator import BotApiEmulator
from tests.flows.steps import TOKEN, Running, assigned_conference, invite_wim, ready_manager


async def kring_cli(kring: Running, cwd: Path, *args: str) -> tuple[int, str]:
    """`kring ...` as the operator types it, against this bot's emulator and database."""
    env = {
        k: v for k, v in os.environ.items() if not k.startswith("KRING_") or k == "KRING_DATA_KEY"
    }
    env |= {
        "KRING_BOT_TOKEN": TOKEN,
        "KRING_API_BASE": kring.emu.base_url,
        "KRING_DATABASE_URL": kring.settings.database_url,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        *args,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return process.returncode, out.decode()


def menus_for(emu: BotApiEmulator, chat_id: int, method: str) -> list[list[str]]:
    return [
        [c["command"] for c in call.params.get("commands", [])]
        for call in emu.calls_to(method, ok=True)
        if (call.params.get("scope") or {}).get("chat_id") == chat_id
    ]


async def test_an_invite_link_makes_a_coordinator_with_her_own_menu(
    emu: BotApiEmulator, kring: Running, tmp_path: Path
):
    code, out = await kring_cli(
        kring,
        tmp_path,
        "staff",
        "invite",
        "--role",
        "coordinator",
        "--name",
        "Ayse Demir",
        "--languages",
        "nl,tr",
        "--region",
        "Utrecht",
        "--gender",
        "f",
    )
    assert code == 0, out
    # the whole token: one may end in "-", where a word boundary would cut it short
    link = re.search(r"https://t\.me/kring_test_bot\?start=([A-Za-z0-9_-]{30,64})(?![\w-])", out)
    assert link is not None, out  # the bot's name comes from Telegram (getMe)
    token = link.group(1)

    ayse = emu.user("Ayse", language_code="nl")
    await ayse.send_text(f"/start {token}")
    assert "Welkom, Ayse Demir! ✓" in ayse.last.text
    assert "/conferences" in ayse.last.text
    async with kring.uow() as uow:
        member = await uow.staff.get(PersonId(ayse.id))
    assert member is not None and member.role is StaffRole.COORDINATOR
    assert member.languages == ("nl", "tr") and member.region == "Utrecht"
    assert member.gender is Gender.FEMALE
    # her own menu, in her chat only, in Dutch
    menus = menus_for(emu, ayse.id, "setMyCommands")
    assert menus and "conferences" in menus[-1] and "apply" not in menus[-1]
    await ayse.send_text("/help")
    assert "/conferences" in ayse.last.text

    # the link works once: somebody else who opens it is refused, kindly
    wim = emu.user("Wim", language_code="nl")
    await wim.send_text(f"/start {token}")
    assert "al gebruikt" in wim.last.text
    async with kring.uow() as uow:
        assert await uow.staff.get(PersonId(wim.id)) is None

    # no longer staff: the menu goes
    code, out = await kring_cli(kring, tmp_path, "staff", "remove", "--telegram-id", str(ayse.id))
    assert code == 0, out
    assert menus_for(emu, ayse.id, "deleteMyCommands") == [[]]


async def test_an_expired_or_unknown_link_is_refused_kindly(emu: BotApiEmulator, kring: Running):
    async with kring.uow() as uow:
        token, _invite = await invite_staff(
            uow,
            StaffRole.MANAGER,
            "Marieke",
            ("nl",),
            None,
            None,
            datetime.now(UTC) - timedelta(days=8),
        )
        await uow.commit()
    marieke = emu.user("Marieke", language_code="nl")
    await marieke.send_text(f"/start {token}")
    assert "verlopen" in marieke.last.text
    await marieke.send_text(f"/start {token[:-3]}abc")
    assert "ken ik niet" in marieke.last.text
    async with kring.uow() as uow:
        assert await uow.staff.get(PersonId(marieke.id)) is None


async def test_help_says_what_each_role_can_do(emu: BotApiEmulator, kring: Running):
    manager = await ready_manager(emu, kring)
    await manager.send_text("/help")
    assert "/requests" in manager.last.text
    assert "requests" in menus_for(emu, manager.id, "setMyCommands")[-1]  # at /start

    ayse = await assigned_conference(emu, kring)
    token = await invite_wim(ayse)
    await ayse.send_text("/help")
    assert "/conferences" in ayse.last.text
    wim = emu.user("Wim", language_code="en")
    await wim.send_text(f"/start {token}")
    await wim.send_text("/help")
    assert "/me" in wim.last.text and "/apply" not in wim.last.text
    edith = emu.user("Edith", language_code="nl")
    await edith.send_text("/help")
    assert "/apply" in edith.last.text


async def test_the_assigned_request_leads_on_to_the_conference(
    emu: BotApiEmulator, kring: Running
):
    ayse = await assigned_conference(emu, kring)
    notice = await ayse.wait_for("Je bent de coördinator van")
    await ayse.press("Open aanvraag", message=notice)
    assert "Zeist" in ayse.last.text  # the request's details
    await ayse.press("👥 Naar de conferentie en de kring")
    assert "Nog niemand" in ayse.last.text  # the circle, ready to be built
    assert "➕ Persoon toevoegen" in [b for row in ayse.last.buttons for b in row]
