"""Issue 15: an outbox message as an e-mail (plain and HTML, the reader's language and
direction, the calendar file attached, a map link, buttons replaced by a link to their page),
and the mail server's settings (KRING_SMTP_URL, KRING_MAIL_FROM), checked at start."""

from __future__ import annotations

import email
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default

import pytest

from bot.config import LOCALES_DIR, ConfigError, load_settings
from bot.i18n import CatalogI18n
from bot.outbox.mail_render import plain_text, render_mail
from bot.outbox.smtp import Security, SmtpServer, mail_address
from conference.model.outbox import Document, Part, Photo, Text, Venue
from tests.mailbox import attachments, body_html, body_text

SENDER = Address("Eigen Kracht Centrale", "kring", "example.org")
PAGE = "https://kring.example.org/i/mine-7"
ICS = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"


@pytest.fixture(scope="module")
def i18n() -> CatalogI18n:
    return CatalogI18n(path=LOCALES_DIR, default_locale="nl")


def mail(i18n: CatalogI18n, parts: tuple[Part, ...], locale: str = "pl") -> EmailMessage:
    with i18n.context(), i18n.use_locale(locale):
        rendered = render_mail(
            parts,
            sender=SENDER,
            recipient="ewa@example.org",
            locale=locale,
            organisation="Eigen Kracht Centrale",
            page_url=PAGE,
        )
    # as the receiving end reads it
    parsed = email.message_from_bytes(rendered.as_bytes(), policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_telegram_html_as_plain_text():
    assert plain_text("<b>Witaj</b> Ewa &amp; Jan!\n<i>Do zobaczenia</i>") == (
        "Witaj Ewa & Jan!\nDo zobaczenia"
    )
    assert plain_text('Zobacz <a href="https://example.org/x">stronę</a>.') == (
        "Zobacz stronę (https://example.org/x)."
    )
    assert plain_text('<a href="https://example.org">https://example.org</a>') == (
        "https://example.org"
    )


def test_the_fixed_date_as_an_email_in_polish(i18n: CatalogI18n):
    parts = (
        Text(
            "Witaj <b>Ewa</b>! Data jest ustalona.\n📅 sob 3 lip 2027\n📍 De Linde",
            buttons=((("✅ Tak", "rsvp:1:yes"),),),
        ),
        Venue(52.09, 5.12, "Buurthuis De Linde", "Lindelaan 4, Utrecht"),
        Document("konferencja.ics", ICS),
    )
    message = mail(i18n, parts)
    assert message["Subject"] == "Eigen Kracht Centrale: Witaj Ewa! Data jest ustalona."
    assert message["To"] == "ewa@example.org"
    assert message["From"] == "Eigen Kracht Centrale <kring@example.org>"
    assert message["Content-Language"] == "pl"
    text = body_text(message)
    assert "Witaj Ewa! Data jest ustalona.\n📅 sob 3 lip 2027" in text
    assert "<b>" not in text and "✅ Tak" not in text  # no tags, no buttons
    assert "Buurthuis De Linde\nLindelaan 4, Utrecht\nhttps://www.openstreetmap.org/" in text
    assert "mlat=52.090000&mlon=5.120000" in text
    # the buttons' place: one line to their own page, in their language
    footer = "Odpowiedzi udziela się na osobistej stronie. Tam są opcje do wyboru:"
    assert footer in text
    assert text.rstrip().endswith(PAGE)
    html = body_html(message)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="pl" dir="ltr">' in html
    assert "Witaj <b>Ewa</b>!" in html and f'<a href="{PAGE}">' in html
    assert attachments(message) == [("konferencja.ics", "text/calendar", ICS)]


def test_right_to_left_and_a_photo(i18n: CatalogI18n):
    png = b"\x89PNG\r\n\x1a\nrest"
    message = mail(i18n, (Text("مرحبا <i>سارة</i>"), Photo(png, caption="صورة")), "ar")
    html = body_html(message)
    assert '<html lang="ar" dir="rtl">' in html and '<body dir="rtl">' in html
    assert "كل ما يخص المؤتمر" in body_text(message)
    assert PAGE in body_text(message)  # the link itself, not wrapped in isolates
    assert "\u2068" + PAGE not in body_text(message)
    assert attachments(message) == [("photo.png", "image/png", png)]


def test_a_subject_without_text_and_without_a_page(i18n: CatalogI18n):
    with i18n.context(), i18n.use_locale("en"):
        message = render_mail(
            (Document("conference.ics", ICS),),
            sender=SENDER,
            recipient="wim@example.org",
            locale="en",
            organisation="kring",
            page_url=None,
        )
    assert message["Subject"] == "kring: Eigen Kracht conference"
    assert "/i/" not in body_text(message)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "smtp://mailer:s%40cret@mail.example.org:587",
            SmtpServer("mail.example.org", 587, Security.STARTTLS, "mailer", "s@cret"),
        ),
        (
            "smtp://mailer:pw@mail.example.org",
            SmtpServer("mail.example.org", 587, Security.STARTTLS, "mailer", "pw"),
        ),
        (
            "smtps://mailer:pw@mail.example.org",
            SmtpServer("mail.example.org", 465, Security.TLS, "mailer", "pw"),
        ),
        ("smtp://127.0.0.1:2525", SmtpServer("127.0.0.1", 2525, Security.OPPORTUNISTIC)),
    ],
)
def test_smtp_urls(url: str, expected: SmtpServer):
    assert SmtpServer.parse(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "http://mail.example.org",
        "smtp://",
        "smtp://mailer@mail.example.org",  # a user without a password
        "smtp://mailer:pw@mail.example.org:port",
        "smtp://mail.example.org/inbox",
    ],
)
def test_bad_smtp_urls_stop_kring_with_one_line_and_no_password(url: str):
    with pytest.raises(ConfigError) as caught:
        load_settings(smtp_url=url, mail_from="kring@example.org", _env_file=None)
    message = str(caught.value)
    assert message.startswith("KRING_SMTP_URL: ") and "\n" not in message
    assert "pw" not in message


def test_a_mail_server_needs_a_sender():
    with pytest.raises(ConfigError, match=r"^KRING_MAIL_FROM: .*needed with KRING_SMTP_URL"):
        load_settings(smtp_url="smtp://127.0.0.1:2525", _env_file=None)
    with pytest.raises(ConfigError, match=r"^KRING_MAIL_FROM: "):
        load_settings(smtp_url="smtp://127.0.0.1:2525", mail_from="kring", _env_file=None)
    settings = load_settings(
        smtp_url="smtp://127.0.0.1:2525",
        mail_from="Eigen Kracht <kring@example.org>",
        public_url="https://kring.example.org/",
        _env_file=None,
    )
    assert settings.smtp == SmtpServer("127.0.0.1", 2525, Security.OPPORTUNISTIC)
    assert settings.public_url == "https://kring.example.org"
    assert "2525" not in repr(settings)  # the URL (it may hold a password) not shown
    assert mail_address(settings.mail_from or "") == Address(
        "Eigen Kracht", "kring", "example.org"
    )


def test_a_follow_up_question_links_to_its_section_of_the_page(i18n: CatalogI18n):
    """The 4-week question's buttons are dropped: the link leads to the same questions on the
    page, in the same section."""
    question = Text("Zwemmen op vrijdag", ((("〰️ Deels", "fu:3:1:partly"),),))
    assert PAGE + "#followup" in body_text(mail(i18n, (question,)))
    assert PAGE + "#followup" in body_html(mail(i18n, (question,)))
    plain = Text("Herinnering", ((("✅", "rsvp:3:yes"),),))
    assert PAGE + "#" not in body_text(mail(i18n, (plain,)))


def test_a_question_says_where_its_choices_are(i18n: CatalogI18n):
    """The chat's text says "tap what fits"; an e-mail has no buttons, so it says the choices
    are on their page. A message without buttons just links the page."""
    question = Text(
        "Hoe gaat het met het zwemmen? Tik op wat past.", ((("〰️", "fu:3:1:partly"),),)
    )
    assert "Your answer goes on your own page. The choices are there:" in body_text(
        mail(i18n, (question,), locale="en")
    )
    news = Text("De datum staat vast.")
    assert "Everything about the conference" in body_text(mail(i18n, (news,), locale="en"))
