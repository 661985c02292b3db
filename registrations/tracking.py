"""Delivery status from the provider's webhooks (anymail's ``tracking`` signal).

The provider posts to ``/anymail/<esp>/tracking/`` (basic auth: ``ANYMAIL["WEBHOOK_SECRET"]``);
only the configured provider's address exists, and only with its secret set: any other
(an SMTP deployment, another provider's path) is a 404, since a forged bounce would
silence an address. anymail turns each event into an ``AnymailTrackingEvent``. The
message is found by the provider's message id recorded when it was sent. A bounce, a
spam complaint or a rejection by the provider puts the address on the suppression list:
it gets nothing more.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.dispatch import receiver
from django.http import Http404
from django.utils.module_loading import import_string
from django.views.decorators.csrf import csrf_exempt

from anymail.signals import EventType, tracking

from registrations.models import EmailMessage, SuppressedAddress

logger = logging.getLogger(__name__)

Status = EmailMessage.Status

SUPPRESSING_EVENTS = {
    EventType.BOUNCED: SuppressedAddress.Reason.BOUNCED,
    EventType.COMPLAINED: SuppressedAddress.Reason.COMPLAINED,
    EventType.REJECTED: SuppressedAddress.Reason.REJECTED,
}
# anymail's tracking webhook view for each provider the site can send through.
TRACKING_VIEWS = {
    "brevo": "anymail.webhooks.brevo.BrevoTrackingWebhookView",
    "mailgun": "anymail.webhooks.mailgun.MailgunTrackingWebhookView",
    "amazon_ses": "anymail.webhooks.amazon_ses.AmazonSESTrackingWebhookView",
    "postmark": "anymail.webhooks.postmark.PostmarkTrackingWebhookView",
}
# A delivery report never overwrites a bounce that arrived first.
DELIVERED_FROM = [Status.SENDING, Status.SENT, Status.QUEUED]


@csrf_exempt
def tracking_webhook(request, esp: str):
    """The configured provider's tracking webhook, behind its secret; 404 for the rest."""
    if esp != settings.ANYMAIL_ESP or esp not in TRACKING_VIEWS:
        raise Http404
    if ":" not in (settings.ANYMAIL.get("WEBHOOK_SECRET") or ""):
        raise Http404
    view = import_string(TRACKING_VIEWS[esp]).as_view()
    return view(request)


@receiver(tracking, dispatch_uid="registrations_tracking")
def on_tracking_event(sender, event, esp_name, **kwargs):
    """Record delivered / bounced on the message and suppress a bad address."""
    message_id = (event.message_id or "").strip()
    messages = EmailMessage.objects.filter(esp_message_id=message_id) if message_id else None
    with transaction.atomic():
        if event.event_type == EventType.DELIVERED and messages is not None:
            messages.filter(status__in=DELIVERED_FROM).update(status=Status.DELIVERED)
        elif event.event_type in SUPPRESSING_EVENTS:
            if messages is not None and event.event_type != EventType.COMPLAINED:
                messages.update(status=Status.BOUNCED)
            address = event.recipient or ""
            if not address and messages is not None:
                address = messages.values_list("to", flat=True).first() or ""
            if address:
                suppress(
                    address,
                    reason=SUPPRESSING_EVENTS[event.event_type],
                    detail=event.reject_reason or event.description or "",
                )
    logger.info("Tracking event %s from %s", event.event_type, esp_name)


def suppress(address: str, *, reason: str, detail: str = "") -> None:
    """Put an address on the suppression list (once; the first reason stays)."""
    SuppressedAddress.objects.get_or_create(
        email=address.strip().lower(),
        defaults={"reason": reason, "detail": str(detail)[:500]},
    )
