"""What a registrant's mail client shows, read from the bytes a real SMTP server received:
who a reply goes to, the preview line, the plain text as typed, and the reminder's «domani
alle 10:30»."""

import email
import re
from datetime import timedelta
from email import policy
from email.header import decode_header, make_header

from django.core import mail
from django.test import override_settings
from django.utils.html import escape

from wagtail.models import Site

import pytest

from cgmsite.models import SiteSettings
from registrations import emails, outbox, services
from registrations.models import EmailMessage
from registrations.reminders import send_reminders, starts_phrase
from tests.events.factories import rome
from tests.registrations.conftest import ACCESS_LINK, CONTACT_EMAIL, only_token, service_data

pytestmark = pytest.mark.django_db

Kind = EmailMessage.Kind
SITE_CONTACT = "info@cgm.example"
HOUR = timedelta(hours=1)
PREHEADER = re.compile(r'<div class="preheader" style="([^"]*)">(.*?)</div>', re.DOTALL)


def received(server, row: EmailMessage) -> bytes:
    before = len(server.raw)
    with override_settings(**server.settings()):
        outbox.deliver(row)
    assert len(server.raw) == before + 1
    return server.raw[-1]


def headers_of(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.compat32)


def parts(raw: bytes) -> tuple[str, str]:
    message = email.message_from_bytes(raw, policy=policy.default)
    return (
        message.get_body(("plain",)).get_content(),
        message.get_body(("html",)).get_content(),
    )


def preheader_of(html: str) -> str:
    match = PREHEADER.search(html)
    assert match, "no preheader in the HTML part"
    style, content = match.groups()
    assert "display:none" in style
    # The text, without the invisible characters that follow it.
    return content.split("&#847;", 1)[0].strip()


def last_row(kind, registration=None) -> EmailMessage:
    rows = EmailMessage.objects.filter(kind=kind)
    if registration is not None:
        rows = rows.filter(registration=registration)
    return rows.latest("pk")


@pytest.fixture
def site_contact(registration_site):
    settings = SiteSettings.for_site(Site.objects.get(is_default_site=True))
    settings.contact_email = SITE_CONTACT
    settings.save()
    return settings


@pytest.fixture
def public_webinar(make_webinar, member_org):
    """Open to all, so that it may have no contact address of its own."""
    return make_webinar(contact_email="", members_only=False)


# Reply-To ----------------------------------------------------------------------------------


def test_replies_go_to_the_webinars_contact(open_webinar, confirmed, site_contact, smtp_server):
    registration = confirmed(open_webinar)
    for kind in (Kind.CONFIRMATION, Kind.INVITATION):
        raw = received(smtp_server, last_row(kind, registration))
        assert headers_of(raw).get_all("Reply-To") == [CONTACT_EMAIL]
        assert f"\r\nReply-To: {CONTACT_EMAIL}\r\n".encode() in raw


def test_else_to_the_sites_contact(public_webinar, confirmed, site_contact, smtp_server):
    registration = confirmed(public_webinar)
    raw = received(smtp_server, last_row(Kind.INVITATION, registration))
    assert headers_of(raw).get_all("Reply-To") == [SITE_CONTACT]


def test_else_no_reply_to_at_all(public_webinar, confirmed, smtp_server):
    registration = confirmed(public_webinar)
    raw = received(smtp_server, last_row(Kind.INVITATION, registration))
    assert headers_of(raw).get_all("Reply-To") is None
    assert b"\nReply-To:" not in raw.split(b"\r\n\r\n", 1)[0]


def test_the_notice_to_staff_has_no_reply_to(open_webinar, site_contact, sends_mail, smtp_server):
    with sends_mail():
        services.registration_create(webinar=open_webinar, **service_data("maria.rossi@gmail.com"))
    with sends_mail():
        registration = services.registration_request_access(
            token=only_token(mail.outbox[-1], ACCESS_LINK)
        )
    raw = received(smtp_server, last_row(Kind.ACCESS_REQUEST_NOTICE, registration))
    assert headers_of(raw)["To"] == CONTACT_EMAIL
    assert headers_of(raw).get_all("Reply-To") is None


def test_the_link_to_my_registrations_replies_to_the_site(open_webinar, confirmed, site_contact):
    confirmed(open_webinar)
    services.my_registrations_link_send(email="maria.bianchi@cgm.coop")
    row = last_row(Kind.MY_REGISTRATIONS)
    assert row.webinar is None
    assert emails.reply_to(row) == [SITE_CONTACT]


# Preheader and plain text ------------------------------------------------------------------


def test_the_preview_line_is_in_the_html_part_only(open_webinar, confirmed, smtp_server):
    registration = confirmed(open_webinar)
    expected = {
        Kind.CONFIRMATION: "Un clic per confermare la tua iscrizione: il link vale 48 ore.",
        Kind.INVITATION: (
            "Il tuo posto è confermato: ecco il link per partecipare e l’evento per il calendario."
        ),
    }
    for kind, line in expected.items():
        text, html = parts(received(smtp_server, last_row(kind, registration)))
        assert preheader_of(html) == line
        # First thing in the body, before the visible message.
        body = html[html.index("<body") :]
        assert body.index('class="preheader"') < body.index("<table")
        assert line not in text
        assert "preheader" not in text and "&zwnj;" not in text and "\u200c" not in text


@pytest.mark.parametrize("kind", Kind.values)
def test_every_kind_of_message_has_its_own_preview_line(kind, open_webinar, confirmed):
    registration = confirmed(open_webinar)
    context = {
        **emails.base_context(registration),
        "starts": "domani alle 10:30",
        "hours": 24,
        "applicant": {"name": "Maria Bianchi", "organisation": "CGM", "role": ""},
    }
    _subject, text, html = emails.render(kind, context)
    line = preheader_of(html)
    assert line, kind
    assert line not in text


def test_every_kind_says_something_different():
    from django.template.loader import get_template

    seen = {}
    for kind in Kind.values:
        source = get_template(f"registrations/emails/{kind}_body.html").template.source
        block = re.search(r"{% block preheader %}(.*?){% endblock %}", source).group(1)
        seen[kind] = block
    assert len(set(seen.values())) == len(seen)


def test_the_text_part_keeps_what_was_typed(make_webinar, member_org, confirmed, smtp_server):
    title = 'L\'impresa "sociale" & il welfare'
    webinar = make_webinar(title=title)
    registration = confirmed(webinar, first_name="Nicolò", last_name="Dell'Orto")
    raw = received(smtp_server, last_row(Kind.INVITATION, registration))
    text, html = parts(raw)
    assert title in text
    for entity in ("&amp;", "&#x27;", "&#39;", "&quot;", "&lt;"):
        assert entity not in text
    assert escape(title) in html
    assert preheader_of(html)


# The reminder says when ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "now", "said"),
    [
        (rome(2026, 12, 2, 10, 30), rome(2026, 12, 1, 10, 30), "domani alle 10:30"),
        (rome(2026, 12, 2, 10, 30), rome(2026, 12, 2, 9, 30), "oggi alle 10:30"),
        # Rome's calendar, not UTC's: 23:30 in Rome is already the next day there.
        (rome(2026, 12, 2, 0, 30), rome(2026, 12, 1, 23, 30), "domani alle 00:30"),
        (rome(2026, 12, 2, 0, 30), rome(2026, 12, 1, 0, 15), "domani alle 00:30"),
        (rome(2026, 12, 3, 9, 0), rome(2026, 12, 1, 10, 0), "giovedì 3 dicembre 2026 alle 09:00"),
        # Summer time: 10:30 in Rome is 08:30 UTC.
        (rome(2026, 7, 1, 10, 30), rome(2026, 6, 30, 11, 0), "domani alle 10:30"),
    ],
)
def test_when_the_reminder_says_it_starts(start, now, said):
    assert starts_phrase(start, now) == said


@pytest.fixture
def tomorrow_webinar(make_webinar, member_org, confirmed):
    webinar = make_webinar(start=rome(2099, 12, 2, 10, 30), end=rome(2099, 12, 2, 12, 0))
    confirmed(webinar, "uno@cgm.coop")
    mail.outbox.clear()
    return webinar


def test_the_day_before_it_says_tomorrow(tomorrow_webinar, sends_mail, smtp_server):
    with sends_mail():
        assert send_reminders(now=tomorrow_webinar.start - 23 * HOUR) == 1
    row = last_row(Kind.REMINDER)
    raw = received(smtp_server, row)
    subject = str(make_header(decode_header(headers_of(raw)["Subject"])))
    assert subject == f"Promemoria: domani alle 10:30 – {tomorrow_webinar.title}"
    text, html = parts(raw)
    for part in (text, html):
        assert "inizia domani alle 10:30." in part
        assert "tra poco" not in part
    assert preheader_of(html) == "Inizia domani alle 10:30: ecco il tuo link per partecipare."
    assert "Inizia domani" not in text


def test_the_hour_before_it_says_today(tomorrow_webinar, sends_mail):
    with sends_mail():
        assert send_reminders(now=tomorrow_webinar.start - 50 * timedelta(minutes=1)) == 1
    row = last_row(Kind.REMINDER)
    assert row.subject == f"Promemoria: oggi alle 10:30 – {tomorrow_webinar.title}"
    assert "inizia oggi alle 10:30." in row.body_text


def test_a_long_title_is_cut_so_the_subject_still_fits(
    make_webinar, member_org, confirmed, sends_mail
):
    webinar = make_webinar(
        title="Welfare " * 31, start=rome(2099, 12, 2, 10, 30), end=rome(2099, 12, 2, 12, 0)
    )
    confirmed(webinar, "uno@cgm.coop")
    with sends_mail():
        assert send_reminders(now=webinar.start - 23 * HOUR) == 1
    subject = last_row(Kind.REMINDER).subject
    assert len(subject) <= 255
    assert subject.startswith("Promemoria: domani alle 10:30 – Welfare")
    assert subject.endswith("…")


# Dates: the e-mails write them as the page does ----------------------------------------------


def test_the_e_mails_write_the_dates_as_the_page(make_webinar, member_org, confirmed, client):
    webinar = make_webinar(start=rome(2099, 11, 30, 10, 0), end=rome(2099, 12, 1, 13, 0))
    label = "da lunedì 30 novembre 2099, 10:00 a martedì 1 dicembre 2099, 13:00"
    registration = confirmed(webinar)
    invitation = last_row(Kind.INVITATION, registration)
    assert label in invitation.body_text
    assert label in invitation.body_html
    unfolded = re.sub(r"\r?\n[ \t]", "", invitation.ics)
    assert f"DESCRIPTION:{label.replace(',', chr(92) + ',')}\\n\\n" in unfolded
    assert label in client.get(webinar.url).content.decode()
