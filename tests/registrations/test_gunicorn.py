"""The site behind a real gunicorn, started as the README says, with production's settings.

Two requests a test client cannot send the way a server receives them: a form posted in
latin-1 to a link with a token (Django refuses to read it), and a request line gunicorn
itself cannot parse. Each gets a 400, and neither the error log nor the access log shows
the tokens. On PostgreSQL gunicorn shares the test database; SQLite's lives in memory,
so it is copied to a file first (``SharedDatabase``).
"""

import http.client
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from django.urls import reverse

import pytest

from cgmsite.log_filters import HIDDEN
from tests.registrations.test_worker_crash import SharedDatabase

ROOT = Path(__file__).resolve().parents[2]
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for_port(process: subprocess.Popen, log: Path, *, timeout: float) -> int:
    """The port gunicorn bound (``--bind 127.0.0.1:0``: one the system chose)."""
    deadline = time.monotonic() + timeout
    while True:
        found = LISTENING.search(log.read_text())
        if found:
            return int(found.group(1))
        if process.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(f"gunicorn did not start\n{log.read_text()}")
        time.sleep(0.05)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str


def latin1_post(port: int, path: str) -> Answer:
    """A form sent in latin-1 through the TLS proxy, with a valid CSRF cookie and token."""
    csrf = secrets.token_hex(16)
    body = f"csrfmiddlewaretoken={csrf}&first_name=Jos".encode() + b"\xe9"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(
            "POST",
            path,
            body=body,
            headers={
                "Host": "localhost",
                "X-Forwarded-Proto": "https",
                "Origin": "https://localhost",
                "Cookie": f"csrftoken={csrf}",
                "Content-Type": "application/x-www-form-urlencoded; charset=latin-1",
            },
        )
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        connection.close()


def unparsable_request(port: int, path: str) -> bytes:
    """A request line with a raw non-ASCII byte in its path: gunicorn refuses it."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as client:
        client.sendall(b"GET " + path.encode() + b"\xe9 HTTP/1.1\r\nHost: localhost\r\n\r\n")
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    return answer


def huge_upload(port: int, path: str) -> bytes:
    """A multipart body announced as 1 GB, of which the first 64 kB are sent: the
    answer comes from the headers alone, and the connection is closed after it."""
    head = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nX-Forwarded-Proto: https\r\n"
        "Content-Type: multipart/form-data; boundary=x\r\nContent-Length: 1073741824\r\n\r\n"
    ).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=30) as client:
        client.sendall(head + b"\0" * 65536)
        answer = b""
        while chunk := client.recv(65536):
            answer += chunk
    return answer


def test_gunicorn_answers_a_latin1_form_with_the_italian_400_and_logs_no_token(
    tmp_path, wagtail_root_rows, open_webinar
):
    confirm_path = reverse("registrations:confirm", args=[secrets.token_urlsafe(24)])
    register_path = reverse("registrations:register", args=[open_webinar.pk])
    cancel_path = reverse("registrations:cancel", args=[secrets.token_urlsafe(24)])
    database = SharedDatabase(tmp_path)
    database.hand_over()
    errors, access = tmp_path / "error.log", tmp_path / "access.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.registrations.gunicorn_settings",
        "DATABASE_URL": database.url(),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_HOST": "localhost",
        "ALLOWED_HOSTS": "localhost",
    }
    # The README's production command, on a port of the system's choosing, with the
    # access log that the README says a site may turn on (and no control socket in the
    # user's home, which another gunicorn may be using).
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    command += ["--bind", "127.0.0.1:0", "--workers", "1", "--access-logfile", "-"]
    command += ["--no-control-socket"]
    with errors.open("w") as stderr, access.open("w") as stdout:
        server = subprocess.Popen(  # noqa: S603
            [*command, "cgmsite.wsgi"], cwd=ROOT, env=env, stdout=stdout, stderr=stderr
        )
    try:
        port = wait_for_port(server, errors, timeout=60)
        answers = [latin1_post(port, confirm_path), latin1_post(port, register_path)]
        refused = unparsable_request(port, cancel_path)
        too_big = huge_upload(port, register_path)
    finally:
        server.terminate()
        server.wait(timeout=30)
    error_log, access_log = errors.read_text(), access.read_text()

    for answer in answers:
        assert answer.status == 400, f"{answer.status}\n{answer.text[:500]}\n{error_log}"
        assert "<h1>Richiesta non valida</h1>" in answer.text
        assert 'id="contenuto"' in answer.text  # inside the site's layout, like the 404
        # Production's headers, on an error page too.
        hsts = "max-age=31536000; includeSubDomains"
        assert answer.headers["Strict-Transport-Security"] == hsts
        assert "script-src 'self'" in answer.headers["Content-Security-Policy"]
    assert refused.startswith(b"HTTP/1.1 400 ")
    # Refused from its headers, unread: the connection closed after the answer.
    assert too_big.startswith(b"HTTP/1.1 413 "), too_big[:300]
    assert b"Richiesta troppo grande" in too_big
    assert "Error handling request" not in error_log, error_log
    # Each line is there, with the token hidden: Django's (a JSON line on stdout, with the
    # access log), gunicorn's (stderr), the access log's.
    assert f"must be UTF-8 encoded.: /iscrizioni/conferma/{HIDDEN}/" in access_log, access_log
    assert f"Invalid HTTP request line: 'GET /iscrizioni/annulla/{HIDDEN}/" in error_log, error_log
    assert f'"POST /iscrizioni/conferma/{HIDDEN}/ HTTP/1.1" 400' in access_log, access_log
    for token_path in (confirm_path, cancel_path):
        token = token_path.rstrip("/").rsplit("/", 1)[1]
        assert token not in error_log, error_log
        assert token not in access_log, access_log


def get(port: int, path: str) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", path, headers={"Host": "localhost", "X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read().decode())
    finally:
        connection.close()


def test_the_page_cache_is_shared_by_workers_and_purged_from_another_process(
    tmp_path,
    wagtail_root_rows,
    open_webinar,
    redis_cache,
    settings,
    django_capture_on_commit_callbacks,
):
    """Three gunicorn workers share one Redis: a page rendered by one is a hit for the
    others, and a change published here (another process, as the admin would be) is on
    the very next request, whichever worker answers it, while other pages stay cached."""
    from tests.factories import ArticlePageFactory

    news_index = open_webinar.get_parent().get_parent().get_children().get(slug="notizie")
    article = ArticlePageFactory(parent=news_index.specific, title="Il primo titolo")
    other = ArticlePageFactory(parent=news_index.specific, title="Un altro articolo")
    database = SharedDatabase(tmp_path)
    database.hand_over()
    log = tmp_path / "gunicorn.log"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.registrations.gunicorn_settings",
        "DATABASE_URL": database.url(),
        "REDIS_URL": redis_cache,
        "CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_HOST": "localhost",
        "ALLOWED_HOSTS": "localhost",
    }
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    command += ["--bind", "127.0.0.1:0", "--workers", "3", "--no-control-socket"]
    with log.open("w") as output:
        server = subprocess.Popen(  # noqa: S603
            [*command, "cgmsite.wsgi"], cwd=ROOT, env=env, stdout=output, stderr=output
        )
    try:
        port = wait_for_port(server, log, timeout=60)
        first = [get(port, path) for path in (article.url, other.url, "/notizie/")]
        assert [answer.status for answer in first] == [200, 200, 200], log.read_text()
        assert [answer.headers["X-Page-Cache"] for answer in first] == ["miss"] * 3
        # New connections, spread over the workers: every one of them a hit.
        again = [get(port, article.url) for _ in range(9)]
        assert {answer.headers["X-Page-Cache"] for answer in again} == {"hit"}
        assert {answer.text for answer in again} == {first[0].text}

        article.title = "Il titolo corretto"
        with django_capture_on_commit_callbacks(execute=True):
            article.save_revision().publish()
        database.hand_over()
        changed = get(port, article.url)
        assert changed.headers["X-Page-Cache"] == "miss"
        assert "Il titolo corretto" in changed.text
        assert "Il titolo corretto" in get(port, "/notizie/").text
        assert get(port, other.url).headers["X-Page-Cache"] == "hit"
    finally:
        server.terminate()
        server.wait(timeout=30)
