"""No secret reaches a log line: tokens in paths and the Teams join URL are hidden.

The whole life of a registration runs over HTTP (sign up, confirm, join, cancel, the
cancelled join link) while the site's own log handlers, as configured by ``LOGGING``,
write into a buffer; then the buffer is searched for every token and for the meeting URL.
"""

import io
import logging
import re

from django.core import mail
from django.urls import reverse

import pytest

from cgmsite.log_filters import HIDDEN, RedactSecrets, redact
from tests.registrations.conftest import CANCEL_LINK, CONFIRM_LINK, form_data, only_token

MEMBER = "maria.bianchi@cgm.coop"


@pytest.fixture
def log_output():
    """What the site's log handlers (root and development server) write, in a buffer."""
    handlers = [
        handler
        for logger in (logging.getLogger(), logging.getLogger("django.server"))
        for handler in logger.handlers
        if any(isinstance(f, RedactSecrets) for f in handler.filters)
    ]
    assert len(handlers) == 2, "the LOGGING handlers lost their filter"
    buffer = io.StringIO()
    previous = [handler.setStream(buffer) for handler in handlers]
    yield buffer
    for handler, stream in zip(handlers, previous, strict=True):
        handler.setStream(stream)


@pytest.mark.django_db
def test_a_registrations_whole_life_leaves_no_secret_in_the_logs(
    client, open_webinar, sends_mail, log_output
):
    with sends_mail():
        response = client.post(
            reverse("registrations:register", args=[open_webinar.pk]), form_data(MEMBER)
        )
    assert response.status_code == 302
    confirm_token = only_token(mail.outbox[-1], CONFIRM_LINK)
    confirm_path = reverse("registrations:confirm", args=[confirm_token])
    with sends_mail():
        assert client.post(confirm_path).status_code in (200, 302)
    invitation = mail.outbox[-1]
    join_path = re.search(r"/webinar/entra/[^/\s\"<>]+/", invitation.body).group(0)
    cancel_token = only_token(invitation, CANCEL_LINK)

    assert client.get(join_path).status_code == 302
    with sends_mail():
        client.post(reverse("registrations:cancel", args=[cancel_token]))
    assert client.get(join_path).status_code == 410
    assert client.post(confirm_path).status_code == 409  # used already: logged as a conflict
    # What the development server writes for each request, and a crash naming the meeting.
    logging.getLogger("django.server").info('"%s" %s %s', f"GET {join_path} HTTP/1.1", 302, 0)
    try:
        raise RuntimeError(f"Teams refused {open_webinar.teams_join_url}")
    except RuntimeError:
        logging.getLogger("registrations").exception("Join failed for %s", join_path)

    logged = log_output.getvalue()
    assert f"Gone: /webinar/entra/{HIDDEN}/" in logged  # django.request, the 410 above
    assert f"Conflict: /iscrizioni/conferma/{HIDDEN}/" in logged
    assert f"GET /webinar/entra/{HIDDEN}/ HTTP/1.1" in logged
    assert "RuntimeError: Teams refused" in logged
    secrets = [open_webinar.teams_join_url, join_path, confirm_token, cancel_token]
    for secret in secrets:
        assert secret not in logged


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Gone: /webinar/entra/abc_DEF-123/", f"Gone: /webinar/entra/{HIDDEN}/"),
        (
            "Bad Request: /iscrizioni/conferma/WzEs:1x:Yz/",
            f"Bad Request: /iscrizioni/conferma/{HIDDEN}/",
        ),
        (
            '"POST /iscrizioni/annulla/tok?x=1 HTTP/1.1" 200',
            f'"POST /iscrizioni/annulla/{HIDDEN}?x=1 HTTP/1.1" 200',
        ),
        ("/iscrizioni/richiedi-accesso/t0k/", f"/iscrizioni/richiedi-accesso/{HIDDEN}/"),
        # «Le mie iscrizioni»: the person's link (a few hours of their join links and
        # cancellations) and its calendar file, e.g. a 400 for another registration's id.
        (
            "Bad Request: /iscrizioni/le-mie/ImFAYi5jIg:1x:Yz/calendario/7.ics",
            f"Bad Request: /iscrizioni/le-mie/{HIDDEN}/calendario/7.ics",
        ),
        ("GET /iscrizioni/le-mie/ImFAYi5jIg:1x:Yz/ 200", f"GET /iscrizioni/le-mie/{HIDDEN}/ 200"),
        ("POST /iscrizioni/le-mie/ 429", "POST /iscrizioni/le-mie/ 429"),
        # A mangled link is a 404, and the token in it still works at its proper address.
        ("Not Found: /Iscrizioni/le-mie/tok3n/", f"Not Found: /Iscrizioni/le-mie/{HIDDEN}/"),
        ("Not Found: //iscrizioni//le-mie/tok3n/", f"Not Found: //iscrizioni//le-mie/{HIDDEN}/"),
        ("Not Found: /iscrizioni/./annulla/tok3n/", f"Not Found: /iscrizioni/./annulla/{HIDDEN}/"),
        ("GET /WEBINAR/entra/tok3n/ 404", f"GET /WEBINAR/entra/{HIDDEN}/ 404"),
        ("GET /attestati/./verifica/CGM-AB/ 200", "GET /attestati/./verifica/CGM-AB/ 200"),
        (
            "GET /admin/password_reset/confirm/MQ/cz6m3p-4f1e2d3c4b5a6978/ 200",
            f"GET /admin/password_reset/confirm/MQ/{HIDDEN}/ 200",
        ),
        ("GET /admin/password_reset/done/ 200", "GET /admin/password_reset/done/ 200"),
        (
            "link https://teams.microsoft.com/l/meetup-join/19%3ameeting_x%40thread.v2/0?c=1 ok",
            f"link {HIDDEN} (Microsoft Teams) ok",
        ),
        ("https://TEAMS.live.com/meet/123", f"{HIDDEN} (Microsoft Teams)"),
        ("GET /webinar/gestione-privacy/ 200", "GET /webinar/gestione-privacy/ 200"),
        (
            "/iscrizioni/webinar/12/controlla-la-posta/",
            "/iscrizioni/webinar/12/controlla-la-posta/",
        ),
    ],
)
def test_redact_hides_tokens_and_teams_links_only(line, expected):
    assert redact(line) == expected
