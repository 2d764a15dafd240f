"""Proposed meeting dates ("slots"), the circle's availability votes, and which slot wins.

The coordinator types the slots in chat, so parsing is forgiving about form (Dutch and English
dates, ISO, several time spellings) but strict about meaning: a slot must be a real, future
local time within a year. Month and weekday names come from CLDR (Babel), so a new locale
needs no code here.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from babel.dates import get_day_names, get_month_names

from conference.errors import SlotError, SlotProblem
from conference.model.meeting import Slot, SlotScore, Vote, Voter

MIN_SLOTS = 2
MAX_SLOTS = 8
MAX_AHEAD = timedelta(days=366)
DEFAULT_LOCALES: tuple[str, ...] = ("nl", "en")
_MIN_PREFIX = 3  # "sept", "zat": shorter prefixes of names are too often ambiguous


# ---------------------------------------------------------------------------------------------
# Parsing


@dataclass(frozen=True)
class _Names:
    """Folded month and weekday names (all widths and contexts) of some locales."""

    months: Mapping[str, int]  # 1..12
    weekdays: Mapping[str, int]  # 0 = Monday, as date.weekday()

    def month(self, token: str) -> int | None:
        return _lookup(self.months, token)

    def weekday(self, token: str) -> int | None:
        return _lookup(self.weekdays, token)


@dataclass(frozen=True)
class _WrittenDate:
    day: int
    month: int
    year: int | None
    weekday: int | None = None


_TIME = r"(?P<hour>\d{1,2})(?:[:.](?P<minute>\d{2})\s*(?:uur|u|h)?|\s*(?:uur|u|h))"
_WRITTEN = re.compile(rf"(?P<date>.+?)\s+{_TIME}")
_NUMERIC_DATE = re.compile(r"(?P<day>\d{1,2})[-/](?P<month>\d{1,2})(?:[-/](?P<year>\d{4}))?")
_ISO = re.compile(
    r"(?P<year>\d{4})-(?P<month>\d{1,2})-(?P<day>\d{1,2})"
    r"(?:(?:t|\s+)(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2})(?:\.\d{1,6})?)?"
    r"\s*(?P<offset>z|[+-]\d{2}:?\d{2})?)?"
)
_DAY = re.compile(r"\d{1,2}")
_YEAR = re.compile(r"\d{4}")


def parse_slot(
    text: str, now: datetime, zone: ZoneInfo, locales: Sequence[str] = DEFAULT_LOCALES
) -> datetime:
    """One typed slot as an aware datetime in `zone`, or SlotError.

    A year-less date is its first occurrence after `now`. A repeated local hour (October)
    means its first occurrence; a skipped one (March) is NO_SUCH_TIME. An explicit UTC
    offset is honoured and converted to `zone`.
    """
    piece = text.strip()
    folded = _fold(piece).replace(",", " ")
    folded = " ".join(folded.split())
    if not folded:
        raise SlotError(SlotProblem.UNREADABLE, piece)
    moment = _parse_iso(folded, zone, piece)
    if moment is None:
        moment = _parse_written(folded, now, zone, _names(tuple(locales)), piece)
    if moment <= now:
        raise SlotError(SlotProblem.PAST, piece, moment=moment)
    if moment - now > MAX_AHEAD:
        raise SlotError(SlotProblem.TOO_FAR, piece, moment=moment)
    return moment


def parse_slots(
    text: str,
    now: datetime,
    zone: ZoneInfo,
    locales: Sequence[str] = DEFAULT_LOCALES,
    existing: Sequence[datetime] = (),
) -> list[datetime]:
    """The new slots in a message (one per line or `;`-separated), sorted; the first problem
    raises. Counts include `existing`, so slots can be added in several messages."""
    pieces = [
        (number, piece.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        for piece in line.split(";")
        if piece.strip()
    ]
    total = len(existing) + len(pieces)
    if total > MAX_SLOTS:  # before reading them: no point fixing typos in slots that must go
        raise SlotError(SlotProblem.TOO_MANY, count=total)
    seen = {_instant(moment) for moment in existing}
    new: list[datetime] = []
    for number, piece in pieces:
        try:
            moment = parse_slot(piece, now, zone, locales)
        except SlotError as error:
            error.line = number
            raise
        if _instant(moment) in seen:
            raise SlotError(SlotProblem.DUPLICATE, piece, line=number, moment=moment)
        seen.add(_instant(moment))
        new.append(moment)
    if total < MIN_SLOTS:
        raise SlotError(SlotProblem.TOO_FEW, count=total)
    return sorted(new)


def _parse_iso(folded: str, zone: ZoneInfo, piece: str) -> datetime | None:
    match = _ISO.fullmatch(folded)
    if match is None:
        return None
    if match["hour"] is None:
        raise SlotError(SlotProblem.NO_TIME, piece)
    day = _real_date(int(match["year"]), int(match["month"]), int(match["day"]), piece)
    hour, minute, second = int(match["hour"]), int(match["minute"]), int(match["second"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise SlotError(SlotProblem.NO_SUCH_TIME, piece)
    wall = datetime(day.year, day.month, day.day, hour, minute, second)
    offset = match["offset"]
    if offset is None:
        return _localise(wall, zone, piece)
    return wall.replace(tzinfo=_offset(offset, piece)).astimezone(zone)


def _parse_written(
    folded: str, now: datetime, zone: ZoneInfo, names: _Names, piece: str
) -> datetime:
    match = _WRITTEN.fullmatch(folded)
    if match is None:
        problem = SlotProblem.NO_TIME if _read_date(folded, names) else SlotProblem.UNREADABLE
        raise SlotError(problem, piece)
    written = _read_date(match["date"], names)
    if written is None:
        raise SlotError(SlotProblem.UNREADABLE, piece)
    hour, minute = int(match["hour"]), int(match["minute"] or 0)
    if hour > 23 or minute > 59:
        raise SlotError(SlotProblem.NO_SUCH_TIME, piece)
    if not (1 <= written.month <= 12 and 1 <= written.day <= _longest_month(written.month)):
        raise SlotError(SlotProblem.NO_SUCH_DATE, piece)
    year = written.year
    if year is None:
        here = now.astimezone(zone)
        passed = (written.month, written.day, hour, minute) <= (
            here.month,
            here.day,
            here.hour,
            here.minute,
        )
        year = here.year + 1 if passed else here.year
    day = _real_date(year, written.month, written.day, piece)
    moment = _localise(datetime(day.year, day.month, day.day, hour, minute), zone, piece)
    if written.weekday is not None and written.weekday != day.weekday():
        raise SlotError(SlotProblem.WEEKDAY_MISMATCH, piece, moment=moment)
    return moment


def _read_date(text: str, names: _Names) -> _WrittenDate | None:
    """`[weekday] 3-7[-2027]`, `[weekday] 3 juli [2027]` or `[weekday] July 3 [2027]`."""
    tokens = [token.rstrip(".") for token in text.split()]
    tokens = [token for token in tokens if token]
    if len(tokens) > 1:
        weekday = names.weekday(tokens[0])
        if weekday is not None:
            found = _read_plain_date(tokens[1:], names)
            if found is not None:
                return replace(found, weekday=weekday)
    return _read_plain_date(tokens, names)


def _read_plain_date(tokens: Sequence[str], names: _Names) -> _WrittenDate | None:
    if len(tokens) == 1:
        match = _NUMERIC_DATE.fullmatch(tokens[0])
        if match is None:
            return None
        year = int(match["year"]) if match["year"] else None
        return _WrittenDate(int(match["day"]), int(match["month"]), year)
    if len(tokens) not in (2, 3):
        return None
    year = None
    if len(tokens) == 3:
        if not _YEAR.fullmatch(tokens[2]):
            return None
        year = int(tokens[2])
    first, second = tokens[0], tokens[1]
    if _DAY.fullmatch(first) and (month := names.month(second)) is not None:
        return _WrittenDate(int(first), month, year)
    if _DAY.fullmatch(second) and (month := names.month(first)) is not None:
        return _WrittenDate(int(second), month, year)
    return None


def _real_date(year: int, month: int, day: int, piece: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise SlotError(SlotProblem.NO_SUCH_DATE, piece) from None


def _longest_month(month: int) -> int:
    return 29 if month == 2 else 30 if month in (4, 6, 9, 11) else 31


def _localise(wall: datetime, zone: ZoneInfo, piece: str) -> datetime:
    """Attach `zone` with fold=0, so a repeated hour means its first occurrence; a wall time
    that does not survive the round trip through UTC was skipped by the DST jump."""
    moment = wall.replace(tzinfo=zone)
    if moment.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
        raise SlotError(SlotProblem.NO_SUCH_TIME, piece)
    return moment


def _offset(text: str, piece: str) -> timezone:
    if text == "z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    hours, minutes = int(digits[:2]), int(digits[2:])
    if hours > 23 or minutes > 59:
        raise SlotError(SlotProblem.UNREADABLE, piece)
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _instant(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


def _fold(text: str) -> str:
    """Case- and accent-insensitive form, so "Février", "fevrier" and "FÉVR." all match."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


@functools.cache
def _names(locales: tuple[str, ...]) -> _Names:
    """Earlier locales win when two give one name different meanings."""
    months: dict[str, int] = {}
    weekdays: dict[str, int] = {}
    for locale in locales:
        for width in ("wide", "abbreviated"):
            for context in ("format", "stand-alone"):
                _collect(months, get_month_names(width, context, locale).items())
                _collect(weekdays, get_day_names(width, context, locale).items())
    return _Names(months, weekdays)


def _collect(table: dict[str, int], names: Iterable[tuple[object, object]]) -> None:
    for number, name in names:
        key = _fold(str(name)).rstrip(".")
        if key and isinstance(number, int):
            table.setdefault(key, number)


def _lookup(table: Mapping[str, int], token: str) -> int | None:
    """An exact name, else an unambiguous prefix of at least _MIN_PREFIX letters."""
    if token in table:
        return table[token]
    if len(token) < _MIN_PREFIX or not token.isalpha():
        return None
    found = {number for name, number in table.items() if name.startswith(token)}
    return found.pop() if len(found) == 1 else None


# ---------------------------------------------------------------------------------------------
# Ranking


def rank(
    slots: Sequence[Slot], ballots: Mapping[int, Mapping[int, Vote]], voters: Sequence[Voter]
) -> list[SlotScore]:
    """Rallly's rule: a slot a must-attend person cannot make ranks last; otherwise the most
    available (yes + if need be) first, more outright yeses break ties, then the earlier slot.

    `ballots[invitee_id][slot_id]` is a vote; only `voters` count, so ballots of people who
    left the circle are ignored, and a voter without a vote for a slot is a no_answer.
    """
    scores = [_score(slot, ballots, voters) for slot in slots]
    return sorted(
        scores,
        key=lambda s: (s.must_attend_no > 0, -s.available, -s.yes, _instant(s.slot.starts_at)),
    )


def best(scores: Sequence[SlotScore]) -> SlotScore | None:
    return scores[0] if scores else None


def _score(
    slot: Slot, ballots: Mapping[int, Mapping[int, Vote]], voters: Sequence[Voter]
) -> SlotScore:
    counts = dict.fromkeys(Vote, 0)
    no_answer = must_attend_no = 0
    for voter in voters:
        vote = ballots.get(voter.invitee_id, {}).get(slot.id)
        if vote is None:
            no_answer += 1
            continue
        counts[vote] += 1
        if vote == Vote.NO and voter.must_attend:
            must_attend_no += 1
    return SlotScore(
        slot=slot,
        yes=counts[Vote.YES],
        if_need_be=counts[Vote.IF_NEED_BE],
        no=counts[Vote.NO],
        no_answer=no_answer,
        must_attend_no=must_attend_no,
    )
