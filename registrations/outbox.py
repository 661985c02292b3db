"""The e-mail outbox: messages are rows first, sent afterwards by a background task.

``email_queue`` is called inside the transaction of the change that causes the
message, so the row exists if and only if the change happened; the send task is
enqueued only once that transaction commits. ``email_send`` claims one row and
hands it to Django's mail layer (django-anymail in production).

Nothing is lost and nothing goes out twice by accident:

- the claim (queued → sending, under ``select_for_update(skip_locked=True)``) is the
  only way to send, so two tasks for the same row send it once;
- a temporary failure (SMTP 4xx, a connection refused or timed out, a provider's 5xx or
  429) puts the row back in the queue with ``send_after`` 1, 2, 4 ... minutes later, and
  a task is enqueued for then (``run_after`` of the database backend);
- a permanent rejection (SMTP 5xx, an address the provider refuses) marks it failed,
  with the error for staff, who can resend it;
- ``outbox_sweep`` (``manage.py sweep_outbox``, every minute from cron) enqueues again
  the rows that are due but have no task waiting (a task lost, a backend without
  ``run_after``) and the rows left "sending" by a worker that died;
- a send's outcome is recorded only while its claim is the row's last (``claim_rows``).

Delivery is at least once: a worker that dies after the server accepted a message but
before the row says so sends it again, with the same Message-ID (``stable_message_id``).
"""

import logging
import smtplib
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parseaddr
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone

from anymail.exceptions import (
    AnymailAPIError,
    AnymailError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)
from django_tasks import TaskResultStatus
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from registrations.models import EmailMessage, SuppressedAddress

logger = logging.getLogger(__name__)

Status = EmailMessage.Status

SUPPRESSED = "suppressed"
# Any number: the key of the PostgreSQL advisory lock that serialises the rate check.
RATE_LOCK_KEY = 0x636D_6D61
# A row held back by the rate limit tries again no sooner than this.
MIN_DEFER = timedelta(seconds=1)


def email_queue(
    *,
    dedupe_key: str | None = None,
    build: Callable[[], dict] | None = None,
    send_after: datetime | None = None,
    **fields,
) -> EmailMessage | None:
    """Write the message row and send it once the surrounding transaction commits.

    ``fields`` are the row's (``kind``, ``to``, ``subject``, ``body_text``, ``body_html``,
    ``registration``, ``webinar``, ``ics``, ``ics_method``), or ``build()`` returns them.

    The ``dedupe_key`` is the one place that decides "send this once": a message whose
    key is already in the outbox is neither built nor written again, and None is
    returned. Two transactions racing with the same key: the unique constraint lets one
    row in, the other gets None (its savepoint rolled back, its transaction goes on).

    A row with ``send_after`` goes out then (its task waits, or the sweep enqueues it).
    """
    fields["send_after"] = send_after
    if not dedupe_key:
        message = EmailMessage.objects.create(**(build() if build else {}), **fields)
    else:
        if EmailMessage.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        try:
            with transaction.atomic():
                message = EmailMessage.objects.create(
                    **(build() if build else {}), **fields, dedupe_key=dedupe_key
                )
        except IntegrityError:
            return None
    transaction.on_commit(partial(enqueue_send, message.pk, run_after=send_after))
    return message


def keys_in_outbox(keys: list[str]) -> set[str]:
    """Which of these dedupe keys the outbox already holds (their message queued or sent)."""
    return set(
        EmailMessage.objects.filter(dedupe_key__in=keys).values_list("dedupe_key", flat=True)
    )


def enqueue_send(message_id: int, *, run_after: datetime | None = None) -> None:
    """Enqueue the send task, for ``run_after`` when the backend can wait (else the sweep)."""
    from registrations.tasks import send_email

    task = send_email
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # outbox_sweep enqueues it once it is due
        task = task.using(run_after=run_after)
    task.enqueue(message_id)


# Sending -------------------------------------------------------------------------------


def email_send(*, message_id: int) -> str:
    """Send one queued message, if it is due; return what became of it.

    A message already sent, being sent, failed, or not yet due is left alone.
    """
    claimed = email_claim(message_id=message_id, now=timezone.now())
    if isinstance(claimed, str):
        return claimed
    try:
        esp_message_id = deliver(claimed)
    except Exception as error:
        return record_failure(claimed, error)
    return record_sent(claimed, esp_message_id)


def email_claim(*, message_id: int, now: datetime) -> EmailMessage | str:
    """Take a due, queued row for sending (queued → sending); else say why not.

    The claim is the only way to send: under ``select_for_update(skip_locked=True)`` one
    task gets the row and any other finds it taken. ``claimed_at`` identifies this claim:
    what the sender records afterwards only lands while the claim is still its own.
    """
    with transaction.atomic():
        message = (
            EmailMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=Status.QUEUED, render_pending=False)
            .filter(Q(send_after__isnull=True) | Q(send_after__lte=now))
            .first()
        )
        if message is None:
            return "skipped"
        if SuppressedAddress.objects.filter(email__iexact=message.to).exists():
            message.status = Status.FAILED
            message.last_error = SUPPRESSED
            message.save(update_fields=["status", "last_error"])
            logger.info("E-mail %s (%s) not sent: address suppressed", message.pk, message.kind)
            return "suppressed"
        slot = next_free_slot(now=now)
        if slot is not None:
            message.send_after = slot
            message.save(update_fields=["send_after"])
            transaction.on_commit(partial(enqueue_send, message.pk, run_after=slot))
            return "deferred"
        message.status = Status.SENDING
        message.claimed_at = now
        message.attempts += 1
        message.save(update_fields=["status", "claimed_at", "attempts"])
    return message


def claim_rows(message: EmailMessage):
    """The row, while the claim ``message`` holds is still the last one taken on it.

    A send slower than ``EMAIL_SENDING_TIMEOUT_MINUTES`` is taken for a dead worker's: the
    sweep queues the row again (status queued, same ``claimed_at``) and another task may
    claim it anew. The slow sender's outcome then must not overwrite the newer claim.
    """
    return EmailMessage.objects.filter(pk=message.pk, claimed_at=message.claimed_at)


def record_sent(message: EmailMessage, esp_message_id: str) -> str:
    """Mark the message sent, unless another claim has taken the row meanwhile."""
    # Queued too: the sweep may have taken this slow send for a dead worker's, and marking
    # it sent now keeps the queued task from sending it again.
    updated = (
        claim_rows(message)
        .filter(status__in=[Status.SENDING, Status.QUEUED])
        .update(
            status=Status.SENT,
            sent_at=timezone.now(),
            esp_message_id=esp_message_id[:255],
            last_error="",
            send_after=None,
        )
    )
    if not updated:
        logger.warning(
            "E-mail %s (%s) sent, but another worker had claimed it again meanwhile",
            message.pk,
            message.kind,
        )
        return "sent-late"
    logger.info("E-mail %s (%s) sent", message.pk, message.kind)
    return "sent"


def next_free_slot(*, now: datetime) -> datetime | None:
    """When the next message may go out under the rate limit; None if it may go now.

    Called inside the claim's transaction. Every claim of the last minute counts (sent or
    failed, the provider saw it), and so does every message still being sent for the
    connections cap. PostgreSQL serialises this check with an advisory lock; SQLite runs
    each transaction alone (``transaction_mode`` IMMEDIATE).
    """
    rate = settings.EMAIL_RATE_PER_MINUTE
    max_connections = settings.EMAIL_MAX_CONNECTIONS
    if not rate and not max_connections:
        return None
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [RATE_LOCK_KEY])
    if max_connections:
        stale = now - timedelta(minutes=settings.EMAIL_SENDING_TIMEOUT_MINUTES)
        in_flight = EmailMessage.objects.filter(status=Status.SENDING, claimed_at__gt=stale)
        if in_flight.count() >= max_connections:
            return now + MIN_DEFER
    if rate:
        window = timedelta(minutes=1)
        claims = (
            EmailMessage.objects.filter(claimed_at__gt=now - window, claimed_at__lte=now)
            .order_by("-claimed_at")
            .values_list("claimed_at", flat=True)
        )
        recent = list(claims[:rate])
        if len(recent) >= rate:
            # The oldest of the last ``rate`` claims leaves the window first; rows already
            # waiting for a slot go before this one, one every 60/rate seconds.
            waiting = EmailMessage.objects.filter(status=Status.QUEUED, send_after__gt=now).count()
            spread = now + window * waiting / rate
            return max(recent[-1] + window, spread, now + MIN_DEFER)
    return None


def record_failure(message: EmailMessage, error: Exception) -> str:
    """Queue a temporary failure again later, or mark the message failed."""
    temporary = is_temporary(error)
    # The error names the server's answer, never the message: keep it for staff.
    last_error = describe_error(error)[:1000]
    rows = claim_rows(message).filter(status=Status.SENDING)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        # Every message fails alike until the password is put right: say it loudly.
        logger.error(
            "E-mail %s: the SMTP server refused the login (%s); check EMAIL_HOST_USER and "
            "EMAIL_HOST_PASSWORD. Messages are retried and can be resent by staff.",
            message.pk,
            error.smtp_code,
        )
    if temporary and message.attempts < settings.EMAIL_MAX_ATTEMPTS:
        retry_at = timezone.now() + retry_delay(message.attempts)
        if not rows.update(status=Status.QUEUED, send_after=retry_at, last_error=last_error):
            return "stale"  # claimed again meanwhile: the newer claim decides
        logger.warning(
            "E-mail %s (%s) attempt %s failed (%s): retrying at %s",
            message.pk,
            message.kind,
            message.attempts,
            type(error).__name__,
            retry_at.isoformat(timespec="seconds"),
        )
        enqueue_send(message.pk, run_after=retry_at)
        return "retry"
    if not rows.update(status=Status.FAILED, last_error=last_error):
        return "stale"
    logger.warning(
        "E-mail %s (%s) failed after %s attempt(s) (%s)",
        message.pk,
        message.kind,
        message.attempts,
        type(error).__name__,
    )
    return "failed"


def describe_error(error: Exception) -> str:
    """The server's answer as staff read it, e.g. "550 5.1.1 mailbox unavailable"."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "; ".join(
            f"{code} {answer.decode(errors='replace') if isinstance(answer, bytes) else answer}"
            for code, answer in error.recipients.values()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        answer = error.smtp_error
        answer = answer.decode(errors="replace") if isinstance(answer, bytes) else answer
        return f"{error.smtp_code} {answer}"
    try:
        detail = str(error)
    except Exception:  # an error that cannot even describe itself must not lose the row
        detail = "(no description)"
    return f"{type(error).__name__}: {detail}"


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4, 8 ... minutes after the first, second, third ... attempt, capped."""
    minutes = min(2 ** max(attempts - 1, 0), settings.EMAIL_RETRY_MAX_MINUTES)
    return timedelta(minutes=minutes)


def is_temporary(error: Exception) -> bool:
    """Whether sending again later may succeed (else the rejection is permanent)."""
    if isinstance(error, AnymailRecipientsRefused | AnymailInvalidAddress):
        return False
    if isinstance(error, AnymailAPIError):
        status = error.status_code
        return status is None or status >= 500 or status in (408, 429)
    if isinstance(error, AnymailError):
        return False  # a message the provider cannot take as it is
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _answer in error.recipients.values()]
        return not codes or any(code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return True  # the account's fault, not the message's: wait for it to be fixed
    if isinstance(error, smtplib.SMTPResponseException):
        return not 500 <= error.smtp_code < 600
    # Disconnected, connection refused, a timeout, a name that does not resolve...
    return isinstance(error, smtplib.SMTPException | OSError)


def deliver(message: EmailMessage) -> str:
    """Hand the message to the mail backend; return the provider's message id.

    Over SMTP there is no provider id: the Message-ID header is it. It is the same on every
    attempt, so that the rare message sent twice (the server accepted it, then the worker
    died before recording it) can be told for the same message by the receiving system.
    """
    from registrations.emails import reply_to

    headers = {"Auto-Submitted": "auto-generated"}
    message_id_header = ""
    if not settings.EMAIL_BACKEND.startswith("anymail."):
        message_id_header = stable_message_id(message)
        headers["Message-ID"] = message_id_header
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        reply_to=reply_to(message),
        headers=headers,
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.ics:
        # No charset here: Django gives every text/* part its own (the message's encoding),
        # and a second one would repeat the parameter. Anymail adds it the same way.
        email.attach(
            "invito.ics", message.ics, f"text/calendar; method={message.ics_method or 'REQUEST'}"
        )
    email.send()
    status = getattr(email, "anymail_status", None)
    return getattr(status, "message_id", None) or message_id_header


def stable_message_id(message: EmailMessage) -> str:
    """``<outbox.{pk}.{created, in microseconds}@{sender's domain}>``: one per row."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost"
    created = int(message.created_at.timestamp() * 1_000_000)
    return f"<outbox.{message.pk}.{created}@{domain}>"


# Keeping the queue moving ------------------------------------------------------------


def outbox_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Queue again what a dead worker left "sending"; enqueue what is due with no task.

    Idempotent: a second run finds every due row with its task already waiting. Even a
    duplicate task sends nothing twice, as the claim lets only one through.
    """
    now = now or timezone.now()
    stale = now - timedelta(minutes=settings.EMAIL_SENDING_TIMEOUT_MINUTES)
    stuck = EmailMessage.objects.filter(status=Status.SENDING, claimed_at__lt=stale)
    # A message that killed or hung its worker every time must not be tried forever.
    stuck.filter(attempts__gte=settings.EMAIL_MAX_ATTEMPTS).update(
        status=Status.FAILED, last_error="worker stopped while sending; attempts exhausted"
    )
    requeued = stuck.update(status=Status.QUEUED, send_after=None)
    if requeued:
        logger.warning("Outbox sweep: %s message(s) left sending queued again", requeued)
    due = EmailMessage.objects.filter(status=Status.QUEUED).filter(
        Q(send_after__isnull=True) | Q(send_after__lte=now)
    )
    waiting = message_ids_with_waiting_task()
    enqueued = 0
    for message_id in due.order_by("pk").values_list("pk", flat=True).iterator():
        if message_id in waiting:
            continue
        enqueue_send(message_id)
        enqueued += 1
    return {"requeued": requeued, "enqueued": enqueued}


def message_ids_with_waiting_task() -> set[int]:
    """Rows whose send task is in the database queue, ready or due later."""
    from registrations.tasks import send_email

    if not isinstance(send_email.get_backend(), DatabaseBackend):
        return set()
    rows = DBTaskResult.objects.filter(
        task_path=send_email.module_path,
        backend_name=send_email.backend,
        status=TaskResultStatus.READY,
    ).values_list("args_kwargs", flat=True)
    waiting = set()
    for args_kwargs in rows.iterator():
        args = args_kwargs.get("args") or []
        message_id = args[0] if args else args_kwargs.get("kwargs", {}).get("message_id")
        if isinstance(message_id, int):
            waiting.add(message_id)
    return waiting


def email_resend(*, message: EmailMessage) -> bool:
    """Staff's resend of a failed message: queue it again now. False if it was not failed."""
    updated = EmailMessage.objects.filter(pk=message.pk, status=Status.FAILED).update(
        status=Status.QUEUED, send_after=None, attempts=0
    )
    if updated:
        transaction.on_commit(partial(enqueue_send, message.pk))
    return bool(updated)
