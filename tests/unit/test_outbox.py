"""The sender's pace and its report, with no I/O (times are given, not read)."""

from __future__ import annotations

import itertools
import math

import pytest

from bot.config import LOCALES_DIR
from bot.i18n import CatalogI18n
from bot.outbox.report_texts import progress_text, report_text
from bot.pace import Pace
from conference.model.outbox import BatchReport, DeliveryState, OpenBatch


def run(pace: Pace, until: float, round_trip: float = 0.002) -> list[float]:
    """Send as fast as the pace allows (answers after `round_trip`); the start times."""
    starts: list[float] = []
    answers: list[float] = []
    now = 0.0
    while now < until:
        while answers and answers[0] <= now:
            pace.end(answers.pop(0))
        at = pace.ready_at(now)
        if at > now:
            now = min(at, answers[0]) if answers else at
            continue
        pace.begin(now)
        starts.append(now)
        answers.append(now + round_trip)
    return starts


def most_in_a_second(starts: list[float]) -> int:
    return max(sum(1 for s in starts if t - 1.0 < s <= t) for t in starts)


def test_the_pace_keeps_the_rate_in_every_second_and_spaces_evenly():
    starts = run(Pace(20), until=5.0)
    assert most_in_a_second(starts) <= 20
    assert 19 * 5 <= len(starts) <= 20 * 5 + 2
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert min(gaps) >= 1 / 20 - 1e-9  # no bursts


def test_a_late_start_lets_the_next_catch_up_but_a_pause_gives_no_credit():
    pace = Pace(10)
    pace.begin(0.0)
    pace.end(0.01)
    pace.begin(0.13)  # 30 ms late (the loop was busy)
    assert pace.ready_at(0.14) == pytest.approx(0.2)  # the slot after it, not 0.23
    pace.end(0.15)
    pace.begin(5.0)  # after a pause
    pace.end(5.01)
    assert pace.ready_at(5.02) == pytest.approx(5.1)


def test_at_a_high_rate_a_busy_loop_costs_no_slots():
    pace = Pace(200)  # a slot every 5 ms; the loop may be busy for tens of them
    pace.begin(0.0)
    pace.end(0.002)
    started = [0.045]  # the loop was busy for 40 ms: the slots missed are made up at once
    pace.begin(0.045)
    while pace.ready_at(0.045) <= 0.045:
        pace.begin(0.045)
        started.append(0.045)
    assert len(started) == 9  # the slots of 5..45 ms
    assert pace.ready_at(0.046) == pytest.approx(0.050)
    pace.begin(0.2)  # 150 ms late: more than CATCH_UP_TIME, the spacing begins afresh
    assert pace.ready_at(0.2) == pytest.approx(0.205)


def test_a_request_counts_until_a_second_after_its_answer():
    pace = Pace(2)
    pace.begin(0.0)
    pace.begin(0.5)
    assert pace.ready_at(0.6) == math.inf  # both in flight: wait for an answer
    pace.end(0.9)
    assert pace.ready_at(1.0) == pytest.approx(1.9)  # not 1.0: the answer came at 0.9


def test_a_429_slows_everything_down_and_the_pace_recovers():
    pace = Pace(20)
    pace.throttle(10.0)
    pace.throttle(10.2)  # the same burst: one cut
    assert pace.throttled == 2
    assert pace.current_rate(10.2) == pytest.approx(14 + 2 * 0.2)
    assert pace.current_rate(14.0) == 20


def test_what_other_instances_send_is_left_out_of_this_ones_allowance():
    pace = Pace(20)
    pace.others = 15.0  # the other `kring serve` instances' replies, a second
    starts = run(pace, until=5.0)
    assert most_in_a_second(starts) <= 5
    assert 4 * 5 <= len(starts) <= 5 * 5 + 2
    pace.others = 40.0  # more than the whole rate: this one still sends, slowly
    assert pace.allowance == 1.0
    assert pace.sent in (len(starts) - 1, len(starts))  # the last may still be in flight


def test_the_bots_own_replies_hold_a_chat_back():
    pace = Pace(20)
    pace.begin(1.0)
    pace.end(1.1, chat=7)
    assert pace.chat_free_at(7) == pytest.approx(2.1)
    assert pace.chat_free_at(8) == -math.inf


@pytest.fixture(scope="module")
def i18n() -> CatalogI18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale="nl")


def test_the_report_names_only_what_happened(i18n: CatalogI18n):
    with i18n.context(), i18n.use_locale("nl"):
        clean = report_text(BatchReport(total=12, delivered=12))
        mixed = report_text(
            BatchReport(
                total=10, delivered=6, blocked=1, failed=2, unknown=1, skipped=3, unreachable=1
            )
        )
        counting = progress_text(BatchReport(total=120, delivered=30, failed=4, pending=86))
    assert clean == "Klaar: 12 van de 12 hebben het bericht ontvangen."
    assert mixed.splitlines() == [
        "Klaar: 6 van de 14 hebben het bericht ontvangen.",
        "⚠️ 2 konden niet worden bezorgd (Telegram of de e-mailserver weigerde het)",
        "❔ 1 onzeker: het versturen werd onderbroken en wordt niet herhaald",
        "📵 3 zijn nog niet bereikbaar via Telegram (niet verstuurd)",
        "🚫 2 hebben de bot geblokkeerd (niet verstuurd)",
    ]
    assert counting == "Versturen: 34 van 120 …"


def test_counts_make_the_report():
    report = BatchReport.from_counts(
        {
            DeliveryState.SENT: 5,
            DeliveryState.SENDING: 2,
            DeliveryState.PENDING: 3,
            DeliveryState.UNKNOWN: 1,
        },
        4,
    )
    assert (report.total, report.done, report.pending, report.addressed) == (11, 6, 5, 15)
    assert not report.finished
    assert not OpenBatch(1, "broadcast", None, None, None, report).shows_progress


def test_the_coordinator_reads_which_silent_messages_may_not_have_arrived(i18n: CatalogI18n):
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    from conference.model.outbox import Unconfirmed
    from dialogs.render.labels import unconfirmed_lines

    zone = ZoneInfo("Europe/Amsterdam")
    at = datetime(2026, 11, 3, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
    items = [
        Unconfirmed("reminder", "Frank", at),
        Unconfirmed("nudge", "<Sandra>", at),
        Unconfirmed("note", "Wim", at),
    ]
    with i18n.context(), i18n.use_locale("nl"):
        assert unconfirmed_lines([], zone, "nl") == []
        assert unconfirmed_lines(items, zone, "nl", limit=2) == [
            "",
            "⚠️ Mogelijk niet aangekomen: herinnering aan Frank, di 3 nov 10:00",
            "⚠️ Mogelijk niet aangekomen: vraag om te antwoorden aan &lt;Sandra&gt;, "
            "di 3 nov 10:00",
            "…",
        ]
    with i18n.context(), i18n.use_locale("en"):
        assert unconfirmed_lines(items[2:], zone, "en")[1] == (
            "⚠️ May not have arrived: message to Wim, Tue, Nov 3 10:00\u202fAM"
        )
