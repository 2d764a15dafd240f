"""A message of the outbox (its parts, rendered for Telegram in the reader's language) as one
e-mail: text/plain and text/html alternatives, attachments for files and photos, a map link
for a venue. Buttons cannot work in an e-mail: one line at the end links to the person's own
web page instead. Call inside `i18n.use_locale(<the reader's locale>)`: the subject's fallback
and that line are translated here, the rest arrived translated."""

from __future__ import annotations

from collections.abc import Sequence
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from html import escape
from html.parser import HTMLParser

from conference.model.outbox import Document, Part, Photo, Text, Venue
from dialogs.callbacks import CheckInAnswer, FollowUpAnswer
from dialogs.render.texts import _, bare_link, is_rtl

SUBJECT_LENGTH = 120
MAP = "https://www.openstreetmap.org/?mlat={lat:.6f}&mlon={lon:.6f}#map=17/{lat:.6f}/{lon:.6f}"


class _PlainText(HTMLParser):
    """Telegram's HTML as plain text: tags dropped, entities read, a link as "text (url)"."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.out)))
        elif tag == "br":
            self.out.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag == "a" and self._links:
            href, start = self._links.pop()
            label = "".join(self.out[start:])
            if href and href != label:
                self.out.append(f" ({href})")

    def handle_data(self, data: str) -> None:
        self.out.append(data)


def plain_text(html: str) -> str:
    parser = _PlainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.out)


def subject_of(parts: Sequence[Part], organisation: str) -> str:
    """The first line of the first text, tags dropped, after the organisation's name."""
    first = next((plain_text(p.text) for p in parts if isinstance(p, Text)), "")
    line = next((line.strip() for line in first.splitlines() if line.strip()), "")
    if not line:
        line = _("Eigen Kracht-conferentie")
    if len(line) > SUBJECT_LENGTH:
        line = line[: SUBJECT_LENGTH - 1].rstrip() + "…"
    return f"{organisation}: {line}"


def map_link(venue: Venue) -> str:
    return MAP.format(lat=venue.latitude, lon=venue.longitude)


# buttons that answer the plan's follow-up: the page has the same questions in this section
_FOLLOW_UP_BUTTONS = tuple(f"{kind.__prefix__}:" for kind in (FollowUpAnswer, CheckInAnswer))


def page_section(parts: Sequence[Part]) -> str:
    """Where on their page the message's buttons are answered ("" for the top)."""
    for part in parts:
        if isinstance(part, Text) and any(
            data.startswith(_FOLLOW_UP_BUTTONS) for row in part.buttons for _label, data in row
        ):
            return "#followup"
    return ""


def render_mail(
    parts: Sequence[Part],
    *,
    sender: Address,
    recipient: str,
    locale: str,
    organisation: str,
    page_url: str | None,
    domain: str | None = None,
) -> EmailMessage:
    """The e-mail for one delivery. `page_url`: the person's web page (None: no such line)."""
    plain: list[str] = []
    html: list[str] = []
    attachments: list[tuple[bytes, str, str, str]] = []  # data, maintype, subtype, filename
    for part in parts:
        if isinstance(part, Text):
            plain.append(plain_text(part.text))
            html.append(f'<div style="white-space: pre-wrap">{part.text}</div>')
        elif isinstance(part, Venue):
            link = map_link(part)
            lines = [part.title, *([part.address] if part.address != part.title else [])]
            plain.append("\n".join([*lines, link]))
            html.append(
                "<p>"
                + "<br>".join(escape(line) for line in lines)
                + f'<br><a href="{escape(link)}">{escape(link)}</a></p>'
            )
        elif isinstance(part, Document):
            if part.caption:
                plain.append(plain_text(part.caption))
                html.append(f'<div style="white-space: pre-wrap">{part.caption}</div>')
            maintype, subtype = (
                ("text", "calendar")
                if part.filename.endswith(".ics")
                else ("application", "octet-stream")
            )
            attachments.append((part.data, maintype, subtype, part.filename))
        else:
            assert isinstance(part, Photo)
            if part.caption:
                plain.append(plain_text(part.caption))
                html.append(f'<div style="white-space: pre-wrap">{part.caption}</div>')
            subtype = "png" if part.data.startswith(b"\x89PNG") else "jpeg"
            attachments.append((part.data, "image", subtype, f"photo.{subtype[:3]}"))
    if page_url is not None:
        page_url += page_section(parts)
        asks = any(isinstance(part, Text) and part.buttons for part in parts)
        footer = (
            # the text above may say "tap": an e-mail has no buttons, the page has the choices
            _("Je antwoord geef je op je eigen pagina. Daar staan de keuzes:")
            if asks
            else _("Alles over de conferentie, en je antwoord, staat op je eigen pagina:")
        )
        plain.append(f"—\n{footer}\n{bare_link(page_url)}")
        html.append(
            f'<hr><p>{escape(footer)}<br><a href="{escape(page_url)}">{escape(page_url)}</a></p>'
        )
    direction = "rtl" if is_rtl(locale) else "ltr"
    message = EmailMessage()
    message["Subject"] = subject_of(parts, organisation)
    message["From"] = sender
    message["To"] = recipient
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(domain=domain or sender.domain)
    message["Auto-Submitted"] = "auto-generated"  # no out-of-office replies, please
    message.set_content("\n\n".join(plain) + "\n")
    message.add_alternative(
        f'<!DOCTYPE html>\n<html lang="{escape(locale)}" dir="{direction}">'
        '<head><meta charset="utf-8"></head>'
        f'<body dir="{direction}">{"".join(html)}</body></html>\n',
        subtype="html",
    )
    for data, maintype, subtype, filename in attachments:
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    message["Content-Language"] = locale  # after the content: setting that drops Content-*
    return message
