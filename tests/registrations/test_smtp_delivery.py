"""Delivery through a real SMTP server (aiosmtpd on localhost), and its faults.

Messages are queued with ``outbox.email_queue`` and sent by ``outbox.email_send`` (the
body of the send task) or by the sweep, which in the tests runs the task at once. A fake
clock moves time forward for the retries, the outbox and the server alike.
"""

from datetime import timedelta

from django.test import override_settings
from django.utils import timezone

import pytest

from registrations.models import EmailMessage
from registrations.outbox import email_queue, email_send, outbox_sweep
from tests.registrations.smtpd import SMTPServer

Status = EmailMessage.Status

ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


class Clock:
    """``timezone.now()`` under the test's control."""

    def __init__(self):
        self.now = timezone.now()

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)

    def seconds(self) -> float:
        return self.now.timestamp()


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(timezone, "now", fake)
    return fake


@pytest.fixture
def smtp(clock):
    server = SMTPServer(clock=clock.seconds)
    server.start()
    with override_settings(**server.settings()):
        yield server
    server.stop()


def queue(count: int, *, to="persona{}@example.org", **fields) -> list[EmailMessage]:
    return [
        email_queue(
            kind=EmailMessage.Kind.INVITATION,
            to=to.format(n),
            subject=f"Invito al webinar {n}",
            body_text=f"Testo {n}",
            **fields,
        )
        for n in range(count)
    ]


def drain(clock, *, step=timedelta(seconds=30), rounds=200) -> None:
    """Run the sweep (it sends every due row) and move the clock until the queue is empty."""
    for _ in range(rounds):
        outbox_sweep()
        if not EmailMessage.objects.filter(status__in=[Status.QUEUED, Status.SENDING]).exists():
            return
        clock.now += step
    raise AssertionError("the outbox did not drain")


def assert_each_delivered_once(server: SMTPServer, messages: list[EmailMessage]) -> None:
    ids = server.message_ids()
    assert len(ids) == len(set(ids)) == len(messages), "a message was lost or sent twice"
    rows = EmailMessage.objects.filter(pk__in=[m.pk for m in messages])
    assert set(rows.values_list("status", flat=True)) == {Status.SENT}
    assert set(rows.values_list("esp_message_id", flat=True)) == set(ids)


@pytest.mark.django_db
def test_a_message_arrives_as_mime_with_both_bodies_and_the_calendar(smtp):
    [message] = queue(1, body_html="<p>Ciao <a href='https://example.org/j'>entra</a></p>", ics=ICS)

    assert email_send(message_id=message.pk) == "sent"

    [(recipients, mime)] = smtp.received
    assert recipients == ["persona0@example.org"]
    assert mime["To"] == "persona0@example.org"
    assert mime["Subject"] == "Invito al webinar 0"
    assert mime["Auto-Submitted"] == "auto-generated"
    assert mime.get_body(("plain",)).get_content().strip() == "Testo 0"
    assert "entra</a>" in mime.get_body(("html",)).get_content()
    [attachment] = list(mime.iter_attachments())
    assert attachment.get_content_type() == "text/calendar"
    assert attachment.get_param("method") == "REQUEST"
    assert "METHOD:REQUEST" in attachment.get_content()
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.esp_message_id == mime["Message-ID"]


@pytest.mark.django_db
def test_server_down_then_back_delivers_all_200_exactly_once(smtp, clock):
    messages = queue(200)
    smtp.stop()

    outbox_sweep()

    rows = EmailMessage.objects.all()
    assert rows.filter(status=Status.QUEUED, send_after__gt=clock.now, attempts=1).count() == 200
    assert not rows.filter(status=Status.FAILED).exists()
    assert "ConnectionRefusedError" in rows.first().last_error

    # A second failed round waits longer (2 minutes after the second attempt).
    clock.advance(minutes=1)
    outbox_sweep()
    assert rows.filter(status=Status.QUEUED, attempts=2).count() == 200
    assert rows.first().send_after == clock.now + timedelta(minutes=2)

    smtp.start()
    drain(clock)

    assert_each_delivered_once(smtp, messages)
    assert set(rows.values_list("attempts", flat=True)) == {3}


@pytest.mark.django_db
def test_rows_left_sending_by_a_killed_worker_are_delivered_once(smtp, clock):
    messages = queue(60)
    for message in messages[:20]:
        assert email_send(message_id=message.pk) == "sent"
    # The worker died holding these: claimed, never sent.
    EmailMessage.objects.filter(pk__in=[m.pk for m in messages[20:40]]).update(
        status=Status.SENDING, claimed_at=clock.now, attempts=1
    )

    # Not yet taken for dead: the sweep sends only the 20 never claimed.
    outbox_sweep()
    assert EmailMessage.objects.filter(status=Status.SENDING).count() == 20
    assert len(smtp.received) == 40

    clock.advance(minutes=11)
    result = outbox_sweep()

    assert result["requeued"] == 20
    assert_each_delivered_once(smtp, messages)
    assert outbox_sweep() == {"requeued": 0, "enqueued": 0}


@pytest.mark.django_db
def test_a_permanent_rejection_fails_at_once_and_is_not_retried(smtp, clock, admin_client):
    smtp.reject.add("nessuno@example.org")
    [bad] = queue(1, to="nessuno@example.org")
    [good] = queue(1, to="qualcuno@example.org")

    outbox_sweep()
    clock.advance(hours=2)
    outbox_sweep()

    bad.refresh_from_db()
    assert bad.status == Status.FAILED
    assert bad.attempts == 1
    assert bad.last_error.startswith("550 5.1.1 <nessuno@example.org>: Recipient address")
    assert "Testo" not in bad.last_error
    assert smtp.rejections == [("550", "nessuno@example.org")]
    assert [rcpt for rcpt, _mime in smtp.received] == [["qualcuno@example.org"]]

    # Staff see it in the e-mail log with its error, and can resend it.
    index = admin_client.get("/admin/registrations/emailmessage/?status=failed")
    assert index.status_code == 200
    assert "nessuno@example.org" in index.content.decode()
    assert "550 5.1.1 &lt;nessuno@example.org&gt;: Recipient" in index.content.decode()
    inspect = admin_client.get(f"/admin/registrations/emailmessage/inspect/{bad.pk}/")
    assert "mailbox unavailable" in inspect.content.decode()
    resend_url = f"/admin/registrations/emailmessage/resend/{bad.pk}/"
    assert resend_url in inspect.content.decode()

    smtp.reject.clear()
    response = admin_client.post(resend_url)
    assert response.status_code == 302
    bad.refresh_from_db()
    assert bad.status == Status.QUEUED
    outbox_sweep()
    bad.refresh_from_db()
    assert bad.status == Status.SENT
    assert admin_client.post(resend_url).status_code == 302  # not failed: nothing happens
    assert len(smtp.received) == 2


@pytest.mark.django_db
def test_a_burst_of_200_within_exchange_caps_gets_no_rejection(smtp, clock):
    smtp.rate, smtp.window = 30, 60.0
    messages = queue(200)

    with override_settings(EMAIL_RATE_PER_MINUTE=30, EMAIL_MAX_CONNECTIONS=3):
        drain(clock, step=timedelta(seconds=5), rounds=400)

    assert smtp.rejections == []
    assert not EmailMessage.objects.filter(status=Status.FAILED).exists()
    assert_each_delivered_once(smtp, messages)
    # Never more than 30 in any minute.
    arrivals = sorted(smtp.arrivals)
    assert all(sum(1 for t in arrivals if start <= t < start + 60) <= 30 for start in arrivals)
    # 200 at 30 a minute: about 7 minutes, not much more.
    assert arrivals[-1] - arrivals[0] < 9 * 60
