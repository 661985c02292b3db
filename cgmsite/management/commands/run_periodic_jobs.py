"""``python manage.py run_periodic_jobs``: every job the site needs each minute, once.

Run it every minute (``make run`` and ``make periodic`` do; in production a cron line or
a systemd timer): Wagtail's ``publish_scheduled`` (pages scheduled to go live, or to
expire, do so), ``sweep_outbox`` (e-mails left by a dead worker, or never enqueued, are
sent), ``send_reminders`` and ``teams_sync`` (Teams meetings whose creation or update is
due; nothing without Microsoft Graph) and ``replay_front_purges`` (purges the HTTP cache
in front missed while it was down or hung). Each job is idempotent, so a run that overlaps the next,
or comes late, changes nothing twice; one job failing does not stop the others, and the
command then exits with an error so that cron reports it.
"""

import logging

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

logger = logging.getLogger(__name__)

JOBS = ["publish_scheduled", "sweep_outbox", "send_reminders", "teams_sync", "replay_front_purges"]


class Command(BaseCommand):
    help = (
        "Publish scheduled pages, keep the e-mail outbox moving, queue due reminders, "
        "sync due Teams meetings, purge the HTTP cache in front where it was missed."
    )

    def handle(self, *args, **options):
        failed = []
        for job in JOBS:
            try:
                call_command(job, stdout=self.stdout, stderr=self.stderr)
            except Exception:
                logger.exception("Periodic job %s failed", job)
                failed.append(job)
        if failed:
            raise CommandError(f"Failed: {', '.join(failed)}")
