"""System checks for the outbox settings (``manage.py check``, run by every command)."""

from django.conf import settings
from django.core import checks

# An SMTP conversation is a dozen exchanges (connect, EHLO, STARTTLS, AUTH, MAIL, RCPT,
# DATA ...), each allowed EMAIL_TIMEOUT seconds: a send still alive after this many of
# them has hung, and only then may the sweep take its row for a dead worker's.
EXCHANGES_PER_SEND = 12


@checks.register(checks.Tags.compatibility)
def check_outbox_timeouts(app_configs=None, **kwargs):
    """A live, slow send must never be taken for a dead worker's and sent a second time."""
    sending_timeout = settings.EMAIL_SENDING_TIMEOUT_MINUTES * 60
    longest_send = (settings.EMAIL_TIMEOUT or 0) * EXCHANGES_PER_SEND
    if not settings.EMAIL_TIMEOUT or sending_timeout <= longest_send:
        return [
            checks.Warning(
                "EMAIL_SENDING_TIMEOUT_MINUTES is too short for EMAIL_TIMEOUT: a slow send "
                "may be taken for a dead worker's and the message sent twice.",
                hint=(
                    f"Set EMAIL_TIMEOUT (seconds) and keep EMAIL_SENDING_TIMEOUT_MINUTES × 60 "
                    f"above {EXCHANGES_PER_SEND} × EMAIL_TIMEOUT."
                ),
                id="registrations.W001",
            )
        ]
    return []
