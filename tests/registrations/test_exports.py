"""The registration list's downloads name the webinar of every row, and export what the
list shows: one webinar when it is filtered to one."""

# The admin tests' fixtures, imported below, are parameters here: pytest, not a redefinition.
# ruff: noqa: F811

import csv
import io
from datetime import datetime
from zoneinfo import ZoneInfo

from django.urls import reverse

import pytest
from openpyxl import load_workbook

from registrations.models import Registration
from tests.registrations.test_admin_registrations import (  # noqa: F401 (fixtures)
    INDEX_URL,
    WEBINAR_PARAM,
    other_webinar,
    people,
    proodos,
    registration,
    staff_client,
    webinar,
)

ROME = ZoneInfo("Europe/Rome")
Status = Registration.Status


def csv_table(response) -> list[dict]:
    raw = b"".join(response.streaming_content)
    assert raw.startswith("\ufeff".encode())
    text = raw.decode("utf-8")[1:]
    assert text.splitlines()[0].count(";") == 14
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


def xlsx_table(response) -> list[dict]:
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


@pytest.fixture
def winter_webinar(make_webinar, member_org):
    """A webinar on Tuesday 1 December 2026 at 10:30 in Rome (09:30 UTC)."""
    start = datetime(2026, 12, 1, 10, 30, tzinfo=ROME)
    return make_webinar(title="Welfare aziendale", start=start, end=start.replace(hour=12))


def test_an_unfiltered_csv_names_the_webinar_of_every_row(staff_client, people, winter_webinar):
    registration(winter_webinar, "sara.conti@cgm.coop")

    rows = csv_table(staff_client.get(reverse(INDEX_URL), {"export": "csv"}))

    webinars = {row["email"]: row["webinar"] for row in rows}
    assert webinars == {
        "maria.bianchi@cgm.coop": "Privacy e protezione dei dati",
        "luca.verdi@cgm.coop": "Privacy e protezione dei dati",
        "anna.neri@proodos.it": "Privacy e protezione dei dati",
        "giulia.russo@gmail.com": "Privacy e protezione dei dati",
        "paolo.gallo@cgm.coop": "Bilancio sociale",
        "sara.conti@cgm.coop": "Welfare aziendale",
    }
    sara = next(row for row in rows if row["email"] == "sara.conti@cgm.coop")
    # In Italian time (UTC+1 in December), not UTC.
    assert sara["data del webinar"] == "01/12/2026 10:30"


def test_a_filtered_xlsx_exports_that_webinar_only(staff_client, people, winter_webinar):
    registration(winter_webinar, "sara.conti@cgm.coop")
    registration(winter_webinar, "piero.sala@libero.it", status=Status.PENDING_CONFIRMATION)

    response = staff_client.get(
        reverse(INDEX_URL), {WEBINAR_PARAM: winter_webinar.pk, "export": "xlsx"}
    )

    assert "welfare-aziendale" in response["Content-Disposition"]
    assert {"private", "no-store"} <= set(response["Cache-Control"].replace(" ", "").split(","))
    rows = xlsx_table(response)
    assert {row["email"] for row in rows} == {"sara.conti@cgm.coop", "piero.sala@libero.it"}
    assert {row["webinar"] for row in rows} == {"Welfare aziendale"}
    assert {row["data del webinar"] for row in rows} == {datetime(2026, 12, 1, 10, 30)}
    states = {row["email"]: row["stato"] for row in rows}
    assert states == {
        "sara.conti@cgm.coop": "confermata",
        "piero.sala@libero.it": "risposta solo soci inviata",
    }


def test_a_filtered_csv_exports_that_webinar_only(staff_client, people, webinar):
    rows = csv_table(
        staff_client.get(reverse(INDEX_URL), {WEBINAR_PARAM: webinar.pk, "export": "csv"})
    )

    assert {row["webinar"] for row in rows} == {"Privacy e protezione dei dati"}
    assert len(rows) == 4
    states = {row["email"]: row["stato"] for row in rows}
    assert states["giulia.russo@gmail.com"] == "in attesa di approvazione"
    assert states["anna.neri@proodos.it"] == "lista d'attesa"


def test_the_state_filter_narrows_the_export(staff_client, people):
    rows = csv_table(
        staff_client.get(reverse(INDEX_URL), {"state": "awaiting_approval", "export": "csv"})
    )

    assert [row["email"] for row in rows] == ["giulia.russo@gmail.com"]


def test_a_formula_in_the_webinar_title_is_neutralised_too(staff_client, make_webinar, member_org):
    hostile = make_webinar(title="=1+1 webinar", capacity=None)
    registration(hostile, "maria.bianchi@cgm.coop")

    csv_rows = csv_table(staff_client.get(reverse(INDEX_URL), {"export": "csv"}))
    xlsx_rows = xlsx_table(staff_client.get(reverse(INDEX_URL), {"export": "xlsx"}))

    assert csv_rows[0]["webinar"] == "'=1+1 webinar"
    assert xlsx_rows[0]["webinar"] == "'=1+1 webinar"
