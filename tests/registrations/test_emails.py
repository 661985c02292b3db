"""What a recipient gets: the bytes a real SMTP server on localhost receives.

Messages are written by the sign-up flow (``services``, the form), handed by the outbox
to the SMTP server of ``tests/registrations/smtpd.py`` (``outbox.deliver``, the body of
the send task) and read back from the bytes that arrived, as a mail client would.
"""

import email
import re
from email import policy
from email.header import decode_header, make_header

from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

import pytest

from registrations import outbox, services
from registrations.models import EmailMessage, Registration
from tests.factories import ArticlePageFactory
from tests.registrations.conftest import (
    ACCESS_LINK,
    form_data,
    only_token,
    service_data,
)

Kind = EmailMessage.Kind
TITLE = "L'impresa sociale & il welfare"
OUTSIDER = "maria.dellorto@gmail.com"
# What someone types into the form to use the site as a relay to a stranger's inbox.
BAIT = {
    "first_name": "Premio! Vai su https://evil.example/login",
    "last_name": "Ritira su evil.example",
    "organisation": "Vinci un iPhone: www.evil.example/premio",
    "role": "Scrivi a premi@evil.example",
}


def received(server, row: EmailMessage) -> bytes:
    """Send ``row`` through the real SMTP server; the bytes the server received."""
    before = len(server.raw)
    with override_settings(**server.settings()):
        outbox.deliver(row)
    assert len(server.raw) == before + 1
    return server.raw[-1]


def parsed(raw: bytes):
    return email.message_from_bytes(raw, policy=policy.default)


def leaf_parts(message) -> dict:
    return {part.get_content_type(): part for part in message.walk() if not part.is_multipart()}


def decoded_subject(raw: bytes) -> str:
    """The Subject header of the raw message, unfolded and decoded (RFC 2047)."""
    header = email.message_from_bytes(raw, policy=policy.compat32)["Subject"]
    return str(make_header(decode_header(header)))


def italian(message: str, **values) -> str:
    with translation.override("it"):
        return gettext(message) % values


def last_row(kind: str, registration: Registration | None = None) -> EmailMessage:
    rows = EmailMessage.objects.filter(kind=kind)
    if registration is not None:
        rows = rows.filter(registration=registration)
    return rows.latest("pk")


@pytest.fixture
def titled_webinar(make_webinar, member_org):
    return make_webinar(title=TITLE)


@pytest.fixture
def access_requested(sends_mail):
    """``access_requested(webinar, **fields)``: an outsider asks staff for access."""

    def ask(webinar, address=OUTSIDER, **fields):
        with sends_mail():
            services.registration_create(webinar=webinar, **service_data(address, **fields))
        with sends_mail():
            return services.registration_request_access(
                token=only_token(mail.outbox[-1], ACCESS_LINK)
            )

    return ask


# Plain text is plain: no HTML entities (item 4) ------------------------------------------


@pytest.mark.django_db
def test_the_invitation_subject_and_text_read_as_written(titled_webinar, confirmed, smtp_server):
    registration = confirmed(titled_webinar, first_name="Nicolò", last_name="Dell'Orto")

    raw = received(smtp_server, last_row(Kind.INVITATION, registration))

    found = leaf_parts(parsed(raw))
    text, html = found["text/plain"].get_content(), found["text/html"].get_content()
    assert decoded_subject(raw) == italian("Invitation: %(title)s", title=TITLE)
    assert TITLE in text
    assert italian("Hello %(name)s,", name="Nicolò") in text
    for entity in ("&#x27;", "&#39;", "&amp;", "&quot;"):
        assert entity not in text
    # The HTML part stays HTML: the title is escaped there, once.
    assert escape(TITLE) in html
    assert f"<title>{escape(decoded_subject(raw))}</title>" in html
    assert "&amp;amp;" not in html
    assert "&amp;#x27;" not in html


@pytest.mark.django_db
def test_the_staff_notice_shows_names_as_typed_in_text_and_escaped_in_html(
    titled_webinar, access_requested, smtp_server
):
    registration = access_requested(
        titled_webinar,
        first_name="Maria",
        last_name="Dell'Orto",
        organisation_name="Cooperativa L'Arcobaleno & Co.",
        role="<script>alert(1)</script>",
    )

    raw = received(smtp_server, last_row(Kind.ACCESS_REQUEST_NOTICE, registration))

    found = leaf_parts(parsed(raw))
    text, html = found["text/plain"].get_content(), found["text/html"].get_content()
    assert decoded_subject(raw) == italian("Access request: %(title)s", title=TITLE)
    assert "Maria Dell'Orto" in text
    assert "Cooperativa L'Arcobaleno & Co." in text
    assert TITLE in text
    assert "&#x27;" not in text
    assert "&amp;" not in text
    assert "Maria Dell&#x27;Orto" in html
    assert "Cooperativa L&#x27;Arcobaleno &amp; Co." in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html
    assert "&amp;amp;" not in html


@pytest.mark.django_db
@pytest.mark.parametrize(
    "breaker",
    ["\r\n", "\n", "\r", "\u2028", "\u2029", "\x85", "\x0b", "\x0c"],
    ids=["crlf", "lf", "cr", "u2028", "u2029", "nel", "vt", "ff"],
)
def test_a_line_break_in_a_title_adds_no_header(
    make_webinar, member_org, confirmed, smtp_server, breaker
):
    webinar = make_webinar(title=f"Welfare{breaker}Bcc: spam@evil.example")
    registration = confirmed(webinar, first_name=f"Maria{breaker}X-Injected: yes")

    raw = received(smtp_server, last_row(Kind.INVITATION, registration))

    message = email.message_from_bytes(raw, policy=policy.compat32)
    assert message.get_all("Bcc") is None
    assert message.get_all("X-Injected") is None
    assert decoded_subject(raw) == italian(
        "Invitation: %(title)s", title="Welfare Bcc: spam@evil.example"
    )
    [(recipients, _mime)] = smtp_server.received
    assert recipients == ["maria.bianchi@cgm.coop"]
    headers = raw.split(b"\r\n\r\n", 1)[0]
    assert not re.search(rb"^(Bcc|X-Injected):", headers, re.MULTILINE | re.IGNORECASE)


@pytest.mark.django_db
def test_the_webinar_page_title_is_escaped_once(client, titled_webinar, registration_site):
    article = ArticlePageFactory(parent=registration_site.news_index, title=TITLE)

    for page in (titled_webinar, article):
        html = client.get(page.url).content.decode()
        [title] = re.findall(r"<title>(.*?)</title>", html, re.DOTALL)
        assert title.startswith(f"{escape(TITLE)} | ")


# The calendar part names each parameter once (item 6) -----------------------------------


def calendar_content_type(raw: bytes) -> tuple[str, list[tuple[str, str]]]:
    """The calendar part's Content-Type as it arrived: the type and each parameter."""
    message = email.message_from_bytes(raw, policy=policy.compat32)
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    header = re.sub(r"\r?\n[ \t]+", " ", part["Content-Type"])
    assert f"Content-Type: {part['Content-Type']}".encode() in raw
    kind, *params = [piece.strip() for piece in header.split(";")]
    pairs = []
    for param in params:
        name, _, value = param.partition("=")
        pairs.append((name.strip().lower(), value.strip().strip('"')))
    return kind, pairs


def assert_calendar_part(raw: bytes, method: str) -> None:
    kind, params = calendar_content_type(raw)
    names = [name for name, _value in params]
    assert kind == "text/calendar"
    assert sorted(names) == sorted(set(names)), f"a parameter repeats: {params}"
    assert dict(params)["method"] == method
    assert dict(params)["charset"].lower() == "utf-8"
    assert f"METHOD:{method}" in leaf_parts(parsed(raw))["text/calendar"].get_content()


@pytest.mark.django_db
def test_the_invitation_calendar_part_has_each_parameter_once(open_webinar, confirmed, smtp_server):
    registration = confirmed(open_webinar)

    raw = received(smtp_server, last_row(Kind.INVITATION, registration))

    assert_calendar_part(raw, "REQUEST")


@pytest.mark.django_db
def test_the_cancellation_calendar_part_has_each_parameter_once(
    open_webinar, confirmed, sends_mail, smtp_server
):
    registration = confirmed(open_webinar)
    with sends_mail():
        services.registration_cancel(registration=registration)

    raw = received(smtp_server, last_row(Kind.CANCELLATION, registration))

    assert_calendar_part(raw, "CANCEL")


@pytest.mark.django_db
def test_through_anymail_the_calendar_part_still_names_method_and_charset_once(
    open_webinar, confirmed, settings
):
    registration = confirmed(open_webinar)
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    mail.outbox.clear()

    outbox.deliver(last_row(Kind.INVITATION, registration))

    [attachment] = mail.outbox[0].anymail_test_params["attachments"]
    kind, *params = [piece.strip().partition("=") for piece in attachment.content_type.split(";")]
    assert kind[0] == "text/calendar"
    assert sorted(name.lower() for name, _eq, _value in params) == ["charset", "method"]
    assert {name.lower(): value.strip('"') for name, _eq, value in params} == {
        "method": "REQUEST",
        "charset": "utf-8",
    }


# Nothing typed into the form reaches an address not yet proven (item 12) -----------------


def assert_echoes_nothing_typed(raw: bytes) -> None:
    message = parsed(raw)
    found = leaf_parts(message)
    text, html = found["text/plain"].get_content(), found["text/html"].get_content()
    for content in (decoded_subject(raw), text, html):
        assert "evil.example" not in content
        for typed in BAIT.values():
            assert typed not in content
            assert escape(typed) not in content
        assert "Premio" not in content
        assert "iPhone" not in content


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("address", "kind"),
    [("chiunque@cgm.coop", Kind.CONFIRMATION), ("chiunque@gmail.com", Kind.MEMBERS_ONLY)],
    ids=["confirmation", "members-only"],
)
def test_the_first_message_to_an_address_echoes_nothing_typed_into_the_form(
    client, open_webinar, sends_mail, smtp_server, address, kind
):
    with sends_mail():
        response = client.post(
            reverse("registrations:register", args=[open_webinar.pk]), form_data(address, **BAIT)
        )
    assert response.status_code == 302
    registration = Registration.objects.get(email=address)
    assert registration.first_name == BAIT["first_name"]  # stored for staff, as typed

    raw = received(smtp_server, last_row(kind, registration))

    assert_echoes_nothing_typed(raw)
    with translation.override("it"):
        assert gettext("Hello,") in parsed(raw).get_body(("plain",)).get_content()


@pytest.mark.django_db
def test_the_same_address_signing_up_again_gets_nothing_typed_either(
    open_webinar, sends_mail, smtp_server, settings
):
    settings.REGISTRATION_RESEND_INTERVAL = 0
    for _attempt in range(2):
        with sends_mail():
            services.registration_create(
                webinar=open_webinar,
                **service_data(
                    "chiunque@cgm.coop",
                    first_name=BAIT["first_name"],
                    last_name=BAIT["last_name"],
                    organisation_name=BAIT["organisation"],
                    role=BAIT["role"],
                ),
            )
    rows = EmailMessage.objects.filter(kind=Kind.CONFIRMATION).order_by("pk")
    assert rows.count() == 2

    for row in rows:
        assert_echoes_nothing_typed(received(smtp_server, row))


@pytest.mark.django_db
def test_staff_cancelling_an_unconfirmed_sign_up_echo_nothing_typed(
    open_webinar, sends_mail, smtp_server
):
    with sends_mail():
        registration = services.registration_create(
            webinar=open_webinar,
            **service_data(
                "chiunque@cgm.coop",
                first_name=BAIT["first_name"],
                last_name=BAIT["last_name"],
                organisation_name=BAIT["organisation"],
                role=BAIT["role"],
            ),
        )
    with sends_mail():
        services.registration_cancel(registration=registration)

    raw = received(smtp_server, last_row(Kind.CANCELLATION, registration))

    assert_echoes_nothing_typed(raw)


@pytest.mark.django_db
def test_once_the_address_is_confirmed_the_person_is_greeted_by_name(
    open_webinar, confirmed, smtp_server
):
    registration = confirmed(open_webinar, first_name="Giulia")

    raw = received(smtp_server, last_row(Kind.INVITATION, registration))

    assert (
        italian("Hello %(name)s,", name="Giulia") in parsed(raw).get_body(("plain",)).get_content()
    )


@pytest.mark.django_db
def test_staff_see_the_name_typed_but_no_link_made_of_it(
    open_webinar, access_requested, smtp_server
):
    registration = access_requested(
        open_webinar,
        first_name=BAIT["first_name"],
        last_name='<a href="https://evil.example/x">clic</a>',
        organisation_name=BAIT["organisation"],
        role=BAIT["role"],
    )
    assert registration.status == Registration.Status.PENDING_REVIEW
    mail.outbox.clear()

    raw = received(smtp_server, last_row(Kind.ACCESS_REQUEST_NOTICE, registration))

    found = leaf_parts(parsed(raw))
    text, html = found["text/plain"].get_content(), found["text/html"].get_content()
    for content in (text, html):
        # Staff read what was typed, but no mail client can turn it into a link.
        assert "Premio! Vai su" in content
        assert "evil.example" not in content
        assert "https://evil" not in content
        assert "www.evil" not in content
    assert "evil[.]example" in text
    assert "&lt;a href=" in html
    assert '<a href="https://evil' not in html
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs
    assert all(href.startswith(("http://testserver/", "mailto:")) for href in hrefs), hrefs
