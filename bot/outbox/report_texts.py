"""The texts a coordinator sees in the report chat while a batch goes out: the progress message
("Versturen: 34 van 120 …") and the report it becomes."""

from __future__ import annotations

from conference.model.outbox import BatchReport
from dialogs.render.texts import _, ngettext


def progress_text(report: BatchReport) -> str:
    return _("Versturen: {done} van {total} …").format(done=report.done, total=report.total)


def report_text(report: BatchReport) -> str:
    lines = [
        ngettext(
            "Klaar: {delivered} van de {total} heeft het bericht ontvangen.",
            "Klaar: {delivered} van de {total} hebben het bericht ontvangen.",
            report.delivered,
        ).format(delivered=report.delivered, total=report.addressed)
    ]
    if report.failed:
        lines.append(
            ngettext(
                "⚠️ {count} kon niet worden bezorgd (Telegram of de e-mailserver weigerde het)",
                "⚠️ {count} konden niet worden bezorgd (Telegram of de e-mailserver weigerde het)",
                report.failed,
            ).format(count=report.failed)
        )
    if report.unknown:
        lines.append(
            _("❔ {count} onzeker: het versturen werd onderbroken en wordt niet herhaald").format(
                count=report.unknown
            )
        )
    if report.skipped:
        lines.append(
            ngettext(
                "📵 {count} is nog niet bereikbaar via Telegram (niet verstuurd)",
                "📵 {count} zijn nog niet bereikbaar via Telegram (niet verstuurd)",
                report.skipped,
            ).format(count=report.skipped)
        )
    if report.web_only:
        lines.append(
            ngettext(
                "🌐 {count} alleen op de eigen webpagina: geen e-mailadres (bel die persoon)",
                "🌐 {count} alleen op hun eigen webpagina: geen e-mailadres (bel hen)",
                report.web_only,
            ).format(count=report.web_only)
        )
    # Only someone who started the bot is ever sent to, so a 403 now (blocked) and one noted
    # before (left out) both mean: this person blocked the bot.
    if blocked := report.blocked + report.unreachable:
        lines.append(
            ngettext(
                "🚫 {count} heeft de bot geblokkeerd (niet verstuurd)",
                "🚫 {count} hebben de bot geblokkeerd (niet verstuurd)",
                blocked,
            ).format(count=blocked)
        )
    return "\n".join(lines)
