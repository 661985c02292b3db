"""Error pages in Italian inside the site's layout, even when the request's form is unreadable.

Django reads forms in UTF-8 only: a form sent as ``charset=latin-1`` makes ``request.POST``
raise ``BadRequest``. Django's own error views read ``request.POST`` again (their CSRF
wrapper does) and so crashed, first the 400 view and then the 500 one.
"""

import contextlib
import socket

from django.db import connections
from django.test import Client, RequestFactory
from django.urls import get_resolver

import pytest

from tests.utils import soup, text_of

LATIN1_FORM = "application/x-www-form-urlencoded; charset=latin-1"
CSRF_COOKIE = "a" * 32  # a well-formed secret: the check goes on to read the form
CONFIRM_PATH = "/iscrizioni/conferma/qualsiasi-token/"
# "José" in latin-1: not UTF-8. generic() sends the bytes as they are.
LATIN1_BODY = f"csrfmiddlewaretoken={CSRF_COOKIE}&nome=Jos".encode() + b"\xe9"


@pytest.fixture
def csrf_client():
    """A browser's client: the CSRF check runs, as it does for everyone but the test client."""
    return Client(enforce_csrf_checks=True, raise_request_exception=False)


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", CONFIRM_PATH])
def test_a_latin1_form_gets_the_italian_400_page(csrf_client, site_tree, path):
    csrf_client.cookies["csrftoken"] = CSRF_COOKIE

    response = csrf_client.generic("POST", path, LATIN1_BODY, content_type=LATIN1_FORM)

    assert response.status_code == 400
    # The path may hold a token: the refusal is kept from caches, as the token pages are.
    assert response["Cache-Control"] == "no-store"
    page = soup(response)
    assert text_of(page.h1) == "Richiesta non valida"
    assert "ricarica la pagina" in text_of(page.main)
    assert page.select_one("main#contenuto") is not None
    assert page.select_one("header.site-header form[role=search]") is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("status", "heading"),
    [
        (400, "Richiesta non valida"),
        (403, "Accesso negato"),
        (404, "Pagina non trovata"),
        (500, "Qualcosa è andato storto"),
    ],
)
def test_no_error_page_reads_an_unreadable_form(site_tree, status, heading):
    request = RequestFactory().generic("POST", CONFIRM_PATH, LATIN1_BODY, LATIN1_FORM)
    request.COOKIES["csrftoken"] = CSRF_COOKIE
    handler = get_resolver().resolve_error_handler(status)

    response = handler(request) if status == 500 else handler(request, Exception("x"))

    assert response.status_code == status
    assert text_of(soup(response).h1) == heading


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "content_type"),
    [(b"nome=Maria", "application/x-www-form-urlencoded"), (LATIN1_BODY, LATIN1_FORM)],
)
def test_a_form_without_csrf_cookie_gets_the_italian_403_page(
    csrf_client, site_tree, body, content_type
):
    response = csrf_client.generic("POST", CONFIRM_PATH, body, content_type=content_type)

    assert response.status_code == 403
    assert response["Cache-Control"] == "no-store"
    page = soup(response)
    assert text_of(page.h1) == "Non è stato possibile inviare il modulo"
    assert "cookie" in text_of(page.main)
    assert page.select_one("main#contenuto") is not None


@pytest.mark.django_db
@pytest.mark.parametrize("page_cache", [True, False], ids=["page-cache", "no-page-cache"])
def test_a_host_the_site_does_not_serve_gets_a_400_not_a_500(site_tree, settings, page_cache):
    """Found from outside: a forged Host header made the 400 page itself fail (it looks
    the site up by that host), so the visitor got a 500 and the log an error."""
    settings.ALLOWED_HOSTS = ["www.cgm.coop"]
    settings.PAGE_CACHE_ENABLED = page_cache
    response = Client(raise_request_exception=False).get("/", headers={"host": "evil.example"})
    assert response.status_code == 400
    assert "<h1>Richiesta non valida</h1>" in response.content.decode()
    assert response["Cache-Control"] == "no-store"


@contextlib.contextmanager
def database_at(port: int, **options):
    """The site's database connection pointed at 127.0.0.1:``port`` until the block ends:
    the next query opens a connection there. SQLite, embedded in the process, cannot be
    refused or left unanswered."""
    connection = connections["default"]
    if connection.vendor != "postgresql":
        pytest.skip("an embedded SQLite database cannot refuse or hang a connection")
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    connection.settings_dict["OPTIONS"] = {**saved["OPTIONS"], **options}
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


@pytest.fixture
def database_refusing(wagtail_root_rows, site_tree):
    """The database refuses new connections (its limit reached, a restart)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with database_at(port):
        yield


def test_a_database_that_refuses_connections_gets_503_with_retry_after(database_refusing):
    for path in ["/", "/notizie/", "/cerca/?q=welfare", "/admin/login/"]:
        response = Client(raise_request_exception=False).get(path)

        assert response.status_code == 503, path
        assert response["Retry-After"] == "30"
        assert response["Cache-Control"] == "no-store"
        page = soup(response)
        assert text_of(page.h1) == "Servizio momentaneamente non disponibile"
        assert "Riprova tra qualche istante" in text_of(page.body)


@pytest.fixture
def database_silent(wagtail_root_rows, site_tree):
    """A PostgreSQL that takes the connection and never answers (hung, a full network)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(16)
        with database_at(server.getsockname()[1], connect_timeout=2):
            yield


def test_a_database_that_never_answers_gets_503_not_a_held_worker(database_silent):
    """Without a connect timeout the request waited until gunicorn killed its worker."""
    response = Client(raise_request_exception=False).get("/notizie/")
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
