from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from icalendar import Calendar, Component

from dialogs.render.ics import meeting_ics

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
STAMP = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)
SUMMARY = "Eigen Kracht-conferentie – Buurthuis De Linde"
ARABIC = "مؤتمر العائلة في بيت الحي"


ORGANISATION = "Eigen Kracht Centrale"


def make(
    start: datetime = datetime(2027, 3, 28, 10),
    *,
    hours: int = 3,
    sequence: int = 0,
    cancelled: bool = False,
    location: str | None = "Buurthuis De Linde, Utrecht",
    description: str | None = None,
    organisation: str = ORGANISATION,
) -> bytes:
    return meeting_ics(
        uid="conf-42@kring",
        sequence=sequence,
        start=start,
        end=start + timedelta(hours=hours),
        zone=AMSTERDAM,
        summary=SUMMARY,
        location=location,
        description=description,
        stamp=STAMP,
        cancelled=cancelled,
        organisation=organisation,
    )


def parse(data: bytes) -> tuple[Calendar, Component]:
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_identity_and_version() -> None:
    calendar, event = parse(make(sequence=3))
    assert str(calendar["PRODID"]) == "-//kring//Eigen Kracht//NL"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(event["UID"]) == "conf-42@kring"
    assert event.decoded("SEQUENCE") == 3
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTAMP") == STAMP


@pytest.mark.parametrize(
    ("local", "utc"),
    [
        (
            datetime(2027, 3, 28, 10),
            datetime(2027, 3, 28, 8, tzinfo=UTC),
        ),  # first day of summer time
        (datetime(2027, 10, 31, 10), datetime(2027, 10, 31, 9, tzinfo=UTC)),  # back to winter time
        (datetime(2027, 1, 15, 19, 30), datetime(2027, 1, 15, 18, 30, tzinfo=UTC)),
    ],
)
def test_start_in_zone_with_right_instant(local: datetime, utc: datetime) -> None:
    data = make(local)
    _, event = parse(data)
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Amsterdam"
    assert start.astimezone(UTC) == utc
    assert event.decoded("DTEND").astimezone(UTC) == utc + timedelta(hours=3)
    assert f"DTSTART;TZID=Europe/Amsterdam:{local:%Y%m%dT%H%M%S}".encode() in data


def test_vtimezone_included_and_describes_dst() -> None:
    calendar, _ = parse(make())
    [zone] = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == "Europe/Amsterdam"
    offsets = {sub.decoded("TZOFFSETTO") for sub in zone.subcomponents}
    assert offsets == {timedelta(hours=1), timedelta(hours=2)}
    # Without the VTIMEZONE a strict client could not resolve the TZID.
    assert calendar.get_missing_tzids() == set()


def test_aware_start_is_converted_to_zone() -> None:
    _, event = parse(make(datetime(2027, 10, 31, 9, tzinfo=UTC)))
    start = event.decoded("DTSTART")
    assert str(start.tzinfo) == "Europe/Amsterdam"
    assert (start.hour, start.minute) == (10, 0)


def test_cancelled() -> None:
    calendar, event = parse(make(sequence=4, cancelled=True))
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event.decoded("SEQUENCE") == 4
    assert str(event["UID"]) == "conf-42@kring"
    assert not event.walk("VALARM")


def test_alarms_three_days_and_one_day_before() -> None:
    """Issue 15: the calendar reminds even someone who hears nothing else from kring."""
    _, event = parse(make())
    alarms = event.walk("VALARM")
    assert [alarm.decoded("TRIGGER") for alarm in alarms] == [
        timedelta(days=-3),
        timedelta(days=-1),
    ]
    assert all(str(alarm["ACTION"]) == "DISPLAY" for alarm in alarms)
    assert all(str(alarm["DESCRIPTION"]) == SUMMARY for alarm in alarms)  # translated


@pytest.mark.parametrize("cancelled", [False, True])
def test_a_method_comes_with_an_organizer(cancelled: bool) -> None:
    """iTIP (RFC 5546 3.2.1, 3.2.5): PUBLISH and CANCEL need an ORGANIZER; it is the
    organisation, with an address that reaches nobody (.invalid, RFC 2606)."""
    calendar, event = parse(make(cancelled=cancelled))
    assert str(calendar["METHOD"]) in ("PUBLISH", "CANCEL")
    organizer = event["ORGANIZER"]
    assert str(organizer) == "mailto:noreply@invalid"
    assert organizer.params["CN"] == ORGANISATION


def test_an_organisation_name_with_quotes_and_commas_survives() -> None:
    name = 'Stichting "Samen", regio Utrecht'
    _, event = parse(make(organisation=name))
    assert event["ORGANIZER"].params["CN"] == name


def test_no_addresses_leak() -> None:
    data = make(description="Neem iets te eten mee.")
    assert b"ATTENDEE" not in data
    # the one address is the organizer's, which reaches nobody
    unfolded = data.replace(b"\r\n ", b"")
    assert unfolded.count(b"mailto:") == 1 and b"mailto:noreply@invalid" in unfolded


def test_crlf_line_endings() -> None:
    data = make()
    assert data.endswith(b"\r\n")
    assert data.count(b"\n") == data.count(b"\r\n")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n")


def test_non_ascii_round_trip_and_folding() -> None:
    description = ARABIC + "\nTweede regel, met komma's; en puntkomma's. " + "lang " * 40
    location = "Buurthuis De Linde, Lindelaan 1, Utrecht – zaal ሰላም"
    data = make(location=location, description=description)
    _, event = parse(data)
    assert str(event["SUMMARY"]) == SUMMARY
    assert str(event["DESCRIPTION"]) == description
    assert str(event["LOCATION"]) == location
    lines = data.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert any(line.startswith(b" ") for line in lines)  # continuation lines exist
    data.decode("utf-8")  # folding never splits a multi-byte character


def test_optional_fields_left_out() -> None:
    _, event = parse(make(location=None, description=None))
    assert "LOCATION" not in event
    assert "DESCRIPTION" not in event


def test_end_before_start_rejected() -> None:
    with pytest.raises(ValueError):
        make(hours=0)
