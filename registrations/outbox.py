"""The e-mail outbox: messages are rows first, sent afterwards by a background task.

``email_queue`` is called inside the transaction of the change that causes the
message, so the row exists if and only if the change happened; the send task is
enqueued only once that transaction commits. ``email_send`` claims one row and
hands it to Django's mail layer (django-anymail in production).
"""

import logging
from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.utils import timezone

from registrations.models import EmailMessage

logger = logging.getLogger(__name__)


def email_queue(
    *,
    kind: str,
    to: str,
    subject: str,
    body_text: str,
    body_html: str = "",
    registration=None,
    webinar=None,
    ics: str = "",
    ics_method: str = "",
) -> EmailMessage:
    """Write the message row and send it once the surrounding transaction commits."""
    message = EmailMessage.objects.create(
        kind=kind,
        to=to,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        registration=registration,
        webinar=webinar,
        ics=ics,
        ics_method=ics_method,
    )
    transaction.on_commit(partial(enqueue_send, message.pk))
    return message


def enqueue_send(message_id: int) -> None:
    from registrations.tasks import send_email

    send_email.enqueue(message_id)


def email_send(*, message_id: int) -> None:
    """Send one queued message; a message already sent or being sent is left alone."""
    with transaction.atomic():
        message = (
            EmailMessage.objects.select_for_update(skip_locked=True)
            .filter(pk=message_id, status=EmailMessage.Status.QUEUED)
            .first()
        )
        if message is None:
            return
        message.status = EmailMessage.Status.SENDING
        message.attempts += 1
        message.save(update_fields=["status", "attempts"])
    try:
        esp_message_id = deliver(message)
    except Exception as error:
        # The error text may quote the message; keep only its type in the log.
        logger.warning("E-mail %s (%s) failed: %s", message.pk, message.kind, type(error).__name__)
        EmailMessage.objects.filter(pk=message.pk).update(
            status=EmailMessage.Status.FAILED, last_error=str(error)[:2000]
        )
        return
    EmailMessage.objects.filter(pk=message.pk).update(
        status=EmailMessage.Status.SENT,
        sent_at=timezone.now(),
        esp_message_id=esp_message_id or "",
        last_error="",
    )
    logger.info("E-mail %s (%s) sent", message.pk, message.kind)


def deliver(message: EmailMessage) -> str:
    """Hand the message to the mail backend; return the provider's message id if known."""
    email = EmailMultiAlternatives(
        subject=message.subject,
        body=message.body_text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[message.to],
        headers={"Auto-Submitted": "auto-generated"},
    )
    if message.body_html:
        email.attach_alternative(message.body_html, "text/html")
    if message.ics:
        email.attach(
            "invito.ics",
            message.ics,
            f"text/calendar; method={message.ics_method or 'REQUEST'}; charset=utf-8",
        )
    email.send()
    status = getattr(email, "anymail_status", None)
    return getattr(status, "message_id", "") or ""
