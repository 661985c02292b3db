"""``manage.py send_reminders``: queue the reminders due now (safe to run repeatedly)."""

from django.core.management.base import BaseCommand

from registrations.reminders import send_reminders


class Command(BaseCommand):
    help = "Queue the webinar reminders that are due (REGISTRATION_REMINDERS); idempotent."

    def handle(self, *args, **options):
        queued = send_reminders()
        self.stdout.write(f"{queued} reminder(s) queued.")
