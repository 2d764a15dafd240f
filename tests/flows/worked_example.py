"""The worked example of DOMAIN.md, several people at once on their own phones: Edith asks for
help with Johan (8), the manager assigns Ayse, Ayse invites the circle (Wim in English), they
answer, vote on dates, the father proposes a place, Ayse fixes the best date, and everyone who
comes gets the date, the place and a calendar file in their own language. Played by
tests/flows/test_worked_example.py against one `kring run`, and by
tests/integration/test_three_instances.py against three `kring serve` processes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar

from emulator import BotApiEmulator, Person
from emulator.view import BotMessage
from tests.flows.steps import (
    Running,
    assigned_conference,
    invite,
    last_message_containing,
    messages_since,
)

ZONE = ZoneInfo("Europe/Amsterdam")


def slot_texts(days: tuple[int, ...]) -> tuple[list[str], list[datetime]]:
    """Dates a few weeks ahead, typed the Dutch way (3-7 10:00)."""
    today = datetime.now(ZONE).replace(second=0, microsecond=0)
    moments = [
        (today + timedelta(days=d)).replace(hour=10 if i % 2 == 0 else 14, minute=0)
        for i, d in enumerate(days)
    ]
    return [f"{m.day}-{m.month} {m:%H:%M}" for m in moments], moments


async def vote(person: Person, taps: list[int]) -> None:
    """Tap each date's button `taps[i]` times on the ballot (1 yes, 2 if need be, 3 no)."""
    ballot = await person.wait_for(lambda m: any("❔" in b for row in m.buttons for b in row))
    for index, count in enumerate(taps):
        for _ in range(count):
            label = BotMessage(person.chat.get(ballot.message_id), person.emu.files).buttons[
                index
            ][0]
            await person.press(label, message=ballot)
    assert "✓" in person.callback_answers[-1] or "Saved" in person.callback_answers[-1]


async def play_the_worked_example(
    emu: BotApiEmulator, kring: Running, midway: Callable[[], Awaitable[None]] | None = None
) -> None:
    """The whole story; `midway` runs once everyone has voted (a test's moment to strike)."""
    ayse = await assigned_conference(emu, kring)
    circle = [  # name, relation, group, language, must attend, phone language, answer
        ("Frank", "vader", "familie", "Nederlands", True, "nl", "✅ Ja, ik kom"),
        ("Sandra", "moeder", "familie", "Nederlands", True, "nl", "✅ Ja, ik kom"),
        ("Wim", "broer", "familie", "English", False, "en", "✅ Yes, I'm coming"),
        ("Edith", "tante", "familie", "Nederlands", False, "nl", "🤔 Misschien"),
        ("Herman", "oom", "familie", "Nederlands", False, "nl", "✅ Ja, ik kom"),
        ("Jan", "opa", "familie", "Nederlands", False, "nl", "✅ Ja, ik kom"),
        ("Riet", "oma", "familie", "Nederlands", False, "nl", "Nee, ik kan niet"),
        ("Mevrouw Bos", "gezinsvoogd", "professional", "Nederlands", False, "nl", None),
    ]
    people: dict[str, Person] = {}
    for name, relation, group, language, must, phone, answer in circle:
        token = await invite(ayse, name, relation, group, language, must)
        person = emu.user(name.split()[-1], language_code=phone)
        await person.send_text(f"/start {token}")
        if answer:
            await person.press(answer)
        people[name] = person
    wim, frank, jan, riet = people["Wim"], people["Frank"], people["Jan"], people["Riet"]
    # in English, in place: the invitation changed, no new message
    assert last_message_containing(wim.messages, "Great that you're coming!").edited
    await frank.press("🍽 Eten en drinken")
    await frank.press("Ja, dat mag")
    await frank.press("Halal")
    await wim.press("➕ Who else should we ask?")
    await wim.send_text("Meester Kees")
    await wim.send_text("Johan's teacher")
    await wim.send_text("via school")
    suggestion = await ayse.wait_for("Meester Kees")
    assert "via school" in suggestion.text  # only the coordinator learns how to reach him
    jan.block()  # grandpa said yes, then blocked the bot

    # Ayse proposes three dates; everyone still coming into question is asked
    typed, moments = slot_texts((20, 27, 34))
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    await ayse.press("➕ Datums voorstellen")
    await ayse.send_text("\n".join(typed))
    assert "Opgeslagen ✓ Voorgesteld:" in ayse.last.text
    assert "6 mensen krijgen de vraag" in ayse.last.text  # not Riet (no), not Jan (blocked)
    await wim.wait_for("Some dates have been suggested")
    # Everyone likes the first date, but Frank (must attend) cannot: it ranks last
    await vote(frank, [3, 1, 2])
    await vote(people["Sandra"], [1, 1, 1])
    await vote(wim, [1, 2, 3])
    await vote(people["Edith"], [1, 1, 3])
    await vote(people["Herman"], [1, 1, 1])
    assert "Saved ✓" in wim.last.text and "if need be" in wim.last.text  # changed in place
    # the choice first, short: a phone that cuts a long button keeps it
    assert [row[0][:2] for row in wim.last.buttons] == ["✅ ", "🟡 ", "❌ "]
    if midway is not None:
        await midway()

    mark = ayse.version
    await ayse.press("📅 Datum en plaats")
    ranking = ayse.last.text
    matrix = last_message_containing(messages_since(ayse, mark), "Wie kan wanneer")
    assert matrix.kind == "photo"  # the matrix, as a picture
    lines = [line for line in ranking.splitlines() if line[:2] in ("1.", "2.", "3.")]
    assert lines[0].startswith("1. ") and f"{moments[1]:%H:%M}" in lines[0]
    assert "✅ 4 · 🟡 1 · ❌ 0 · ❔ 2" in lines[0]  # Jan and Mevrouw Bos have not voted
    assert "⚠ 1 die er zeker bij moet zijn, kan niet" in lines[2]  # the first date: last

    # The family's conference: Frank proposes the place, Ayse takes it over with one tap
    await frank.send_text("/me")
    await frank.press("💡 Datum of plek voorstellen")
    await frank.send_text("Buurthuis De Linde")
    proposal = await ayse.wait_for("stelt voor: Buurthuis De Linde")
    await ayse.press("✓ Overnemen", message=proposal)
    await frank.wait_for("voorstel overgenomen")

    # Fix the best date at that place
    await ayse.press("📌 Vastzetten:", contains=True)
    # the family's proposal, labelled as theirs (issue 11, point 15)
    assert not any("Zelfde plek" in b for row in ayse.last.buttons for b in row)
    await ayse.press("💡 Voorstel: Buurthuis De Linde")
    assert "Dit gaat naar 5 mensen" in ayse.last.text  # yes or maybe, reachable
    await ayse.press("✅ Vastzetten en versturen")
    assert "Vastgezet ✓ 5 mensen krijgen" in ayse.last.text
    assert "1 persoon is niet te bereiken" in ayse.last.text
    fixed = await wim.wait_for("The date is set")
    assert "Buurthuis De Linde" in fixed.text
    calendar_file = await wim.wait_for(lambda m: m.kind == "document")
    event = Calendar.from_ical(calendar_file.document.data).walk("VEVENT")[0]
    assert int(event["SEQUENCE"]) == 1 and str(event["UID"]).endswith("@kring")
    assert event["ORGANIZER"].params["CN"] == "kring"  # METHOD needs one (RFC 5546)
    assert event.decoded("DTSTART") == moments[1]
    await people["Edith"].wait_for("De datum staat vast")  # maybe: she hears it too
    assert not any("datum staat vast" in (m.text or "") for m in riet.messages)  # said no
    report = await ayse.wait_for("Klaar: 5 van de 6")  # the delivery report, Jan not reached
    assert "🚫 1 heeft de bot geblokkeerd" in report.text  # Jan blocked it, not "never started"

    # A change of date and time is broadcast as a change; Wim can no longer come
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    await ayse.press("📅 Datum en plaats")
    assert "De datum staat vast" in ayse.last.text
    await ayse.press("✏️ Datum, tijd of plaats wijzigen")
    await ayse.press(f"{moments[2]:%H:%M}", contains=True)
    await ayse.press("Zelfde plek: Buurthuis De Linde")
    await ayse.press("✅ Vastzetten en versturen")
    change = await wim.wait_for("The date and time have changed")
    await wim.press("I can't come anymore", message=change)
    await ayse.wait_for("Wim kan niet meer komen")
    second = await people["Herman"].wait_for(
        lambda m: m.kind == "document" and b"SEQUENCE:2" in m.document.data
    )
    assert second is not None

    # The circle view: counts, the blocked grandfather, the caterer's summary
    await ayse.send_text("/conferences")
    await ayse.press("EK-", contains=True)
    # the view, found by its text: the change's delivery report may come after it (the outbox)
    view = (await ayse.wait_for("Jan (opa, familie)")).text
    assert "Jan (opa, familie): onbereikbaar" in view, view
    assert "Halal 1" in view, view

    # Nobody but the coordinator sees another participant's contact details
    for person in people.values():
        assert not any("via school" in (m.text or "") for m in person.messages)
