import pytest

from conference.errors import InvalidAnswer, Problem
from conference.intake import (
    clean_text,
    first_unanswered,
    is_complete,
    next_step,
    parse_age,
    previous_step,
    steps_for,
    toggle_language,
)
from conference.model.request import ApplicantRole, Field, RequestDraft, RequestKind
from conference.reference import format_reference, parse_reference
from conference.requests import choose_locale


def test_only_a_professional_is_asked_for_a_minimum_requirement():
    family = RequestDraft(role=ApplicantRole.FAMILY)
    professional = RequestDraft(role=ApplicantRole.PROFESSIONAL)
    assert Field.MINIMUM_REQUIREMENT not in steps_for(family)
    assert Field.MINIMUM_REQUIREMENT in steps_for(professional)
    assert next_step(family, Field.CONCERNS) is Field.MODEL
    assert next_step(professional, Field.CONCERNS) is Field.MINIMUM_REQUIREMENT


def test_an_information_talk_asks_only_where_and_how_to_reach():
    draft = RequestDraft(kind=RequestKind.INFO_TALK)
    assert steps_for(draft) == (Field.REGION, Field.CONTACT, Field.CONSENT)
    assert previous_step(draft, Field.REGION) is None
    assert next_step(draft, Field.CONSENT) is None


def test_back_from_the_first_question_leaves_the_intake():
    assert previous_step(RequestDraft(), Field.ROLE) is None
    assert previous_step(RequestDraft(), Field.QUESTION) is Field.SUBJECT_AGE


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("", Problem.EMPTY),
        ("   \n ", Problem.EMPTY),
        ("x" * 3000, Problem.TOO_LONG),
        ("kort", Problem.TOO_SHORT),
    ],
)
def test_question_text_limits(raw, problem):
    with pytest.raises(InvalidAnswer) as caught:
        clean_text(Field.QUESTION, raw)
    assert caught.value.problem is problem


def test_too_long_reports_limit_and_length():
    with pytest.raises(InvalidAnswer) as caught:
        clean_text(Field.QUESTION, "a" * 3000)
    assert (caught.value.limit, caught.value.length) == (1000, 3000)


def test_text_is_trimmed_and_control_characters_dropped():
    raw = "  Waar kan Johan (8)\x00   veilig opgroeien?  \n\n\n\nEn hoe? "
    text = clean_text(Field.QUESTION, raw)
    assert text == "Waar kan Johan (8) veilig opgroeien?\n\nEn hoe?"


def test_a_name_needs_letters():
    with pytest.raises(InvalidAnswer) as caught:
        clean_text(Field.SUBJECT_NAME, "1234")
    assert caught.value.problem is Problem.NO_LETTERS
    assert clean_text(Field.SUBJECT_NAME, " Johan ") == "Johan"


@pytest.mark.parametrize(
    ("raw", "problem"),
    [
        ("abc", Problem.NOT_A_NUMBER),
        ("250", Problem.OUT_OF_RANGE),
        ("-3", Problem.NOT_A_NUMBER),
        ("", Problem.EMPTY),
        ("8.5", Problem.NOT_A_NUMBER),
    ],
)
def test_bad_ages(raw, problem):
    with pytest.raises(InvalidAnswer) as caught:
        parse_age(raw)
    assert caught.value.problem is problem


def test_good_ages():
    assert parse_age(" 8 ") == 8
    assert parse_age("8 jaar") == 8
    assert parse_age("0") == 0
    assert parse_age("120") == 120


def test_languages_toggle_and_have_a_ceiling():
    draft = toggle_language(toggle_language(RequestDraft(), "nl"), "tr")
    assert draft.languages == ("nl", "tr")
    assert toggle_language(draft, "nl").languages == ("tr",)
    full = RequestDraft(languages=tuple(f"l{i}" for i in range(8)))
    with pytest.raises(InvalidAnswer):
        toggle_language(full, "nl")


def test_draft_round_trips_through_plain_data():
    draft = RequestDraft(
        role=ApplicantRole.PROFESSIONAL,
        subject_name="Johan",
        subject_age=8,
        languages=("nl", "Berbers"),
    ).with_answer(Field.ROLE)
    assert RequestDraft.from_dict(draft.to_dict()) == draft


def test_completeness_needs_every_step_and_consent():
    draft = RequestDraft(kind=RequestKind.INFO_TALK, region="Utrecht")
    draft = draft.with_answer(Field.REGION).with_answer(Field.CONTACT)
    assert first_unanswered(draft) is Field.CONSENT
    assert not is_complete(draft)
    assert is_complete(draft.with_answer(Field.CONSENT, consent=True))


def test_reference_numbers():
    assert format_reference(2026, 7) == "EK-2026-0007"
    assert parse_reference("ek-2026-0007") == (2026, 7)
    assert parse_reference("EK-26-7") is None


@pytest.mark.parametrize(
    ("code", "expected"),
    [("nl-BE", "nl"), ("en", "en"), ("EN_gb", "en"), ("tr", "nl"), (None, "nl"), ("", "nl")],
)
def test_telegram_language_maps_to_a_shipped_catalog(code, expected):
    assert choose_locale(code, ("nl", "en"), "nl") == expected
