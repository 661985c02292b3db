"""Registrations as a spreadsheet (CSV or XLSX), for staff who download the list.

The files are personal data: only the admin's registration list calls these, after
its permission check (``registrations.admin_registrations``). Their columns are a
fixed Italian format, whatever language the admin is shown in, so that a file
downloaded today reads like one downloaded last month; the status labels are
written in the site's language (``LANGUAGE_CODE``) for the same reason.

Both formats defuse spreadsheet formula injection: a registrant can type
``=HYPERLINK(...)`` as their organisation, and a cell that starts with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so Excel and
LibreOffice show it as text instead of evaluating it (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from datetime import datetime
from io import BytesIO

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.http import content_disposition_header

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from registrations.models import Registration

HEADINGS = (
    "nome",
    "cognome",
    "email",
    "organizzazione",
    "organizzazione socia",
    "ruolo",
    "stato",
    "posizione in lista d'attesa",
    "registrato il",
    "confermato il",
    "presenza",
    "minuti di presenza",
)
# Widths (in characters) of the XLSX columns, in the order of HEADINGS.
XLSX_WIDTHS = (18, 22, 34, 34, 30, 24, 26, 14, 17, 17, 20, 12)
CSV_DATETIME_FORMAT = "%d/%m/%Y %H:%M"
XLSX_DATETIME_FORMAT = "DD/MM/YYYY HH:MM"
# Italian Excel splits CSV columns on ";" (the comma is the decimal separator there).
CSV_DELIMITER = ";"
BOM = "\ufeff"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")

CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def neutralise_formula(value):
    """A text cell that a spreadsheet would run as a formula, made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def local_naive(value: datetime | None) -> datetime | None:
    """A datetime in Italian time without its zone: spreadsheets have no time zones."""
    if value is None:
        return None
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None)


def registration_rows(registrations: Iterable[Registration]) -> Iterator[list]:
    """One list of values per registration, in the order of ``HEADINGS``.

    Datetimes are naive, in Italian time; missing values are ``None``.
    """
    with translation.override(settings.LANGUAGE_CODE):
        for registration in registrations:
            organisation = registration.member_organisation
            yield [
                registration.first_name,
                registration.last_name,
                registration.email,
                registration.organisation_name,
                organisation.name if organisation else None,
                registration.role,
                str(registration.get_status_display()),
                registration.waitlist_position,
                local_naive(registration.created_at),
                local_naive(registration.confirmed_at),
                str(registration.get_attendance_display()) if registration.attendance else None,
                None
                if registration.attended_seconds is None
                else round(registration.attended_seconds / 60),
            ]


def export_queryset(registrations):
    """The rows to export, with what each one shows loaded in the same query."""
    if hasattr(registrations, "select_related"):
        return registrations.select_related("member_organisation")
    return registrations


# CSV -----------------------------------------------------------------------------------


class _Echo:
    """A file-like object whose ``write`` returns what it is given, for streaming."""

    def write(self, value):
        return value


def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime(CSV_DATETIME_FORMAT)
    return neutralise_formula(str(value))


def csv_lines(registrations) -> Iterator[str]:
    """The CSV file, line by line: a byte order mark, the headings, one line a person."""
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER)
    yield BOM + writer.writerow(HEADINGS)
    for row in registration_rows(export_queryset(registrations)):
        yield writer.writerow([csv_cell(value) for value in row])


def csv_response(registrations, filename: str) -> StreamingHttpResponse:
    """A CSV download (UTF-8 with BOM, so that Excel reads accented letters right)."""
    response = StreamingHttpResponse(csv_lines(registrations), content_type=CSV_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.csv")
    response["Cache-Control"] = "private, no-store"
    return response


# XLSX ----------------------------------------------------------------------------------


def xlsx_value(value):
    if isinstance(value, str):
        # openpyxl refuses control characters that XML cannot hold.
        return neutralise_formula(ILLEGAL_CHARACTERS_RE.sub("", value))
    return value


def xlsx_workbook(registrations) -> bytes:
    """The XLSX file: one sheet, bold headings, dates as real spreadsheet dates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Iscrizioni")
    for index, width in enumerate(XLSX_WIDTHS):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    sheet.freeze_panes = "A2"
    bold = Font(bold=True)
    headings = []
    for heading in HEADINGS:
        cell = WriteOnlyCell(sheet, value=heading)
        cell.font = bold
        headings.append(cell)
    sheet.append(headings)
    for row in registration_rows(export_queryset(registrations)):
        cells = []
        for value in row:
            cell = WriteOnlyCell(sheet, value=xlsx_value(value))
            if cell.data_type == "f":  # never a formula, whatever openpyxl guessed
                cell.data_type = "s"
            if isinstance(value, datetime):
                cell.number_format = XLSX_DATETIME_FORMAT
            cells.append(cell)
        sheet.append(cells)
    output = BytesIO()
    workbook.save(output)
    return output.getvalue()


def xlsx_response(registrations, filename: str) -> HttpResponse:
    response = HttpResponse(xlsx_workbook(registrations), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, f"{filename}.xlsx")
    response["Cache-Control"] = "private, no-store"
    return response
