"""The regional manager sees the open requests and assigns a coordinator who fits."""

from __future__ import annotations

from emulator import BotApiEmulator
from tests.flows.steps import (
    QUESTION_EN,
    Running,
    add_coordinators,
    press_forged,
    ready_manager,
    request_on_the_managers_screen,
    walk_intake,
)


async def test_manager_assigns_the_best_fitting_coordinator(emu: BotApiEmulator, kring: Running):
    manager = await ready_manager(emu, kring)
    assert "/requests" in manager.last.text
    await add_coordinators(kring)
    ayse = emu.user("Ayse", language_code="nl", user_id=7001)
    await ayse.send_text("/start")
    edith = emu.user("Edith", language_code="en")
    await walk_intake(edith, "en", QUESTION_EN)  # Dutch and Turkish, no preference
    await edith.press("✅ Send")

    await manager.send_text("/requests")
    assert "Open aanvragen" in manager.last.text and "(1)" in manager.last.text
    await manager.press("EK-", contains=True)
    details = manager.last.text
    assert details.index("Ayse Demir") < details.index("Kees")  # speaks Turkish, lives there
    assert "taal ✓" in details and "regio ✓" in details
    await manager.press("Toewijzen aan Ayse Demir")
    assert "toegewezen aan Ayse Demir ✓" in manager.last.text

    told = await ayse.wait_for("Je bent de coördinator van EK-")
    await ayse.press("Open aanvraag", message=told)
    assert QUESTION_EN in ayse.last.text  # the coordinator reads the request
    news = await edith.wait_for("Good news")
    assert "Ayse" in news.text and "Demir" not in news.text  # first name only

    await manager.send_text("/requests")
    assert "Er zijn geen open aanvragen" in manager.last.text


async def test_only_a_manager_assigns_and_only_once(emu: BotApiEmulator, kring: Running):
    manager, kees, edith = await request_on_the_managers_screen(emu, kring, 7002, "Kees")
    assign_data = manager.last.callback_data("Toewijzen aan Kees")

    await kees.send_text("/requests")
    assert "alleen voor regiomanagers" in kees.last.text
    await press_forged(kees, assign_data)  # a coordinator assigns himself
    assert "alleen voor regiomanagers" in kees.callback_answers[-1]
    await press_forged(edith, assign_data)  # and the applicant tries too
    assert "alleen voor regiomanagers" in edith.callback_answers[-1]

    await manager.press("Toewijzen aan Kees")
    await press_forged(manager, assign_data)  # twice
    assert "al toegewezen" in manager.callback_answers[-1]
    assert sum("Je bent de coördinator" in (m.text or "") for m in kees.messages) == 1


async def test_a_request_waiting_two_working_days_is_flagged_to_managers_once(
    emu: BotApiEmulator, kring: Running
):
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import update

    from storage.tables import ConferenceRow

    manager, _, _ = await request_on_the_managers_screen(emu, kring, 7002, "Kees")
    assert kring.app is not None
    assert await kring.app.jobs.flag_overdue_requests() == 0  # just came in
    async with kring.uow() as uow:
        await uow.session.execute(
            update(ConferenceRow).values(created_at=datetime.now(UTC) - timedelta(days=6))
        )
        await uow.session.commit()
    assert await kring.app.jobs.flag_overdue_requests() == 1
    notice = await manager.wait_for("twee werkdagen")
    assert notice.buttons[0][0].startswith("EK-")
    assert await kring.app.jobs.flag_overdue_requests() == 0  # told once
