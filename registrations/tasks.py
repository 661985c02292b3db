"""Background tasks: each loads its objects by id and calls a service."""

from django_tasks import task

from registrations import emails, services
from registrations.outbox import email_send, outbox_sweep


@task(backend="email")
def send_email(message_id: int) -> None:
    # A row queued under a lock is rendered here first (``emails.message_render``).
    emails.message_render(message_id=message_id)
    email_send(message_id=message_id)


@task(backend="email")
def sweep_outbox() -> None:
    outbox_sweep()
    services.signup_attempts_sweep()


@task(backend="email")
def process_signup(attempt_id: int) -> None:
    """Decide what a sign-up gets and queue it (``services.signup_attempt_process``)."""
    services.signup_attempt_process(attempt_id=attempt_id)


@task(backend="email")
def send_my_registrations_link(request_id: int) -> None:
    services.my_registrations_link_process(request_id=request_id)
