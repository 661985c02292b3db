"""Logging filters: keep secrets out of every log line the site writes.

Paths carry tokens (the personal join link ``/webinar/entra/<token>/``, the confirmation,
access-request and cancellation links, the admin's password reset link), and Django logs
paths: the development server and ``django.request`` (``Gone: /webinar/entra/<token>/``)
do. A Teams join URL must never be logged either. The filter sits on the handlers
(``LOGGING`` in the settings), so it sees every record, whichever logger it came from.
"""

import logging
import re

TOKEN_PATH = re.compile(
    r"(/webinar/entra/|/iscrizioni/(?:conferma|richiedi-accesso|annulla)/"
    # The admin's password reset link: /admin/password_reset/confirm/<uid>/<token>/.
    r"|/admin/password_reset/confirm/[^/\s\"'?#]+/)[^/\s\"'?#]+"
)
TEAMS_URL = re.compile(
    r"https?://(?:[\w-]+\.)*teams\.(?:microsoft\.com|live\.com|microsoft\.us)[^\s\"'<>]*",
    re.IGNORECASE,
)
HIDDEN = "[nascosto]"


def redact(text: str) -> str:
    """``text`` with every token in a path and every Teams join URL hidden."""
    text = TOKEN_PATH.sub(rf"\1{HIDDEN}", text)
    return TEAMS_URL.sub(f"{HIDDEN} (Microsoft Teams)", text)


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
