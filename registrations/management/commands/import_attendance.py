"""``python manage.py import_attendance WEBINAR_ID FILE``: a Teams attendance file, imported.

The file Teams lets a meeting's organiser download (``registrations.attendance_file``
reads its layouts). Registrants found by e-mail count at once; those found by name only
are proposed to staff, on the webinar's attendance screen in the admin. Importing the
same file again changes nothing.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from events.models import WebinarPage
from registrations.attendance import import_file
from registrations.attendance_file import MAX_BYTES, AttendanceFileError


class Command(BaseCommand):
    help = "Import the attendance file Teams gives a meeting's organiser, for one webinar."

    def add_arguments(self, parser):
        parser.add_argument("webinar_id", type=int, help="The webinar's page id.")
        parser.add_argument("file", type=Path, help="The attendance file (.csv) from Teams.")

    def handle(self, *args, webinar_id, file, **options):
        webinar = WebinarPage.objects.filter(pk=webinar_id).first()
        if webinar is None:
            raise CommandError(_("No webinar has id %(id)s.") % {"id": webinar_id})
        try:
            with file.open("rb") as handle:
                data = handle.read(MAX_BYTES + 1)
        except OSError as error:
            raise CommandError(
                _("The file cannot be read: %(error)s") % {"error": error.strerror}
            ) from None
        try:
            result = import_file(webinar=webinar, data=data)
        except AttendanceFileError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _(
                "%(records)d people in the report: %(matched)d registrants counted, "
                "%(proposed)d to confirm by staff, %(unmatched)d without a registration."
            )
            % vars(result)
        )
