"""A submitted request as a manager reads it."""

from __future__ import annotations

from datetime import datetime
from html import escape
from zoneinfo import ZoneInfo

from conference.model.request import ConferenceRequest, Field, RequestKind
from dialogs.render.labels import field_label, kind_label, language_name, model_label, role_label
from dialogs.render.texts import _, joined, labelled, ngettext, number
from dialogs.to_others import when


def request_notice(request: ConferenceRequest, zone: ZoneInfo, locale: str) -> str:
    return "\n".join(
        [
            labelled(f"📥 <b>{escape(kind_label(request.kind))}</b>:", request.reference),
            _("Gemeente of regio: {region}").format(region=escape(request.region)),
            _("Ontvangen: {moment}").format(moment=when(request.created_at, zone, locale)),
        ]
    )


def ago(moment: datetime, now: datetime) -> str:
    days = max(0, (now - moment).days)
    return (
        ngettext("{days} dag geleden", "{days} dagen geleden", days).format(days=days)
        if days
        else _("vandaag")
    )


def request_details(request: ConferenceRequest, zone: ZoneInfo, locale: str, now: datetime) -> str:
    not_given = _("niet ingevuld")
    rows: list[tuple[str, str | None]] = [
        (_("Aanvrager"), escape(request.applicant_name)),
    ]
    if request.kind is RequestKind.CONFERENCE:
        rows += [
            (
                field_label(Field.ROLE),
                role_label(request.applicant_role) if request.applicant_role else None,
            ),
            (field_label(Field.SUBJECT_NAME), escape(request.subject_name or "")),
            (
                field_label(Field.SUBJECT_AGE),
                number(request.subject_age) if request.subject_age is not None else None,
            ),
            (field_label(Field.QUESTION), escape(request.question or "")),
            (field_label(Field.CONCERNS), escape(request.concerns or "")),
            (field_label(Field.MODEL), model_label(request.model) if request.model else None),
            (
                field_label(Field.LANGUAGES),
                joined((escape(language_name(c, locale)) for c in request.family_languages), ", "),
            ),
            (
                field_label(Field.COORDINATOR_PREFERENCE),
                escape(request.coordinator_preference or ""),
            ),
        ]
        if request.minimum_requirement:
            rows.append(
                (field_label(Field.MINIMUM_REQUIREMENT), escape(request.minimum_requirement))
            )
    rows += [
        (field_label(Field.REGION), escape(request.region)),
        (
            _("Telefoon"),
            escape(request.contact_phone) if request.contact_phone else _("alleen via Telegram"),
        ),
    ]
    head = [
        labelled(f"<b>{escape(kind_label(request.kind))}</b>:", request.reference),
        _("Ontvangen: {moment} ({ago})").format(
            moment=when(request.created_at, zone, locale), ago=ago(request.created_at, now)
        ),
        "",
    ]
    return "\n".join(
        head + [labelled(f"<b>{label}</b>:", value or not_given) for label, value in rows]
    )
