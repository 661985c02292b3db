"""Production's log: one JSON object a line on stdout, with tokens and Teams links hidden.

A log collector reads each line as one record; a line that is not JSON, or a record split
over several lines (a traceback), is lost or garbled there. The settings are imported in a
process of their own, as on a server (``production.py`` refuses to start without a secret).
"""

import json
import logging
import secrets
import subprocess
from datetime import datetime
from pathlib import Path

from django.test import RequestFactory

import pytest

from cgmsite.log_filters import HIDDEN, JsonLines, RedactSecrets
from tests.utils import production_process

TOKEN = secrets.token_urlsafe(24)
OTHER_TOKEN = secrets.token_urlsafe(24)

# A request for a personal join link that fails, logged as Django logs it (django.request,
# with the request and the status code), with an exception that names a token too.
FAILING_REQUEST = f"""
import logging
import django
django.setup()
from django.test import RequestFactory
request = RequestFactory().get("/webinar/entra/{TOKEN}/")
try:
    raise ValueError("Gone: /iscrizioni/conferma/{OTHER_TOKEN}/")
except ValueError:
    logging.getLogger("django.request").error(
        "Gone: %s", request.path, exc_info=True, extra={{"status_code": 410, "request": request}}
    )
"""


def production_python(code: str, **env: str) -> subprocess.CompletedProcess:
    return production_process(["-c", code], drop=("LOG_FORMAT", "DATABASE_URL"), **env)


def test_production_writes_a_failing_request_as_one_json_line_without_its_tokens():
    result = production_python(FAILING_REQUEST)

    assert result.returncode == 0, result.stderr
    # Every line on stdout is a JSON object: Django's, and any other library's.
    records = [json.loads(line) for line in result.stdout.splitlines()]
    [record] = [record for record in records if record["logger"] == "django.request"]
    assert record["level"] == "ERROR"
    assert record["message"] == f"Gone: /webinar/entra/{HIDDEN}/"
    assert record["request"] == {"method": "GET", "path": f"/webinar/entra/{HIDDEN}/"}
    assert record["status_code"] == 410
    assert record["exception"].startswith("Traceback (most recent call last):")
    assert record["exception"].endswith(f"ValueError: Gone: /iscrizioni/conferma/{HIDDEN}/")
    assert datetime.fromisoformat(record["time"]).utcoffset().total_seconds() == 0
    for token in (TOKEN, OTHER_TOKEN):
        assert token not in result.stdout + result.stderr


def test_log_format_text_gives_plain_lines_in_production():
    result = production_python(FAILING_REQUEST, LOG_FORMAT="text")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"Gone: /webinar/entra/{HIDDEN}/" in lines
    assert f"ValueError: Gone: /iscrizioni/conferma/{HIDDEN}/" in lines
    assert TOKEN not in result.stdout
    assert OTHER_TOKEN not in result.stdout


@pytest.mark.parametrize(
    "extra",
    [
        {"link": 'join "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc"'},
        {"links": ["https://teams.microsoft.com/l/x", {"path": f"/webinar/entra/{TOKEN}/"}]},
        {"request": RequestFactory().get(f"/iscrizioni/annulla/{TOKEN}/", {"x": "1"})},
        {"what": Path(f"/webinar/entra/{TOKEN}/")},
    ],
    ids=["quoted", "nested", "request", "object"],
)
def test_every_text_in_a_json_line_is_redacted_and_the_line_stays_json(extra):
    record = logging.LogRecord("cgmsite", logging.WARNING, __file__, 1, "seen", None, None)
    record.__dict__.update(extra)
    RedactSecrets().filter(record)

    line = JsonLines().format(record)

    assert "\n" not in line
    data = json.loads(line)
    assert data["message"] == "seen"
    assert "teams.microsoft.com" not in line
    assert TOKEN not in line
    assert HIDDEN in line


@pytest.mark.parametrize(
    "line",
    [
        '127.0.0.1 "GET /webinar/%65ntra/Tok3nJoin_abc/ HTTP/1.1" 302',
        '127.0.0.1 "GET /%61ttestati/Tok3nJoin_abc/ HTTP/1.1" 200',
        '127.0.0.1 "GET /iscrizioni/annull%61/Tok3nJoin_abc/ HTTP/1.1" 200',
    ],
)
def test_a_token_path_written_with_percent_escapes_is_hidden_too(line):
    """gunicorn logs the raw request line; "/%61ttestati/…" reaches "/attestati/…"."""
    from cgmsite.log_filters import redact

    assert "Tok3nJoin_abc" not in redact(line)
    assert "[nascosto]" in redact(line)
    # A verification code has no secret: left as it is.
    assert redact("GET /attestati/verifica/CGM-AAAA/") == "GET /attestati/verifica/CGM-AAAA/"
