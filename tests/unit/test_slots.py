from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from conference.errors import SlotError, SlotProblem
from conference.model.meeting import Slot, SlotScore, Vote, Voter
from conference.slots import MAX_SLOTS, best, parse_slot, parse_slots, rank

AMS = ZoneInfo("Europe/Amsterdam")
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=AMS)  # a Tuesday
SAT_3_JULY = datetime(2027, 7, 3, 10, 0, tzinfo=AMS)


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=AMS)


def problem(text: str, now: datetime = NOW) -> SlotError:
    with pytest.raises(SlotError) as caught:
        parse_slot(text, now, AMS)
    return caught.value


# --- accepted forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "3-7 10:00",
        "3/7 10:00",
        "03-07 10:00",
        "3-7-2027 10:00",
        "3/7/2027 10:00",
        "za 3 juli 10:00",
        "zaterdag 3 juli 10:00",
        "3 juli 10:00",
        "3 jul 10:00",
        "3 juli 2027 10:00",
        "za 3-7 10:00",
        "sat 3 july 10:00",
        "Saturday 3 July 10:00",
        "3 Jul 10:00",
        "July 3 10:00",
        "Saturday, July 3, 2027, 10:00",
        "  ZA   3   JULI   10:00  ",
        "za. 3 jul. 10:00",
        "3 juli 10.00",
        "3 juli 10:00u",
        "3 juli 10.00 uur",
        "3 juli 10u",
        "3 juli 10 uur",
        "3 juli 10h",
        "2027-07-03 10:00",
        "2027-07-03T10:00",
        "2027-07-03T10:00:00",
        "2027-07-03T08:00Z",
        "2027-07-03T10:00+02:00",
        "2027-07-03 04:00-04:00",
    ],
)
def test_accepted_forms_all_mean_saturday_3_july_10_am(text: str) -> None:
    moment = parse_slot(text, NOW, AMS)
    assert moment == SAT_3_JULY
    assert moment.tzinfo is AMS
    assert moment.utcoffset() == timedelta(hours=2)


def test_single_digit_hour_and_prefix_of_a_month_name() -> None:
    assert parse_slot("3 sept 9:30", NOW, AMS) == at(2027, 9, 3, 9, 30)
    assert parse_slot("zat 4 sep 9:05", NOW, AMS) == at(2027, 9, 4, 9, 5)


def test_year_less_date_rolls_into_next_year() -> None:
    assert parse_slot("3-1 10:00", NOW, AMS) == at(2027, 1, 3)
    assert parse_slot("25-11 10:00", NOW, AMS) == at(2026, 11, 25)  # tomorrow: this year
    assert parse_slot("24-11 13:00", NOW, AMS) == at(2026, 11, 24, 13)  # later today
    assert parse_slot("24-11 11:00", NOW, AMS) == at(2027, 11, 24, 11)  # passed: next year


def test_explicit_offset_is_converted_to_the_zone() -> None:
    moment = parse_slot("2027-01-05T09:00:00+00:00", NOW, AMS)
    assert moment == at(2027, 1, 5, 10)
    assert moment.tzinfo is AMS


def test_other_cldr_locales_work_without_code_changes() -> None:
    french = parse_slot("samedi 3 juillet 10:00", NOW, AMS, locales=("fr",))
    polish = parse_slot("3 lipca 10:00", NOW, AMS, locales=("pl",))  # genitive form
    turkish = parse_slot("3 Temmuz 10:00", NOW, AMS, locales=("tr",))
    assert french == polish == turkish == SAT_3_JULY
    assert problem("3 juillet 10:00").code is SlotProblem.UNREADABLE  # fr not asked for


def test_accents_are_optional() -> None:
    assert parse_slot("3 fevrier 10:00", NOW, AMS, locales=("fr",)) == at(2027, 2, 3)
    assert parse_slot("3 FÉVR. 10:00", NOW, AMS, locales=("fr",)) == at(2027, 2, 3)


# --- DST -------------------------------------------------------------------------------------


def test_slot_on_spring_forward_sunday_is_summer_time() -> None:
    moment = parse_slot("zo 28 maart 10:00", NOW, AMS)
    assert moment.astimezone(UTC) == datetime(2027, 3, 28, 8, 0, tzinfo=UTC)


def test_skipped_hour_does_not_exist() -> None:
    error = problem("2027-03-28 02:30")
    assert error.code is SlotProblem.NO_SUCH_TIME
    assert problem("28-3 02:30").code is SlotProblem.NO_SUCH_TIME


def test_repeated_hour_is_its_first_occurrence() -> None:
    moment = parse_slot("31-10 02:30", NOW, AMS)
    assert moment.astimezone(UTC) == datetime(2027, 10, 31, 0, 30, tzinfo=UTC)  # still +02:00


def test_after_autumn_change_is_winter_time() -> None:
    same_day = parse_slot("zo 31 okt 10:00", NOW, AMS)
    week_later = parse_slot("zo 7 nov 10:00", NOW, AMS)
    assert same_day.utcoffset() == week_later.utcoffset() == timedelta(hours=1)
    assert week_later.astimezone(UTC) == datetime(2027, 11, 7, 9, 0, tzinfo=UTC)


# --- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("", SlotProblem.UNREADABLE),
        ("volgende week", SlotProblem.UNREADABLE),
        ("10:00", SlotProblem.UNREADABLE),
        ("za 10:00", SlotProblem.UNREADABLE),
        ("3 juli 10", SlotProblem.UNREADABLE),  # a bare number is no time
        ("3 juliet 10:00", SlotProblem.UNREADABLE),
        ("3-7-27 10:00", SlotProblem.UNREADABLE),
        ("2027-07-03T10:00+25:00", SlotProblem.UNREADABLE),
        ("3 juli", SlotProblem.NO_TIME),
        ("za 3 juli 2027", SlotProblem.NO_TIME),
        ("3-7", SlotProblem.NO_TIME),
        ("2027-07-03", SlotProblem.NO_TIME),
        ("31-2 10:00", SlotProblem.NO_SUCH_DATE),
        ("3-13 10:00", SlotProblem.NO_SUCH_DATE),
        ("29-2-2027 10:00", SlotProblem.NO_SUCH_DATE),
        ("31 april 10:00", SlotProblem.NO_SUCH_DATE),
        ("2027-02-30 10:00", SlotProblem.NO_SUCH_DATE),
        ("3-7 25:00", SlotProblem.NO_SUCH_TIME),
        ("3-7 24:00", SlotProblem.NO_SUCH_TIME),
        ("3-7 10:61", SlotProblem.NO_SUCH_TIME),
        ("2027-07-03 10:00:60", SlotProblem.NO_SUCH_TIME),
        ("24-11-2026 11:59", SlotProblem.PAST),
        ("2026-11-24T12:00", SlotProblem.PAST),  # exactly now is not the future
        ("1-1-2020 10:00", SlotProblem.PAST),
        ("2027-11-26 10:00", SlotProblem.TOO_FAR),
        ("3-7-2028 10:00", SlotProblem.TOO_FAR),
    ],
)
def test_error_codes(text: str, code: SlotProblem) -> None:
    error = problem(text)
    assert error.code is code
    assert error.text == text.strip()
    assert error.line is None


def test_weekday_mismatch_tells_the_real_date() -> None:
    error = problem("vr 3 juli 10:00")
    assert error.code is SlotProblem.WEEKDAY_MISMATCH
    assert error.moment == SAT_3_JULY
    assert error.moment is not None and error.moment.date() == date(2027, 7, 3)
    assert error.moment.weekday() == 5  # Saturday
    assert problem("Friday 3-7-2027 10:00").code is SlotProblem.WEEKDAY_MISMATCH


def test_past_and_too_far_carry_the_moment() -> None:
    assert problem("1-1-2020 10:00").moment == at(2020, 1, 1)
    assert problem("2027-11-26 10:00").moment == at(2027, 11, 26)
    assert parse_slot("2027-11-24 11:59", NOW, AMS) == at(2027, 11, 24, 11, 59)  # 365 days


# --- several slots ---------------------------------------------------------------------------


def test_parse_slots_splits_lines_and_semicolons_and_sorts() -> None:
    text = "za 3 juli 10:00\n\n  1-2 19:30 ; 2027-03-01 14:00;\n"
    assert parse_slots(text, NOW, AMS) == [at(2027, 2, 1, 19, 30), at(2027, 3, 1, 14), SAT_3_JULY]


def test_parse_slots_reports_the_line_of_the_first_error() -> None:
    with pytest.raises(SlotError) as caught:
        parse_slots("3-7 10:00\n\n4-7 10:00; 31-2 10:00\n5-7 99:00", NOW, AMS)
    assert caught.value.code is SlotProblem.NO_SUCH_DATE
    assert caught.value.line == 3
    assert caught.value.text == "31-2 10:00"


def test_duplicate_instant_within_the_message() -> None:
    with pytest.raises(SlotError) as caught:
        parse_slots("3-7 10:00\n2027-07-03T08:00Z", NOW, AMS)
    assert caught.value.code is SlotProblem.DUPLICATE
    assert caught.value.line == 2
    assert caught.value.moment == SAT_3_JULY


def test_duplicate_of_an_existing_slot() -> None:
    existing = [SAT_3_JULY.astimezone(UTC), at(2027, 7, 4)]
    with pytest.raises(SlotError) as caught:
        parse_slots("5-7 10:00; 3 juli 10:00", NOW, AMS, existing=existing)
    assert caught.value.code is SlotProblem.DUPLICATE
    assert caught.value.line == 1
    assert caught.value.text == "3 juli 10:00"


def test_too_few_counts_existing_slots() -> None:
    with pytest.raises(SlotError) as caught:
        parse_slots("3-7 10:00", NOW, AMS)
    assert caught.value.code is SlotProblem.TOO_FEW
    assert caught.value.count == 1
    assert parse_slots("3-7 10:00", NOW, AMS, existing=[at(2027, 7, 4)]) == [SAT_3_JULY]


def test_empty_message_with_no_slots_is_too_few() -> None:
    with pytest.raises(SlotError) as caught:
        parse_slots(" \n ; ", NOW, AMS)
    assert caught.value.code is SlotProblem.TOO_FEW
    assert caught.value.count == 0


def test_too_many_counts_existing_slots_and_comes_before_reading() -> None:
    existing = [at(2027, 1, day) for day in range(1, 7)]  # 6 already
    two = parse_slots("3-7 10:00\n4-7 10:00", NOW, AMS, existing=existing)
    assert two == [SAT_3_JULY, at(2027, 7, 4)]
    with pytest.raises(SlotError) as caught:
        parse_slots("3-7 10:00\n4-7 10:00\nnonsense", NOW, AMS, existing=existing)
    assert caught.value.code is SlotProblem.TOO_MANY
    assert caught.value.count == MAX_SLOTS + 1
    assert caught.value.line is None


def test_eight_new_slots_is_the_maximum() -> None:
    eight = "\n".join(f"{day}-7 10:00" for day in range(1, 9))
    assert len(parse_slots(eight, NOW, AMS)) == 8
    with pytest.raises(SlotError) as caught:
        parse_slots(eight + "\n9-7 10:00", NOW, AMS)
    assert caught.value.code is SlotProblem.TOO_MANY


# --- ranking ---------------------------------------------------------------------------------

MON = Slot(1, at(2027, 7, 5, 19))
TUE = Slot(2, at(2027, 7, 6, 19))
WED = Slot(3, at(2027, 7, 7, 19))
MOTHER = Voter(10, must_attend=True)
UNCLE = Voter(11, must_attend=False)
AUNT = Voter(12, must_attend=False)
NEIGHBOUR = Voter(13, must_attend=False)
CIRCLE = [MOTHER, UNCLE, AUNT, NEIGHBOUR]


def by_slot(scores: list[SlotScore]) -> dict[int, SlotScore]:
    return {score.slot.id: score for score in scores}


def test_must_attend_no_ranks_last_even_with_most_yes() -> None:
    ballots = {
        MOTHER.invitee_id: {MON.id: Vote.NO, TUE.id: Vote.YES, WED.id: Vote.IF_NEED_BE},
        UNCLE.invitee_id: {MON.id: Vote.YES, TUE.id: Vote.NO, WED.id: Vote.NO},
        AUNT.invitee_id: {MON.id: Vote.YES, TUE.id: Vote.IF_NEED_BE, WED.id: Vote.NO},
        NEIGHBOUR.invitee_id: {MON.id: Vote.YES, TUE.id: Vote.NO, WED.id: Vote.NO},
    }
    scores = rank([MON, TUE, WED], ballots, CIRCLE)
    assert [score.slot for score in scores] == [TUE, WED, MON]
    monday = by_slot(scores)[MON.id]
    assert (monday.yes, monday.if_need_be, monday.no, monday.must_attend_no) == (3, 0, 1, 1)
    assert best(scores) == scores[0]


def test_available_first_then_yes_breaks_the_tie_then_the_earlier_slot() -> None:
    ballots = {
        UNCLE.invitee_id: {MON.id: Vote.IF_NEED_BE, TUE.id: Vote.YES, WED.id: Vote.YES},
        AUNT.invitee_id: {MON.id: Vote.IF_NEED_BE, TUE.id: Vote.IF_NEED_BE, WED.id: Vote.NO},
        NEIGHBOUR.invitee_id: {MON.id: Vote.IF_NEED_BE, TUE.id: Vote.NO, WED.id: Vote.YES},
    }
    scores = rank([MON, TUE, WED], ballots, [UNCLE, AUNT, NEIGHBOUR])
    # MON: 3 available, 0 yes; WED: 2 available, 2 yes; TUE: 2 available, 1 yes
    assert [score.slot for score in scores] == [MON, WED, TUE]
    assert [score.available for score in scores] == [3, 2, 2]
    tied = rank([WED, MON], {UNCLE.invitee_id: {MON.id: Vote.YES, WED.id: Vote.YES}}, [UNCLE])
    assert [score.slot for score in tied] == [MON, WED]


def test_no_answer_counts_missing_votes_and_ignores_strangers() -> None:
    ballots = {
        MOTHER.invitee_id: {MON.id: Vote.YES},  # did not vote on TUE
        UNCLE.invitee_id: {MON.id: Vote.NO, TUE.id: Vote.YES},
        99: {MON.id: Vote.NO, TUE.id: Vote.NO},  # left the circle
    }
    scores = by_slot(rank([MON, TUE], ballots, CIRCLE))
    assert (scores[MON.id].yes, scores[MON.id].no, scores[MON.id].no_answer) == (1, 1, 2)
    assert (scores[TUE.id].yes, scores[TUE.id].no, scores[TUE.id].no_answer) == (1, 0, 3)
    assert scores[MON.id].must_attend_no == scores[TUE.id].must_attend_no == 0


def test_must_attend_if_need_be_is_not_a_no() -> None:
    scores = rank([MON], {MOTHER.invitee_id: {MON.id: Vote.IF_NEED_BE}}, [MOTHER])
    assert (scores[0].if_need_be, scores[0].must_attend_no, scores[0].available) == (1, 0, 1)


def test_best_of_nothing_is_none() -> None:
    assert rank([], {}, CIRCLE) == []
    assert best([]) is None
