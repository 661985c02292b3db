"""``python manage.py erase_person EMAIL [--dry-run]``: remove one person's data everywhere.

Deletes the person's registrations for every webinar, every e-mail to them or about
their registrations (queued ones included, so they are never sent) and their allow-list
entry; a seat they free goes to the waiting list (see ``registrations.retention``).
Exits with status 1 when EMAIL is not an address.
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from registrations.membership import normalise_email
from registrations.retention import person_erase


class Command(BaseCommand):
    help = (
        "Erase one person's registrations, e-mails (queued ones included) and allow-list "
        "entry, whatever the case of the address."
    )

    def add_arguments(self, parser):
        parser.add_argument("email", help="The person's e-mail address.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Print what would be erased without changing anything.",
        )

    def handle(self, *args, email, dry_run, **options):
        try:
            normalise_email(email)
        except ValueError as error:
            raise CommandError(
                _("“%(email)s” is not an e-mail address: nothing was erased.") % {"email": email}
            ) from error
        report = person_erase(email=email, dry_run=dry_run)
        for line in report.lines():
            self.stdout.write(line)
