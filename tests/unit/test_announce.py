"""What the circle reads when the fixed meeting moves: it names what moved (date, time, both)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.config import LOCALES_DIR
from bot.i18n import CatalogI18n
from conference.model.circle import Group, Invitee
from conference.model.ids import ConferenceId, InviteeId
from conference.model.meeting import Meeting, Venue
from dialogs.render.announce import notice

ZONE = ZoneInfo("Europe/Amsterdam")
SAT_10 = datetime(2026, 7, 4, 8, 0, tzinfo=UTC)  # Saturday 4 July, 10:00 in Amsterdam
LINDE = Venue("Buurthuis De Linde", "Lindelaan 1")
WIM = Invitee(InviteeId(1), ConferenceId(1), "Wim", "broer", Group.FAMILY, "en", False)
EDITH = Invitee(InviteeId(2), ConferenceId(1), "Edith", "tante", Group.FAMILY, "nl", False)


@pytest.fixture(scope="module")
def i18n() -> CatalogI18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale="nl")


def moved(i18n: CatalogI18n, person: Invitee, to: datetime, venue: Venue = LINDE) -> str:
    before = Meeting(ConferenceId(1), SAT_10, LINDE, sequence=1)
    after = Meeting(ConferenceId(1), to, venue, sequence=2)
    with i18n.context(), i18n.use_locale(person.locale):
        text, _markup = notice(person, before, after, ZONE, person.locale)
    return text


def test_a_new_day_at_the_same_hour_says_the_date_changed(i18n: CatalogI18n):
    text = moved(i18n, EDITH, datetime(2026, 7, 11, 8, 0, tzinfo=UTC))
    assert "De datum is veranderd: eerst 4 jul 2026, 10:00, nu 11 jul 2026, 10:00." in text
    assert "tijd" not in text and "plaats" not in text
    assert "The date has changed" in moved(i18n, WIM, datetime(2026, 7, 11, 8, 0, tzinfo=UTC))


def test_a_new_hour_on_the_same_day_says_the_time_changed(i18n: CatalogI18n):
    text = moved(i18n, EDITH, datetime(2026, 7, 4, 12, 30, tzinfo=UTC))
    assert "De tijd is veranderd: eerst 4 jul 2026, 10:00, nu 4 jul 2026, 14:30." in text
    assert "datum" not in text


def test_both_and_the_place_are_each_named(i18n: CatalogI18n):
    text = moved(i18n, EDITH, datetime(2026, 7, 11, 12, 0, tzinfo=UTC), Venue("Bij oma thuis"))
    assert (
        "De datum en tijd zijn veranderd: eerst 4 jul 2026, 10:00, nu 11 jul 2026, 14:00." in text
    )
    assert (
        "De plaats is veranderd: eerst Buurthuis De Linde, Lindelaan 1, nu Bij oma thuis." in text
    )
    english = moved(i18n, WIM, datetime(2026, 7, 11, 12, 0, tzinfo=UTC), Venue("Bij oma thuis"))
    assert "The date and time have changed" in english


def test_only_a_new_place_names_only_the_place(i18n: CatalogI18n):
    text = moved(i18n, EDITH, SAT_10, Venue("Bij oma thuis"))
    assert "De plaats is veranderd" in text and "veranderd:" in text
    assert "datum is" not in text and "tijd is" not in text
