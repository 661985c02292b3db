"""``python manage.py import_members FILE.csv [--dry-run]``: load member organisations.

The file format and the rules (idempotent, all or nothing) are described in
``registrations.imports``. Exits with status 1 when the file cannot be read or any row
is rejected, in which case nothing is saved.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registrations.imports import ImportFileError, member_organisations_import


class Command(BaseCommand):
    help = (
        "Import member organisations from a CSV file with the columns "
        "name,city,active,domains,allowed_addresses. Nothing is saved if any row is rejected."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The CSV file (UTF-8, ';' or ',' as delimiter).")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check the file and print the report without saving anything.",
        )

    def handle(self, *args, file, dry_run, **options):
        try:
            data = Path(file).read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(file)s: %(error)s") % {"file": file, "error": error.strerror}
            ) from error
        try:
            report = member_organisations_import(data=data, dry_run=dry_run)
        except ImportFileError as error:
            raise CommandError(f"{file}: {error}") from error

        for line in report.lines():
            self.stdout.write(line)
        if report.rejected:
            raise CommandError(
                _("%(count)d rows rejected: nothing was saved.") % {"count": len(report.rejected)}
            )
