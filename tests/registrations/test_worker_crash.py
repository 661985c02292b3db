"""A real e-mail worker process killed in the middle of a batch, then restarted.

The messages are queued in the test database with the database task backend, as in
production; ``manage.py db_worker --backend email`` runs as a separate process and sends
them to a real SMTP server (aiosmtpd, in this process) that takes a moment to accept each
one. The worker is killed with SIGKILL (no clean-up at all) while it is sending; then the
sweep runs, as cron does, and a new worker drains the queue.

On PostgreSQL the processes share the test database; SQLite's test database lives in
memory, so it is copied to a file for the workers and copied back for the checks.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import quote

from django.db import connection

import pytest

from registrations.models import EmailMessage
from registrations.outbox import email_queue, stable_message_id
from tests.registrations.smtpd import SMTPServer

ROOT = Path(__file__).resolve().parents[2]
MESSAGES = 120
KILL_AFTER = 30

pytestmark = pytest.mark.django_db(transaction=True)


class SharedDatabase:
    """The test database as the worker processes reach it (``DATABASE_URL``)."""

    def __init__(self, folder: Path):
        self.file = folder / "workers.sqlite3"

    @property
    def is_sqlite(self) -> bool:
        return connection.vendor == "sqlite"

    def url(self) -> str:
        if self.is_sqlite:
            return f"sqlite:///{self.file}"
        db = connection.settings_dict
        user = quote(db["USER"] or "")
        password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
        host = f"{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}"
        return f"postgres://{user}{password}@{host}/{db['NAME']}"

    def hand_over(self) -> None:
        """Make what the test wrote visible to the workers."""
        if self.is_sqlite:
            connection.ensure_connection()
            with sqlite3.connect(self.file) as target:
                connection.connection.backup(target)

    def take_back(self) -> None:
        """Make what the workers wrote visible to the test."""
        if self.is_sqlite:
            source = sqlite3.connect(self.file)
            try:
                source.backup(connection.connection)
            finally:
                source.close()


def manage(*args: str, env: dict, log: Path) -> subprocess.Popen:
    """Start ``manage.py`` with ``args`` (a fixed command of this test's), output to ``log``."""
    with log.open("a") as output:
        return subprocess.Popen(  # noqa: S603
            [sys.executable, "manage.py", *args], cwd=ROOT, env=env, stdout=output, stderr=output
        )


def finish(process: subprocess.Popen, log: Path) -> None:
    assert process.wait(timeout=180) == 0, log.read_text()


def wait_for(condition, *, timeout: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}\n{log.read_text()}")
        time.sleep(0.05)


def test_a_worker_killed_mid_batch_then_restarted_loses_nothing(tmp_path, db_tasks):
    messages = [
        email_queue(
            kind=EmailMessage.Kind.INVITATION,
            to=f"persona{n}@example.org",
            subject=f"Invito al webinar ({n})",
            body_text=f"Il suo invito, numero {n}.",
        )
        for n in range(MESSAGES)
    ]
    database = SharedDatabase(tmp_path)
    database.hand_over()
    log = tmp_path / "workers.log"

    with SMTPServer(delay=0.05) as server:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "tests.registrations.worker_settings",
            "DATABASE_URL": database.url(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(server.port),
        }
        worker_args = ("db_worker", "--backend=email", "--no-startup-delay", "--no-reload")
        worker = manage(*worker_args, env=env, log=log)
        try:
            wait_for(
                lambda: len(server.received) >= KILL_AFTER or worker.poll() is not None,
                timeout=120,
                what=f"{KILL_AFTER} messages",
                log=log,
            )
            assert worker.poll() is None, f"the worker stopped by itself\n{log.read_text()}"
            worker.send_signal(signal.SIGKILL)
        finally:
            worker.kill()
            worker.wait()
        delivered_before_restart = len(server.received)
        assert delivered_before_restart < MESSAGES, "the worker finished before it was killed"

        database.take_back()
        statuses = Counter(EmailMessage.objects.values_list("status", flat=True))
        assert statuses[EmailMessage.Status.QUEUED] > 0
        # At most the one message the worker held when it died.
        assert statuses[EmailMessage.Status.SENDING] <= 1

        # The sweep, once the sending timeout has passed, then a new worker that drains the
        # queue and exits.
        timed_out = {**env, "EMAIL_SENDING_TIMEOUT_MINUTES": "0"}
        finish(manage("sweep_outbox", env=timed_out, log=log), log)
        finish(manage(*worker_args, "--batch", env=env, log=log), log)

    database.take_back()
    rows = EmailMessage.objects.order_by("pk")
    assert Counter(rows.values_list("status", flat=True)) == {EmailMessage.Status.SENT: MESSAGES}

    arrived = Counter(server.message_ids())
    expected = {stable_message_id(row) for row in rows}
    assert set(arrived) == expected, "a message was lost"
    assert set(rows.values_list("esp_message_id", flat=True)) == expected
    # Only the message the server accepted as the worker died may arrive twice, and then
    # with the same Message-ID, by which the receiving mail system can tell it is one message.
    assert sum(count - 1 for count in arrived.values()) <= 1
    recipients = Counter(rcpt for rcpts, _message in server.received for rcpt in rcpts)
    assert set(recipients) == {message.to for message in messages}
