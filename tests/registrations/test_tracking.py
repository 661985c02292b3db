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
@override_settings(ANYMAIL_ESP="brevo", ANYMAIL={"WEBHOOK_SECRET": "cgm:segreto"})
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


POSTMARK_HARD_BOUNCE = {
    "RecordType": "Bounce",
    "Type": "HardBounce",
    "TypeCode": 1,
    "MessageID": "883953f4-6105-42a2-a16a-77a8eac79483",
    "Email": ADDRESS,
    "BouncedAt": "2026-11-30T20:00:00Z",
    "Description": "The server was unable to deliver your message.",
}


def forge_postmark_bounce(client, esp_path: str = "postmark"):
    """A stranger's POST: a bounce for ADDRESS, with no credentials."""
    return client.post(
        f"/anymail/{esp_path}/tracking/",
        json.dumps(POSTMARK_HARD_BOUNCE),
        content_type="application/json",
    )


@pytest.mark.django_db
@override_settings(ANYMAIL_ESP="", ANYMAIL={})
@pytest.mark.parametrize("esp_path", ["postmark", "brevo", "mailgun", "amazon_ses", "sendgrid"])
def test_an_smtp_deployment_has_no_webhook_to_forge(client, esp_path):
    """A forged Postmark bounce answered 200 and silenced the victim in SMTP deployments."""
    response = forge_postmark_bounce(client, esp_path)

    assert response.status_code == 404
    assert not SuppressedAddress.objects.exists()
    # The victim's next message goes out.
    later = email_queue(kind="confirmation", to=ADDRESS, subject="Conferma", body_text="x")
    assert email_send(message_id=later.pk) == "sent"
    assert [message.to for message in mail.outbox] == [[ADDRESS]]


@pytest.mark.django_db
@override_settings(ANYMAIL_ESP="brevo", ANYMAIL={"WEBHOOK_SECRET": "cgm:segreto"})
@pytest.mark.parametrize("esp_path", ["postmark", "amazon_ses", "mailgun"])
def test_only_the_configured_providers_webhook_exists(client, esp_path):
    response = forge_postmark_bounce(client, esp_path)

    assert response.status_code == 404
    assert not SuppressedAddress.objects.exists()


@pytest.mark.django_db
@override_settings(ANYMAIL_ESP="postmark", ANYMAIL={})
def test_the_providers_webhook_does_not_exist_without_its_secret(client):
    response = forge_postmark_bounce(client)

    assert response.status_code == 404
    assert not SuppressedAddress.objects.exists()


@pytest.mark.django_db
@override_settings(ANYMAIL_ESP="postmark", ANYMAIL={"WEBHOOK_SECRET": "cgm:segreto"})
def test_the_configured_postmark_webhook_needs_its_secret(client):
    refused = forge_postmark_bounce(client)
    assert refused.status_code in (400, 403)
    assert not SuppressedAddress.objects.exists()

    auth = "Basic " + base64.b64encode(b"cgm:segreto").decode()
    accepted = client.post(
        "/anymail/postmark/tracking/",
        json.dumps(POSTMARK_HARD_BOUNCE),
        content_type="application/json",
        HTTP_AUTHORIZATION=auth,
    )
    assert accepted.status_code == 200
    assert SuppressedAddress.objects.filter(email=ADDRESS, reason="bounced").exists()
