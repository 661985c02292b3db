"""Background tasks: each loads its objects by id and calls a service."""

from django_tasks import task

from registrations.outbox import email_send, outbox_sweep


@task(backend="email")
def send_email(message_id: int) -> None:
    email_send(message_id=message_id)


@task(backend="email")
def sweep_outbox() -> None:
    outbox_sweep()
