"""Unit tests of the outbox (registrations/outbox.py): no network, no sleeps.

The mail backend is Django's locmem one, or ``FailingBackend`` below, which raises the
exception the test puts in ``FailingBackend.error``. ``timezone.now`` is a fixed clock
the test moves forward, so the retry times can be compared exactly.
"""

import smtplib
from datetime import timedelta
from types import SimpleNamespace

from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.utils import timezone

import pytest
from anymail.exceptions import (
    AnymailAPIError,
    AnymailInvalidAddress,
    AnymailRecipientsRefused,
)
from django_tasks_db.models import DBTaskResult

from registrations.checks import check_outbox_timeouts
from registrations.models import EmailMessage, SuppressedAddress
from registrations.outbox import (
    email_claim,
    email_queue,
    email_resend,
    email_send,
    outbox_sweep,
    record_failure,
    record_sent,
    retry_delay,
)

Status = EmailMessage.Status

LOCMEM = "django.core.mail.backends.locmem.EmailBackend"
FAILING = "tests.registrations.test_outbox.FailingBackend"
BODY = "Testo riservato del messaggio 7f3a9c"
HTML = "<p>HTML riservato 5e1b2d</p>"


class FailingBackend(BaseEmailBackend):
    """A mail backend that raises ``FailingBackend.error`` on every send."""

    error: Exception | None = None
    calls = 0

    def send_messages(self, email_messages):
        FailingBackend.calls += 1
        raise FailingBackend.error


def fake_response(status: int, reason: str):
    """What anymail's error reads from a requests.Response (not JSON)."""

    def not_json():
        raise ValueError("not JSON")

    return SimpleNamespace(status_code=status, reason=reason, text=reason, json=not_json)


def api_error(status: int, reason: str) -> AnymailAPIError:
    return AnymailAPIError(
        "ESP refused the call", status_code=status, response=fake_response(status, reason)
    )


class Clock:
    def __init__(self):
        self.now = timezone.now().replace(microsecond=0)

    def __call__(self):
        return self.now

    def advance(self, **delta):
        self.now += timedelta(**delta)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(timezone, "now", fake)
    return fake


@pytest.fixture(autouse=True)
def _outbox_settings(settings):
    settings.EMAIL_BACKEND = LOCMEM
    settings.EMAIL_MAX_ATTEMPTS = 10
    settings.EMAIL_RETRY_MAX_MINUTES = 60
    settings.EMAIL_SENDING_TIMEOUT_MINUTES = 10
    settings.EMAIL_RATE_PER_MINUTE = 0
    settings.EMAIL_MAX_CONNECTIONS = 0
    FailingBackend.error = None
    FailingBackend.calls = 0
    mail.outbox = []
    yield
    FailingBackend.error = None


@pytest.fixture
def failing(settings):
    """``failing(error)``: every send raises ``error`` from now on."""

    def use(error: Exception) -> None:
        FailingBackend.error = error
        settings.EMAIL_BACKEND = FAILING

    return use


def make_message(n: int = 0, **fields) -> EmailMessage:
    fields.setdefault("kind", EmailMessage.Kind.INVITATION)
    fields.setdefault("to", f"persona{n}@example.org")
    fields.setdefault("subject", f"Invito al webinar {n}")
    fields.setdefault("body_text", BODY)
    fields.setdefault("body_html", HTML)
    return EmailMessage.objects.create(**fields)


# Classification -------------------------------------------------------------------------

TEMPORARY = {
    "smtp-disconnected": smtplib.SMTPServerDisconnected("Connection unexpectedly closed"),
    "smtp-rcpt-450": smtplib.SMTPRecipientsRefused(
        {"persona0@example.org": (450, b"4.2.1 mailbox busy")}
    ),
    "smtp-421": smtplib.SMTPResponseException(421, b"4.7.0 try again later"),
    "smtp-data-451": smtplib.SMTPDataError(451, b"4.3.0 local error"),
    "smtp-auth-535": smtplib.SMTPAuthenticationError(535, b"5.7.3 authentication failed"),
    "connection-refused": ConnectionRefusedError(111, "Connection refused"),
    "timeout": TimeoutError("timed out"),
    "anymail-503": api_error(503, "Service Unavailable"),
    "anymail-429": api_error(429, "Too Many Requests"),
    "anymail-408": api_error(408, "Request Timeout"),
    "anymail-no-status": AnymailAPIError("connection reset"),
}

PERMANENT = {
    "smtp-rcpt-550": smtplib.SMTPRecipientsRefused(
        {"persona0@example.org": (550, b"5.1.1 mailbox unavailable")}
    ),
    "smtp-554": smtplib.SMTPResponseException(554, b"5.7.1 message rejected"),
    "smtp-sender-553": smtplib.SMTPSenderRefused(553, b"5.7.1 sender refused", "noreply@x"),
    "anymail-recipients-refused": AnymailRecipientsRefused("All recipients refused"),
    "anymail-invalid-address": AnymailInvalidAddress("Invalid 'to' address"),
    "anymail-400": api_error(400, "Bad Request"),
    "anymail-422": api_error(422, "Unprocessable Entity"),
    "value-error": ValueError("cannot render the message"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("error", TEMPORARY.values(), ids=TEMPORARY.keys())
def test_temporary_error_queues_the_row_again(clock, failing, error):
    message = make_message()
    failing(error)

    assert email_send(message_id=message.pk) == "retry"

    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.attempts == 1
    assert message.send_after == clock.now + timedelta(minutes=1)
    assert message.claimed_at == clock.now
    assert message.last_error
    assert BODY not in message.last_error
    assert "riservato" not in message.last_error
    assert FailingBackend.calls == 1


@pytest.mark.django_db
@pytest.mark.parametrize("error", PERMANENT.values(), ids=PERMANENT.keys())
def test_permanent_error_fails_at_once(clock, failing, error):
    message = make_message()
    failing(error)

    assert email_send(message_id=message.pk) == "failed"

    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == 1
    assert message.send_after is None
    assert message.sent_at is None
    assert message.last_error
    assert BODY not in message.last_error
    assert "riservato" not in message.last_error
    # Failed is final: another task for the row sends nothing.
    assert email_send(message_id=message.pk) == "skipped"
    assert FailingBackend.calls == 1


@pytest.mark.django_db
def test_last_error_is_the_servers_answer(clock, failing):
    message = make_message()
    failing(smtplib.SMTPRecipientsRefused({message.to: (550, b"5.1.1 mailbox unavailable")}))
    email_send(message_id=message.pk)
    message.refresh_from_db()
    assert message.last_error == "550 5.1.1 mailbox unavailable"

    other = make_message(1)
    failing(smtplib.SMTPResponseException(421, b"4.7.0 try again later"))
    email_send(message_id=other.pk)
    other.refresh_from_db()
    assert other.last_error == "421 4.7.0 try again later"


# Retries --------------------------------------------------------------------------------


def test_retry_delay_doubles_up_to_the_cap(settings):
    settings.EMAIL_RETRY_MAX_MINUTES = 60
    minutes = [retry_delay(n) / timedelta(minutes=1) for n in range(12)]
    assert minutes == [1, 1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60]
    settings.EMAIL_RETRY_MAX_MINUTES = 5
    assert [retry_delay(n) / timedelta(minutes=1) for n in range(1, 6)] == [1, 2, 4, 5, 5]


@pytest.mark.django_db
def test_temporary_failures_until_max_attempts_then_failed(clock, failing):
    message = make_message()
    failing(smtplib.SMTPServerDisconnected("Connection unexpectedly closed"))
    delays = []

    for attempt in range(1, 10):
        # Not due yet: the row is left alone.
        if attempt > 1:
            clock.advance(seconds=-1)
            assert email_send(message_id=message.pk) == "skipped"
            clock.advance(seconds=1)
        assert email_send(message_id=message.pk) == "retry"
        message.refresh_from_db()
        assert message.status == Status.QUEUED
        assert message.attempts == attempt
        delays.append((message.send_after - clock.now) / timedelta(minutes=1))
        clock.now = message.send_after

    assert delays == [1, 2, 4, 8, 16, 32, 60, 60, 60]

    assert email_send(message_id=message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.attempts == 10
    assert message.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"
    assert FailingBackend.calls == 10
    clock.advance(hours=2)
    assert email_send(message_id=message.pk) == "skipped"
    assert FailingBackend.calls == 10


@pytest.mark.django_db
def test_max_attempts_setting_is_honoured(clock, failing, settings):
    settings.EMAIL_MAX_ATTEMPTS = 3
    message = make_message()
    failing(TimeoutError("timed out"))
    results = []
    for _ in range(3):
        results.append(email_send(message_id=message.pk))
        clock.advance(hours=1)
    assert results == ["retry", "retry", "failed"]
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.FAILED, 3)


@pytest.mark.django_db
def test_retry_then_success_clears_the_error(clock, failing, settings):
    message = make_message()
    failing(ConnectionRefusedError(111, "Connection refused"))
    assert email_send(message_id=message.pk) == "retry"

    settings.EMAIL_BACKEND = LOCMEM
    clock.advance(minutes=1)
    assert email_send(message_id=message.pk) == "sent"

    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 2
    assert message.last_error == ""
    assert message.send_after is None
    assert message.sent_at == clock.now
    assert len(mail.outbox) == 1
    assert mail.outbox[0].body == BODY
    assert message.esp_message_id == mail.outbox[0].extra_headers["Message-ID"]


# Never twice, never to a suppressed address -----------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.SENT, Status.SENDING, Status.FAILED])
def test_a_row_not_queued_is_never_sent(clock, status):
    message = make_message(status=status, claimed_at=clock.now - timedelta(hours=1))

    assert email_send(message_id=message.pk) == "skipped"

    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == status
    assert message.attempts == 0


@pytest.mark.django_db
def test_sent_once_then_skipped(clock):
    message = make_message()
    assert email_send(message_id=message.pk) == "sent"
    assert email_send(message_id=message.pk) == "skipped"
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 1)


@pytest.mark.django_db
def test_unknown_row_is_skipped(clock):
    assert email_send(message_id=987654) == "skipped"
    assert mail.outbox == []


@pytest.mark.django_db
def test_suppressed_address_is_never_sent(clock):
    SuppressedAddress.objects.create(
        email="Persona0@Example.org", reason=SuppressedAddress.Reason.BOUNCED
    )
    message = make_message(to="persona0@example.org")

    assert email_send(message_id=message.pk) == "suppressed"

    assert mail.outbox == []
    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.last_error == "suppressed"
    assert message.attempts == 0
    assert email_send(message_id=message.pk) == "skipped"
    assert mail.outbox == []


# Queueing and resending ----------------------------------------------------------------


def queue(**fields) -> EmailMessage:
    fields.setdefault("kind", EmailMessage.Kind.REMINDER)
    fields.setdefault("to", "persona0@example.org")
    fields.setdefault("subject", "Promemoria")
    fields.setdefault("body_text", BODY)
    return email_queue(**fields)


@pytest.mark.django_db
def test_email_queue_sends_once_the_transaction_commits(clock, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        message = queue()
        assert mail.outbox == []
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT


@pytest.mark.django_db
def test_a_dedupe_key_already_in_the_outbox_queues_and_sends_nothing_more(
    clock, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        first = queue(dedupe_key="reminder:1:24h")
    assert len(mail.outbox) == 1

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = queue(dedupe_key="reminder:1:24h", subject="Un altro promemoria")
    assert callbacks == []
    assert second is None
    assert EmailMessage.objects.get(dedupe_key="reminder:1:24h").subject == first.subject
    assert len(mail.outbox) == 1

    # Without a key (or with an empty one) every call is a new message.
    with django_capture_on_commit_callbacks(execute=True):
        a = queue(dedupe_key="")
        b = queue()
    assert a.pk != b.pk
    assert a.dedupe_key is None and b.dedupe_key is None
    assert len(mail.outbox) == 3


@pytest.mark.django_db
def test_email_resend_queues_a_failed_row_and_sends_it_once(
    clock, failing, settings, django_capture_on_commit_callbacks
):
    message = make_message()
    failing(smtplib.SMTPRecipientsRefused({message.to: (550, b"5.1.1 mailbox unavailable")}))
    assert email_send(message_id=message.pk) == "failed"

    settings.EMAIL_BACKEND = LOCMEM
    with django_capture_on_commit_callbacks(execute=True):
        assert email_resend(message=message) is True
        message.refresh_from_db()
        assert message.status == Status.QUEUED
        assert message.attempts == 0
        assert message.send_after is None
    assert len(mail.outbox) == 1
    message.refresh_from_db()
    assert message.status == Status.SENT
    assert message.attempts == 1
    assert message.last_error == ""

    # Not failed any more: a second resend does nothing.
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_resend(message=message) is False
    assert callbacks == []
    assert len(mail.outbox) == 1


@pytest.mark.django_db
@pytest.mark.parametrize("status", [Status.QUEUED, Status.SENDING, Status.SENT])
def test_email_resend_leaves_a_row_not_failed_alone(status, django_capture_on_commit_callbacks):
    message = make_message(status=status, attempts=2)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        assert email_resend(message=message) is False
    assert callbacks == []
    message.refresh_from_db()
    assert (message.status, message.attempts) == (status, 2)
    assert mail.outbox == []


# The sweep -----------------------------------------------------------------------------


def ready_send_tasks() -> list[int]:
    rows = DBTaskResult.objects.filter(task_path="registrations.tasks.send_email")
    return sorted(row.args_kwargs["args"][0] for row in rows)


@pytest.mark.django_db
def test_sweep_twice_enqueues_nothing_the_second_time(clock, db_tasks):
    due = [make_message(n) for n in range(3)]
    later = make_message(3, send_after=clock.now + timedelta(minutes=5))
    stale = make_message(
        4, status=Status.SENDING, attempts=1, claimed_at=clock.now - timedelta(minutes=11)
    )
    recent = make_message(
        5, status=Status.SENDING, attempts=1, claimed_at=clock.now - timedelta(minutes=2)
    )
    make_message(6, status=Status.SENT)
    make_message(7, status=Status.FAILED)

    assert outbox_sweep(now=clock.now) == {"requeued": 1, "enqueued": 4}
    assert outbox_sweep(now=clock.now) == {"requeued": 0, "enqueued": 0}

    assert ready_send_tasks() == sorted([m.pk for m in due] + [stale.pk])
    stale.refresh_from_db()
    assert (stale.status, stale.send_after) == (Status.QUEUED, None)
    recent.refresh_from_db()
    assert recent.status == Status.SENDING
    later.refresh_from_db()
    assert later.status == Status.QUEUED
    assert mail.outbox == []

    # Once the deferred row is due, it is enqueued once.
    clock.advance(minutes=5)
    assert outbox_sweep(now=clock.now) == {"requeued": 0, "enqueued": 1}
    assert outbox_sweep(now=clock.now) == {"requeued": 0, "enqueued": 0}
    assert ready_send_tasks().count(later.pk) == 1


@pytest.mark.django_db
def test_sweep_fails_a_message_that_stopped_its_worker_every_time(clock, db_tasks):
    """Left "sending" again and again: after the last attempt it fails, for staff to see."""
    poison = make_message(
        0, status=Status.SENDING, attempts=10, claimed_at=clock.now - timedelta(minutes=11)
    )

    assert outbox_sweep(now=clock.now) == {"requeued": 0, "enqueued": 0}

    poison.refresh_from_db()
    assert poison.status == Status.FAILED
    assert "attempts exhausted" in poison.last_error
    assert ready_send_tasks() == []


@pytest.mark.django_db
def test_retry_enqueues_a_deferred_task_the_sweep_does_not_duplicate(clock, failing, db_tasks):
    message = make_message()
    failing(TimeoutError("timed out"))
    assert email_send(message_id=message.pk) == "retry"

    task = DBTaskResult.objects.get(task_path="registrations.tasks.send_email")
    assert task.args_kwargs["args"] == [message.pk]
    assert task.run_after == clock.now + timedelta(minutes=1)

    clock.advance(minutes=1)
    assert outbox_sweep(now=clock.now) == {"requeued": 0, "enqueued": 0}
    assert DBTaskResult.objects.count() == 1


@pytest.mark.django_db
def test_sweep_with_immediate_backend_sends_each_due_row_once(clock):
    messages = [make_message(n) for n in range(3)]

    assert outbox_sweep(now=clock.now) == {"requeued": 0, "enqueued": 3}
    assert outbox_sweep(now=clock.now) == {"requeued": 0, "enqueued": 0}

    assert sorted(sent.to for sent in mail.outbox) == sorted([m.to] for m in messages)
    assert len(mail.outbox) == 3
    assert set(EmailMessage.objects.values_list("status", flat=True)) == {Status.SENT}


# A send so slow that the sweep took it for a dead worker's -----------------------------


def claim_after_sweep(clock, message: EmailMessage) -> tuple[EmailMessage, EmailMessage]:
    """A first claim hangs past the timeout; the sweep queues the row; a second claim."""
    slow = email_claim(message_id=message.pk, now=clock.now)
    clock.advance(minutes=11)
    assert outbox_sweep(now=clock.now)["requeued"] == 1
    clock.advance(seconds=5)
    fresh = email_claim(message_id=message.pk, now=clock.now)
    assert isinstance(slow, EmailMessage)
    assert isinstance(fresh, EmailMessage)
    return slow, fresh


@pytest.mark.django_db
def test_a_slow_senders_failure_does_not_undo_a_newer_claim(clock, db_tasks):
    message = make_message()
    slow, fresh = claim_after_sweep(clock, message)

    error = smtplib.SMTPDataError(451, b"4.3.0 local error")
    assert record_failure(slow, error) == "stale"
    message.refresh_from_db()
    assert (message.status, message.claimed_at, message.attempts) == (
        Status.SENDING,
        fresh.claimed_at,
        2,
    )
    assert message.last_error == ""

    assert record_sent(fresh, "<id@example.org>") == "sent"
    message.refresh_from_db()
    assert (message.status, message.esp_message_id) == (Status.SENT, "<id@example.org>")


@pytest.mark.django_db
def test_a_slow_senders_success_does_not_overwrite_a_newer_claims_failure(clock, db_tasks):
    message = make_message()
    slow, fresh = claim_after_sweep(clock, message)

    assert record_failure(fresh, smtplib.SMTPResponseException(554, b"5.7.1 rejected")) == "failed"
    assert record_sent(slow, "<late@example.org>") == "sent-late"

    message.refresh_from_db()
    assert message.status == Status.FAILED
    assert message.esp_message_id == ""
    assert "554" in message.last_error


@pytest.mark.django_db
def test_a_slow_send_outrun_by_the_swept_retry_is_recorded_once(clock):
    """The sweep's task (run at once here) sends again before the slow send returns."""
    message = make_message()
    slow = email_claim(message_id=message.pk, now=clock.now)
    clock.advance(minutes=11)
    assert outbox_sweep(now=clock.now) == {"requeued": 1, "enqueued": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (Status.SENT, 2)

    assert record_sent(slow, "<slow@example.org>") == "sent-late"

    message.refresh_from_db()
    assert message.esp_message_id == mail.outbox[0].extra_headers["Message-ID"]
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_record_sent_on_a_row_queued_again_by_the_sweep_marks_it_sent(clock, db_tasks):
    message = make_message()
    slow = email_claim(message_id=message.pk, now=clock.now)
    clock.advance(minutes=11)
    assert outbox_sweep(now=clock.now) == {"requeued": 1, "enqueued": 1}

    assert record_sent(slow, "<slow@example.org>") == "sent"

    message.refresh_from_db()
    assert message.status == Status.SENT
    # The task the sweep enqueued finds nothing left to send.
    assert email_send(message_id=message.pk) == "skipped"
    assert mail.outbox == []


# Message-ID, authentication, settings ---------------------------------------------------


@pytest.mark.django_db
def test_every_attempt_carries_the_same_message_id(clock, failing, settings):
    settings.DEFAULT_FROM_EMAIL = "CGM <noreply@cgm.coop>"
    message = make_message()
    failing(TimeoutError("timed out"))
    assert email_send(message_id=message.pk) == "retry"

    settings.EMAIL_BACKEND = LOCMEM
    clock.advance(minutes=1)
    assert email_send(message_id=message.pk) == "sent"

    [sent] = mail.outbox
    message.refresh_from_db()
    assert sent.extra_headers["Message-ID"] == message.esp_message_id
    assert message.esp_message_id.startswith(f"<outbox.{message.pk}.")
    assert message.esp_message_id.endswith("@cgm.coop>")
    other = make_message(1)
    assert email_send(message_id=other.pk) == "sent"
    assert mail.outbox[1].extra_headers["Message-ID"] != message.esp_message_id


@pytest.mark.django_db
def test_a_refused_smtp_login_is_logged_as_an_error_and_retried(clock, failing, caplog):
    message = make_message()
    failing(smtplib.SMTPAuthenticationError(535, b"5.7.3 Authentication unsuccessful"))

    with caplog.at_level("ERROR", logger="registrations.outbox"):
        assert email_send(message_id=message.pk) == "retry"

    [record] = [r for r in caplog.records if r.levelname == "ERROR"]
    assert "EMAIL_HOST_PASSWORD" in record.getMessage()
    message.refresh_from_db()
    assert message.status == Status.QUEUED
    assert message.last_error.startswith("535 ")


def test_the_sending_timeout_must_outlast_a_slow_smtp_send(settings):
    settings.EMAIL_TIMEOUT = 30
    settings.EMAIL_SENDING_TIMEOUT_MINUTES = 10
    assert check_outbox_timeouts() == []

    settings.EMAIL_SENDING_TIMEOUT_MINUTES = 5
    [warning] = check_outbox_timeouts()
    assert warning.id == "registrations.W001"

    settings.EMAIL_SENDING_TIMEOUT_MINUTES = 10
    settings.EMAIL_TIMEOUT = None
    assert [w.id for w in check_outbox_timeouts()] == ["registrations.W001"]


class Undescribable(Exception):
    def __str__(self):
        raise ValueError("cannot describe")


@pytest.mark.django_db
def test_an_error_that_cannot_describe_itself_still_fails_the_row(clock, failing):
    message = make_message()
    failing(Undescribable())

    assert email_send(message_id=message.pk) == "failed"

    message.refresh_from_db()
    assert (message.status, message.last_error) == (
        Status.FAILED,
        "Undescribable: (no description)",
    )
