"""Benchmark e-mail delivery: N invitation-sized messages through one worker over SMTP.

Queues N messages (default 2,000) with ``registrations.outbox.email_queue`` in a
throwaway test database (the "email" task backend is the database one, as in
production, so queueing sends nothing), then drains them with one real django-tasks
worker (``db_worker --backend email --batch``, in this process) into a local aiosmtpd
server, and prints messages per second and the lost and duplicate counts at the server.

    make bench-emails
    make bench-emails BENCH_ARGS="--messages 500"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres make bench-emails
"""

import argparse
import logging
import os
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cgmsite.settings.test")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import override_settings, setup_test_environment  # noqa: E402

from registrations.models import EmailMessage  # noqa: E402
from registrations.outbox import email_queue  # noqa: E402
from tests.registrations.smtpd import SMTPServer  # noqa: E402

HTML = "<p>" + "Gentile partecipante, ecco il suo invito al webinar. " * 40 + "</p>"
TEXT = "Gentile partecipante, ecco il suo invito al webinar.\n" * 40
ICS = "BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\n" + "X-PAD:" + "x" * 60 + "\r\n" * 30
ICS += "END:VCALENDAR\r\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=2000)
    args = parser.parse_args()

    for name in ("mail.log", "registrations.outbox"):
        logging.getLogger(name).setLevel(logging.WARNING)
    setup_test_environment()
    old_name = connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        tasks = {
            "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
            "email": {"BACKEND": "django_tasks_db.DatabaseBackend"},
        }
        with (
            SMTPServer() as server,
            override_settings(**server.settings()),
            override_settings(TASKS=tasks),
        ):
            run(args.messages, server)
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


def run(count: int, server: SMTPServer) -> None:
    started = time.perf_counter()
    for n in range(count):
        email_queue(
            kind=EmailMessage.Kind.INVITATION,
            to=f"persona{n}@example.org",
            subject=f"Invito: webinar sulla privacy ({n})",
            body_text=TEXT,
            body_html=HTML,
            ics=ICS,
            ics_method="REQUEST",
        )
    queued = time.perf_counter() - started

    if server.received:
        raise SystemExit("Queueing sent mail: the e-mail task backend is not the database one.")

    # One real worker, draining the task table and exiting when it is empty.
    started = time.perf_counter()
    call_command("db_worker", "--backend=email", "--batch", "--no-startup-delay", "--no-reload")
    elapsed = time.perf_counter() - started

    at_server = Counter(message["Message-ID"] for _rcpt, message in server.received)
    sent_ids = set(
        EmailMessage.objects.filter(status=EmailMessage.Status.SENT).values_list(
            "esp_message_id", flat=True
        )
    )
    lost = len(sent_ids - set(at_server)) + (count - len(sent_ids))
    duplicates = sum(n - 1 for n in at_server.values() if n > 1)
    print(f"database: {connection.vendor}")
    print(f"queued {count} messages in {queued:.1f} s")
    print(
        f"sent {len(at_server)} in {elapsed:.1f} s: {count / elapsed:.0f} messages/s, "
        f"{count / elapsed * 60:.0f} a minute, one db_worker"
    )
    print(f"lost: {lost}, duplicates: {duplicates}")


if __name__ == "__main__":
    main()
