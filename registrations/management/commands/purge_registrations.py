"""``python manage.py purge_registrations [--dry-run]``: keep personal data no longer than needed.

Deletes requests never confirmed after ``REGISTRATION_UNCONFIRMED_HOURS`` and anonymises
each webinar's registrations ``REGISTRATION_RETENTION_DAYS`` after it ends (see
``registrations.retention``). Meant to run daily; running it twice changes nothing the
second time. The report holds counts only, never a name or an address.
"""

from django.core.management.base import BaseCommand

from registrations.retention import registrations_purge


class Command(BaseCommand):
    help = (
        "Delete registration requests never confirmed and anonymise the registrations of "
        "webinars past their retention period, keeping only the counts."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be deleted and anonymised without changing anything.",
        )

    def handle(self, *args, dry_run, **options):
        report = registrations_purge(dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)
