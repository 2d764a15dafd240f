from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from dialogs.to_others import when

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def test_moments_are_shown_in_the_conference_zone_and_the_readers_locale():
    summer = datetime(2026, 7, 3, 8, 0, tzinfo=UTC)  # 10:00 in Amsterdam (CEST)
    winter = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)  # 10:30 in Amsterdam (CET)
    assert when(summer, AMSTERDAM, "nl") == "3 jul 2026, 10:00"
    assert when(summer, AMSTERDAM, "en") == "Jul 3, 2026, 10:00\u202fAM"
    assert when(winter, AMSTERDAM, "nl") == "24 nov 2026, 10:30"
