"""The registration list as a spreadsheet (CSV or XLSX), for staff who download it.

The admin's own export (Wagtail's ``SpreadsheetExportMixin``, behind modeladmin's
``list_export`` and its "Download XLSX / CSV" buttons) writes the files, from the one
list of columns below; ``RegistrationExportMixin`` adds what staff in Italy need:

- every file names the webinar (title and date) on each row, so that an unfiltered
  download, which mixes webinars, still says who registered for what;
- a fixed Italian format, whatever language the admin is shown in, so that a file
  downloaded today reads like one downloaded last month; the states are written in the
  site's language (``LANGUAGE_CODE``) for the same reason;
- CSV separated by semicolons (Italian Excel splits columns on ";", the comma being
  the decimal separator there), in UTF-8 with a byte order mark so that Excel reads
  accented letters right;
- times in Italian time (Europe/Rome), as the people registered read them;
- no spreadsheet formula injection: a registrant can type ``=HYPERLINK(...)`` as their
  organisation, and a cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a
  carriage return gets a leading apostrophe, so Excel and LibreOffice show it as text
  instead of evaluating it (OWASP "CSV injection").

The files are personal data: only the admin's registration list serves them, after its
permission check (``registrations.admin.lists``).
"""

from __future__ import annotations

import csv
import datetime
from collections import OrderedDict

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from registrations.admin.display import state_of

# (field, heading): the columns of both files, in order. A field is a name of
# ``COLUMN_VALUES`` or of a ``Registration`` attribute.
COLUMNS = (
    ("webinar", "webinar"),
    ("webinar_start", "data del webinar"),
    ("first_name", "nome"),
    ("last_name", "cognome"),
    ("email", "email"),
    ("organisation_name", "organizzazione"),
    ("member_organisation", "organizzazione socia"),
    ("role", "ruolo"),
    ("state", "stato"),
    ("waitlist_position", "posizione in lista d'attesa"),
    ("created_at", "registrato il"),
    ("confirmed_at", "confermato il"),
    ("attendance", "presenza"),
    ("attended_minutes", "minuti di presenza"),
    ("answers", "risposte alle domande"),
)
HEADINGS = tuple(heading for _, heading in COLUMNS)
# Widths (in characters) of the XLSX columns, in the order of COLUMNS.
XLSX_WIDTHS = (34, 17, 18, 22, 34, 34, 30, 24, 26, 14, 17, 17, 20, 12, 60)
CSV_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
XLSX_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
CSV_DELIMITER = ";"
BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Columns that are not a plain attribute: how to read each from a registration.
COLUMN_VALUES = {
    "webinar": lambda registration: registration.webinar.title,
    "webinar_start": lambda registration: registration.webinar.start,
    "member_organisation": lambda registration: (
        registration.member_organisation.name if registration.member_organisation else None
    ),
    "state": lambda registration: str(state_of(registration).label),
    "attendance": lambda registration: (
        str(registration.get_attendance_display()) if registration.attendance else None
    ),
    "answers": lambda registration: "; ".join(
        f"{question}: {answer}" for question, answer in registration.answer_lines()
    ),
    "waitlist_position": lambda registration: registration.waitlist_place,
    "attended_minutes": lambda registration: (
        None if registration.attended_seconds is None else round(registration.attended_seconds / 60)
    ),
}


def neutralise_formula(value: str) -> str:
    """A text cell that a spreadsheet would run as a formula, made plain text."""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def local_naive(value: datetime.datetime) -> datetime.datetime:
    """A datetime in Italian time without its zone: spreadsheets have no time zones."""
    if timezone.is_naive(value):
        return value
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None)


def csv_text(value: str) -> str:
    return neutralise_formula(value)


def xlsx_text(value: str) -> str:
    # openpyxl refuses control characters that XML cannot hold.
    return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))


class _Echo:
    """A file-like object whose ``write`` returns what it is given, for streaming."""

    def write(self, value):
        return value


class RegistrationExportMixin:
    """Wagtail's spreadsheet export of the list, in the format described above.

    Mixed into the registration list's ``IndexView`` (before it), which serves
    ``?export=csv`` and ``?export=xlsx`` for what the list shows (filters and search).
    """

    FORMAT_CSV = "csv"
    FORMAT_XLSX = "xlsx"
    list_export = tuple(field for field, _ in COLUMNS)
    export_headings = dict(COLUMNS)
    custom_value_preprocess = {
        datetime.datetime: {
            FORMAT_CSV: lambda value: local_naive(value).strftime(CSV_DATETIME_FORMAT),
            FORMAT_XLSX: local_naive,
        },
        str: {FORMAT_CSV: csv_text, FORMAT_XLSX: xlsx_text},
        type(None): {FORMAT_CSV: lambda value: "", FORMAT_XLSX: None},
    }
    custom_field_preprocess = {}

    def get_heading(self, queryset, field):
        return self.export_headings[field]

    def to_row_dict(self, item):
        return OrderedDict(
            (
                field,
                COLUMN_VALUES[field](item) if field in COLUMN_VALUES else getattr(item, field),
            )
            for field in self.list_export
        )

    def stream_csv(self, queryset):
        """The CSV file, line by line: a byte order mark, the headings, one line a person."""
        writer = csv.DictWriter(_Echo(), fieldnames=self.list_export, delimiter=CSV_DELIMITER)
        yield BOM + writer.writerow(
            {field: self.get_heading(queryset, field) for field in self.list_export}
        )
        # The response streams after the view has returned: the language is set here.
        with translation.override(settings.LANGUAGE_CODE):
            for item in queryset:
                yield self.write_csv_row(writer, self.to_row_dict(item))

    def write_xlsx(self, queryset, output):
        """The XLSX file: one sheet, bold headings, dates as real spreadsheet dates."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title="Iscrizioni")
        for index, width in enumerate(XLSX_WIDTHS, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        bold = Font(bold=True)
        headings = []
        for field in self.list_export:
            cell = WriteOnlyCell(sheet, value=self.get_heading(queryset, field))
            cell.font = bold
            headings.append(cell)
        sheet.append(headings)
        with translation.override(settings.LANGUAGE_CODE):
            for item in queryset:
                sheet.append(
                    self.generate_xlsx_row(
                        sheet, self.to_row_dict(item), date_format=XLSX_DATETIME_FORMAT
                    )
                )
        workbook.save(output)

    def write_csv_response(self, queryset):
        response = StreamingHttpResponse(self.stream_csv(queryset), content_type=CSV_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition_header(
            True, f"{self.get_filename()}.csv"
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def write_xlsx_response(self, queryset):
        response = super().write_xlsx_response(queryset)
        response["Cache-Control"] = "private, no-store"
        return response
