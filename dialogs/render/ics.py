"""The meeting as an .ics file (RFC 5545), so a participant adds it to their calendar with a tap.

Every version of one meeting carries the same UID and a higher SEQUENCE, so a later change or a
cancellation updates the calendar entry already there instead of adding a second one. Texts arrive
translated; this module never calls gettext. No attendee addresses: the file is passed around in
chats and must not leak who else comes. The organizer, which iTIP requires with a METHOD (RFC 5546
3.2.1), is the organisation by name, with an address that reaches nobody (.invalid, RFC 2606).
"""

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event, Timezone

PRODID = "-//kring//Eigen Kracht//NL"
ORGANIZER_ADDRESS = "mailto:noreply@invalid"
# the calendar's own alarms, for everyone: also those who hear nothing else (web page only)
ALARMS_BEFORE = (timedelta(days=3), timedelta(days=1))


def meeting_ics(
    *,
    uid: str,
    sequence: int,
    start: datetime,
    end: datetime,
    zone: ZoneInfo,
    summary: str,
    location: str | None,
    description: str | None,
    stamp: datetime,
    organisation: str,
    cancelled: bool = False,
) -> bytes:
    """The calendar file for one version of the meeting.

    Naive ``start``/``end`` are wall-clock times in ``zone``; aware ones are converted to it, so
    the event shows in the zone the family meets in, with a VTIMEZONE telling how to read it.
    """
    if sequence < 0:
        raise ValueError("sequence must not be negative")
    start, end = _in_zone(start, zone), _in_zone(end, zone)
    if end <= start:
        raise ValueError("the meeting must end after it starts")
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(_timezone(zone.key, start.year, end.year))

    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("organizer", ORGANIZER_ADDRESS, parameters={"CN": organisation})
    event.add("dtstamp", _utc(stamp))
    event.add("dtstart", start)
    event.add("dtend", end)
    event.add("summary", summary)
    if location:
        event.add("location", location)
    if description:
        event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if not cancelled:
        # A reminder for a cancelled meeting would only confuse.
        for before in ALARMS_BEFORE:
            alarm = Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)  # translated, like the summary it is
            alarm.add("trigger", -before)
            event.add_component(alarm)
    calendar.add_component(event)
    return bytes(calendar.to_ical())


def _in_zone(moment: datetime, zone: ZoneInfo) -> datetime:
    """Wall-clock time in ``zone``: naive means already local, aware gets converted."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone)
    return moment.astimezone(zone)


def _utc(moment: datetime) -> datetime:
    """DTSTAMP must be UTC; a naive stamp is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


@lru_cache(maxsize=32)
def _timezone(tzid: str, first_year: int, last_year: int) -> Timezone:
    """VTIMEZONE covering the meeting's years only: computing it is slow and a full 1970–2038
    table would bloat a file that is sent to every participant."""
    return Timezone.from_tzinfo(
        ZoneInfo(tzid),
        tzid=tzid,
        first_date=date(first_year - 1, 1, 1),
        last_date=date(last_year + 2, 1, 1),
    )
