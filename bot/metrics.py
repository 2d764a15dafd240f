"""What `kring serve` shows on /metrics, in Prometheus' text format (prometheus-client). One
registry per process (tests run several kring in one process). Counts of this process since it
started; the backlogs (inbox, outbox, overdue reminders) are read from the database when
scraped, so every instance shows the same."""

from __future__ import annotations

from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily
from prometheus_client.registry import Collector

from bot.outbox.mail import MailStats
from bot.outbox.stats import SenderStats
from bot.pace import Pace
from bot.reminders import ReminderStats


class Metrics:
    def __init__(self) -> None:
        r = self.registry = CollectorRegistry()
        self.updates_handled = Counter(
            "kring_updates_handled", "Updates handled and committed", registry=r
        )
        self.updates_failed = Counter(
            "kring_updates_failed", "Updates whose handling failed (rolled back)", registry=r
        )
        self.updates_retried = Counter(
            "kring_updates_retried",
            "Tries of updates the database could not take (away, full, locked), tried again",
            registry=r,
        )
        self.updates_set_aside = Counter(
            "kring_updates_set_aside",
            "Updates from Telegram that did not parse, set aside (logged by id only)",
            registry=r,
        )
        self.handling_seconds = Histogram(
            "kring_update_handling_seconds",
            "From taking an update in hand to its commit",
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
            registry=r,
        )
        self.inbox_waiting = Gauge(
            "kring_inbox_waiting", "Updates taken from Telegram, not yet handled", registry=r
        )
        self.outbox_waiting = Gauge(
            "kring_outbox_waiting", "Messages waiting for the sender", registry=r
        )
        self.outbox_oldest_seconds = Gauge(
            "kring_outbox_oldest_waiting_seconds",
            "Age of the oldest batch with a message waiting for the sender",
            registry=r,
        )
        self.reminders_overdue = Gauge(
            "kring_reminders_overdue",
            "Reminders past their moment, not yet handed to the outbox",
            registry=r,
        )
        self.leader = Gauge(
            "kring_leader",
            "1 when this instance sends the outbox and runs the scheduler",
            registry=r,
        )

        self.invitation_refusals = Gauge(
            "kring_invitation_refusals_last_hour",
            "Invitation links refused in the last hour, all accounts together",
            registry=r,
        )
        self.invitation_links_paused = Gauge(
            "kring_invitation_links_paused",
            "1 while every invitation link waits: too many were refused in the last hour "
            "(KRING_INVITATION_REFUSALS_PER_HOUR)",
            registry=r,
        )
        self.instances = Gauge(
            "kring_instances",
            "kring serve instances sharing the database (seen in the last 10 s), this one too",
            registry=r,
        )

    def watch_sender(self, stats: SenderStats, pace: Pace) -> None:
        self.registry.register(_SenderCollector(stats, pace))

    def watch_reminders(self, stats: ReminderStats) -> None:
        self.registry.register(_ReminderCollector(stats))

    def watch_mail(self, stats: MailStats) -> None:
        self.registry.register(_MailCollector(stats))


class _MailCollector(Collector):
    """The e-mail lane's counts (web accounts' deliveries), read when scraped."""

    def __init__(self, stats: MailStats) -> None:
        self.stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        counts = {
            "kring_emails_sent": ("E-mails the mail server accepted", self.stats.sent),
            "kring_emails_failed": ("E-mails given up on", self.stats.failed),
            "kring_emails_retried": (
                "E-mails tried again after a 4xx or no connection",
                self.stats.retried,
            ),
            "kring_web_page_only": (
                "Messages for web accounts without an e-mail address (or no mail server)",
                self.stats.web_only,
            ),
        }
        for name, (documentation, value) in counts.items():
            yield CounterMetricFamily(name, documentation, value=value)


class _ReminderCollector(Collector):
    """The reminder runner's counts (on the instance that leads), read when scraped."""

    def __init__(self, stats: ReminderStats) -> None:
        self.stats = stats

    def collect(self) -> Iterator[CounterMetricFamily]:
        yield CounterMetricFamily(
            "kring_reminders_sent", "Reminders handed to the outbox", value=self.stats.handed
        )
        yield CounterMetricFamily(
            "kring_reminders_skipped",
            "Reminders no longer useful when they fell due (an answer, a new date)",
            value=self.stats.skipped,
        )
        yield CounterMetricFamily(
            "kring_reminders_late",
            "Reminders handed to the outbox more than a minute after their moment",
            value=self.stats.late,
        )


class _SenderCollector(Collector):
    """The outbox sender's own counts, read when scraped."""

    def __init__(self, stats: SenderStats, pace: Pace) -> None:
        self.stats, self.pace = stats, pace

    def collect(self) -> Iterator[CounterMetricFamily]:
        counts = {
            "kring_messages_sent": ("Messages Telegram accepted", self.stats.sent),
            "kring_messages_failed": ("Messages given up on", self.stats.failed),
            "kring_messages_blocked": (
                "Messages to people who blocked the bot",
                self.stats.blocked,
            ),
            "kring_messages_retried": (
                "Requests retried after a 5xx or network error",
                self.stats.retried,
            ),
            "kring_telegram_429": ("Times Telegram said to wait (429)", self.pace.throttled),
        }
        for name, (documentation, value) in counts.items():
            yield CounterMetricFamily(name, documentation, value=value)
