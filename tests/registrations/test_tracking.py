"""Delivery status from the provider: anymail's tracking signal and a real Brevo webhook."""

import base64
import json

from django.core import mail
from django.test import override_settings

import pytest
from anymail.signals import AnymailTrackingEvent, tracking

from registrations.models import EmailMessage, SuppressedAddress
from registrations.outbox import email_queue, email_send

Status = EmailMessage.Status
ADDRESS = "rimbalza@example.org"


def sent_message(esp_id: str) -> EmailMessage:
    message = email_queue(kind="invitation", to=ADDRESS, subject="Invito", body_text="Testo")
    assert email_send(message_id=message.pk) == "sent"
    EmailMessage.objects.filter(pk=message.pk).update(esp_message_id=esp_id)
    return message


@pytest.mark.django_db
def test_delivered_then_bounce_through_the_signal_suppresses_the_address():
    message = sent_message("<abc@brevo>")

    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(event_type="delivered", message_id="<abc@brevo>"),
        esp_name="Brevo",
    )
    message.refresh_from_db()
    assert message.status == Status.DELIVERED

    tracking.send(
        sender=object,
        event=AnymailTrackingEvent(
            event_type="bounced", message_id="<abc@brevo>", recipient=ADDRESS
        ),
        esp_name="Brevo",
    )
    message.refresh_from_db()
    assert message.status == Status.BOUNCED
    assert SuppressedAddress.objects.get(email=ADDRESS).reason == "bounced"

    mail.outbox.clear()
    later = email_queue(kind="reminder", to=ADDRESS.upper(), subject="Promemoria", body_text="x")
    assert email_send(message_id=later.pk) == "suppressed"
    later.refresh_from_db()
    assert (later.status, later.last_error) == (Status.FAILED, "suppressed")
    assert mail.outbox == []


@pytest.mark.django_db
@override_settings(ANYMAIL={"WEBHOOK_SECRET": "cgm:segreto"})
def test_a_real_brevo_webhook_with_basic_auth_marks_bounced(client):
    message = sent_message("<202611260700.123@smtp-relay.mailin.fr>")
    payload = {
        "event": "hard_bounce",
        "email": ADDRESS,
        "message-id": "<202611260700.123@smtp-relay.mailin.fr>",
        "ts_epoch": 1795676400000,
        "reason": "550 5.1.1 user unknown",
    }
    url = "/anymail/brevo/tracking/"

    refused = client.post(url, json.dumps(payload), content_type="application/json")
    assert refused.status_code in (400, 403)
    assert not SuppressedAddress.objects.exists()

    auth = "Basic " + base64.b64encode(b"cgm:segreto").decode()
    response = client.post(
        url, json.dumps(payload), content_type="application/json", HTTP_AUTHORIZATION=auth
    )

    assert response.status_code == 200
    message.refresh_from_db()
    assert message.status == Status.BOUNCED
    assert SuppressedAddress.objects.filter(email=ADDRESS, reason="bounced").exists()
