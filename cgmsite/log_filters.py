"""Logging filters: keep secrets out of every log line the site writes.

Paths carry tokens (the personal join link ``/webinar/entra/<token>/``, the confirmation,
access-request and cancellation links, the «Le mie iscrizioni» link, the admin's password
reset link), and Django logs paths: the development server and ``django.request``
(``Gone: /webinar/entra/<token>/``) do. A Teams join URL must never be logged either. The
filter sits on the handlers (``LOGGING`` in the settings), so it sees every record,
whichever logger it came from.
In production the records are written as JSON lines (``JsonLines``), redacted the same way.
"""

import logging
import re
import time
from datetime import UTC, datetime
from urllib.parse import unquote

from pythonjsonlogger.json import JsonEncoder, JsonFormatter

# A path separator as a mangled link may write it ("//", "/./"): such a path is a 404,
# but the token in it still works at its proper address.
SEP = r"/(?:\.?/)*+"  # possessive: "/./" wholly a separator, never a token
TOKEN_PATH = re.compile(
    rf"({SEP}webinar{SEP}entra{SEP}|{SEP}iscrizioni{SEP}(?:conferma|richiedi-accesso|annulla|le-mie){SEP}"
    # A certificate's download link (its verification address has no secret).
    rf"|{SEP}attestati{SEP}(?!verifica/)"
    # The admin's password reset link: /admin/password_reset/confirm/<uid>/<token>/.
    rf"|{SEP}admin{SEP}password_reset{SEP}confirm{SEP}[^/\s\"'?#]+{SEP})[^/\s\"'?#]+",
    # "/Iscrizioni/…" is a 404 too, with the same working token in it.
    re.IGNORECASE,
)
TEAMS_URL = re.compile(
    r"https?://(?:[\w-]+\.)*teams\.(?:microsoft\.com|live\.com|microsoft\.us)[^\s\"'<>]*",
    re.IGNORECASE,
)
HIDDEN = "[nascosto]"
# A path with percent-escapes, as gunicorn logs the raw request line: "/%61ttestati/…"
# reaches the same view as "/attestati/…", so it is read decoded before matching.
ESCAPED_PATH = re.compile(r"/[^\s\"'?#]*%[0-9A-Fa-f]{2}[^\s\"'?#]*")


def redact(text: str) -> str:
    """``text`` with every token in a path and every Teams join URL hidden."""
    text = ESCAPED_PATH.sub(lambda match: redact_escaped(match[0]), text)
    text = TOKEN_PATH.sub(rf"\1{HIDDEN}", text)
    return TEAMS_URL.sub(f"{HIDDEN} (Microsoft Teams)", text)


def redact_escaped(path: str) -> str:
    decoded = unquote(path)
    hidden = TOKEN_PATH.sub(rf"\1{HIDDEN}", decoded)
    return hidden if hidden != decoded else path


class RedactSecrets(logging.Filter):
    """Rewrite a record's message, exception text included, without its secrets."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        return True


class OncePerMinute(logging.Filter):
    """Let one record of a logger through each minute, in one line without its traceback.

    For a cache that is down: django-redis logs every ignored command with a traceback,
    some twenty lines several times a request, which drowns every other line while
    Redis is out. One line a minute (per process) says the same.
    """

    interval = 60.0

    def __init__(self, name: str = ""):
        super().__init__(name)
        self.last: dict[str, float] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        now = time.monotonic()
        # Per message: "Redis is back" is not held back by "Redis is down" a moment ago.
        key = f"{record.name}:{record.msg}"
        if now - self.last.get(key, -self.interval) < self.interval:
            return False
        self.last[key] = now
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            cause = error.__cause__ or error
            record.msg = f"{record.getMessage()}: {type(cause).__name__}: {cause} (once a minute)"
            record.args = None
        record.exc_info = record.exc_text = None
        return True


class JsonLines(JsonFormatter):
    """One JSON object a line (python-json-logger): ``time`` (UTC, ISO 8601), ``level``,
    ``logger``, ``message``, and when the record has them ``request`` (method and path, as
    ``django.request`` records carry one), ``status_code``, ``exception`` (the traceback) and
    any other ``extra``. Every text in it is redacted, extras and the exception included."""

    def __init__(self, *args, **kwargs):
        names = {"levelname": "level", "name": "logger", "exc_info": "exception"}
        kwargs["rename_fields"] = names | kwargs.get("rename_fields", {})
        kwargs.setdefault("json_ensure_ascii", False)
        super().__init__("{levelname}{name}{message}", *args, style="{", **kwargs)

    def add_fields(self, log_data, record, message_dict):
        log_data["time"] = datetime.fromtimestamp(record.created, UTC).isoformat(
            timespec="milliseconds"
        )
        super().add_fields(log_data, record, message_dict)
        request = log_data.pop("request", None)
        if hasattr(request, "get_full_path"):
            log_data["request"] = {"method": request.method, "path": request.get_full_path()}
        elif request is not None:
            log_data["request"] = str(request)

    def process_log_record(self, log_data):
        return redact_all(log_data, JsonEncoder().default)


def redact_all(value, encode):
    """``value`` with every text in it redacted; objects JSON has no type for become what
    ``encode`` makes of them (a text, mostly) first."""
    if isinstance(value, str):
        return redact(value)
    if isinstance(value, dict):
        return {key: redact_all(item, encode) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [redact_all(item, encode) for item in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return redact_all(encode(value), encode)
