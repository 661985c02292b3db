"""Messages staff write to a webinar's registrants («Scrivi agli iscritti»).

Staff choose a group (confirmed, waiting list, and after the webinar attendees or
absentees), write a subject and a text, look at the preview (the message as the first
recipient gets it, and how many get it), then send. Each person's copy goes through the
outbox with the key ``staff-<message>-<registration>``, so it goes out once; the message
itself is identified by its content (``digest``), so sending it again, with a second
click or by a colleague at the same moment, finds the same ``StaffMessage`` and sends
nobody a second copy. Each copy carries the person's own links («le mie iscrizioni»,
and their cancellation link while they still have a registration to cancel).
"""

import hashlib
import json
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from events.models import WebinarPage
from registrations import emails, selectors
from registrations.models import Registration, StaffMessage


def normalise_body(body: str) -> str:
    """The text as typed, with one kind of line end and no trailing blank space."""
    return body.replace("\r\n", "\n").replace("\r", "\n").strip()


def message_digest(*, webinar: WebinarPage, audience: str, subject: str, body: str) -> str:
    content = json.dumps([webinar.pk, audience, subject, body], ensure_ascii=False)
    return hashlib.sha256(content.encode()).hexdigest()


def copy_key(message: StaffMessage, registration: Registration) -> str:
    return f"staff-{message.pk}-{registration.pk}"


@dataclass
class Preview:
    recipients: int
    to: str  # the first recipient's address; empty when nobody would get it
    subject: str
    text: str
    html: str


def staff_message_preview(
    *, webinar: WebinarPage, audience: str, subject: str, body: str
) -> Preview:
    """The message as its first recipient will get it, and how many get it; writes nothing."""
    recipients = selectors.message_recipients(webinar, audience)
    first = recipients.first()
    if first is None:
        return Preview(recipients=0, to="", subject="", text="", html="")
    subject, text, html = emails.render_staff_message(
        first, subject=subject, body=normalise_body(body)
    )
    return Preview(
        recipients=selectors.audience_counts(webinar)[audience],
        to=first.email,
        subject=subject,
        text=text,
        html=html,
    )


def staff_message_send(
    *, webinar: WebinarPage, audience: str, subject: str, body: str, sent_by=None
) -> tuple[StaffMessage, int]:
    """Record the message and queue one copy per recipient not yet sent it.

    Returns the message and how many copies this call queued (0 when it had been sent).
    """
    body = normalise_body(body)
    digest = message_digest(webinar=webinar, audience=audience, subject=subject, body=body)
    with transaction.atomic():
        message = StaffMessage.objects.filter(digest=digest).first()
        if message is None:
            try:
                # Two staff sending at once: the unique digest lets one row in; the other
                # waits for it, fails here, and goes on with the same message.
                with transaction.atomic():
                    message = StaffMessage.objects.create(
                        webinar=webinar,
                        audience=audience,
                        subject=subject,
                        body=body,
                        sent_by=sent_by,
                        digest=digest,
                    )
            except IntegrityError:
                message = StaffMessage.objects.get(digest=digest)
        queued = 0
        for registration in selectors.message_recipients(webinar, audience):
            copy = emails.queue_staff_message(
                registration,
                subject=message.subject,
                body=message.body,
                dedupe_key=copy_key(message, registration),
            )
            queued += copy is not None
        if queued:
            StaffMessage.objects.filter(pk=message.pk).update(
                recipients_count=F("recipients_count") + queued
            )
            message.refresh_from_db()
    return message, queued
