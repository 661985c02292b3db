"""The admin's lists as staff read them: few columns, words that do not break, each
state in its own words and colours, Italian dates, the filters in the header's drawer."""

# The admin tests' fixtures, imported below, are parameters here: pytest, not a redefinition.
# ruff: noqa: F811

import re
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from wagtail.models import Task, Workflow

import pytest

from registrations.admin.display import State
from registrations.models import EmailMessage, MemberDomain, MemberOrganisation, Registration
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
from tests.utils import soup, text_of

Status = Registration.Status
ROME = ZoneInfo("Europe/Rome")
EMAIL_INDEX_URL = "registrations_emailmessage_modeladmin_index"
MEMBERS_INDEX_URL = "registrations_memberorganisation_modeladmin_index"
CSS = Path(__file__).resolve().parents[2] / "registrations/static/registrations/css/admin.css"


def header_texts(response) -> list[str]:
    return [text_of(th) for th in soup(response).select("table.listing thead th")]


def rows_by_email(response) -> dict:
    """Each row of the registration list, keyed by the e-mail under the name."""
    rows = {}
    for row in soup(response).select("table.listing tbody tr"):
        rows[text_of(row.select_one(".cgm-person__email"))] = row
    return rows


def badge(row) -> tuple[str, list[str]]:
    element = row.select_one(".cgm-state")
    return text_of(element), element["class"]


@pytest.fixture
def every_state(webinar, proodos):
    """One registration in each state staff tell apart."""
    attended = registration(webinar, "sara.conti@cgm.coop", attendance="attended")
    attended.attended_seconds = 3600
    attended.save()
    return {
        "member waiting": registration(
            webinar, "luca.bianchi@cgm.coop", status=Status.PENDING_CONFIRMATION
        ),
        "approved waiting": registration(
            webinar,
            "rita.ferri@gmail.com",
            status=Status.PENDING_CONFIRMATION,
            approved_at=datetime(2026, 7, 1, 9, 0, tzinfo=ROME),
        ),
        "members-only reply": registration(
            webinar, "piero.sala@libero.it", status=Status.PENDING_CONFIRMATION
        ),
        "to review": registration(webinar, "giulia.russo@gmail.com", status=Status.PENDING_REVIEW),
        "confirmed": registration(webinar, "maria.bianchi@cgm.coop"),
        "third in line": registration(
            webinar, "anna.neri@proodos.it", status=Status.WAITLISTED, waitlist_position=3
        ),
        "cancelled": registration(webinar, "ugo.riva@cgm.coop", status=Status.CANCELLED),
        "rejected": registration(webinar, "leo.gatti@yahoo.it", status=Status.REJECTED),
        "attended": attended,
    }


# Columns and wrapping -------------------------------------------------------------------


def test_the_registration_list_shows_the_columns_that_matter(staff_client, people):
    response = staff_client.get(reverse(INDEX_URL))

    assert response.status_code == 200
    assert header_texts(response) == [
        "Nome",
        "Organizzazione",
        "Webinar",
        "Stato",
        "Data di iscrizione",
        "Azioni",
    ]
    anna = rows_by_email(response)["anna.neri@proodos.it"]
    cells = anna.select("td")
    assert text_of(cells[0].select_one(".cgm-person__name")) == "Anna Neri"
    assert text_of(cells[1]) == "Consorzio Proodos"
    assert text_of(cells[2]).startswith("Privacy e protezione dei dati")
    # The inspect button reads as Italian (wagtail-modeladmin says «questo iscrizione»).
    button = cells[0].select_one("ul.actions a.button")
    assert text_of(button) == "Controlla"
    assert button["title"] == "Vedi i dettagli (iscrizione)"
    # Seat details are on the inspect view, not in the list.
    assert "Posizione in lista d'attesa" not in header_texts(response)


def test_long_addresses_wrap_only_after_the_at_and_the_dots(staff_client, people):
    response = staff_client.get(reverse(INDEX_URL))

    html = response.content.decode()
    assert "giulia.<wbr>russo@<wbr>gmail.<wbr>com" in html
    # The only break points are <wbr>: no "break anywhere" class on the cells.
    assert "wrap-anywhere" not in html
    css = CSS.read_text()
    assert "overflow-wrap: anywhere" not in css
    assert "word-break: break-all" not in css


def test_a_non_member_says_so_under_the_organisation(staff_client, people):
    response = staff_client.get(reverse(INDEX_URL))

    giulia = rows_by_email(response)["giulia.russo@gmail.com"]
    assert text_of(giulia.select("td")[1]) == "Cooperativa Esterna non socia"


# States --------------------------------------------------------------------------------------


def test_each_state_has_its_own_words_and_colour(staff_client, every_state):
    response = staff_client.get(reverse(INDEX_URL))

    rows = rows_by_email(response)
    seen = {email: badge(row) for email, row in rows.items()}
    assert seen["luca.bianchi@cgm.coop"] == (
        "in attesa di conferma",
        ["cgm-state", "cgm-state--awaiting-confirmation"],
    )
    assert seen["rita.ferri@gmail.com"][0] == "in attesa di conferma"
    assert seen["piero.sala@libero.it"] == (
        "risposta solo soci inviata",
        ["cgm-state", "cgm-state--members-only-sent"],
    )
    assert seen["giulia.russo@gmail.com"] == (
        "in attesa di approvazione",
        ["cgm-state", "cgm-state--awaiting-approval"],
    )
    assert seen["maria.bianchi@cgm.coop"][0] == "confermata"
    # Stored position 3, but the only one waiting: first in line (``waitlist_place``).
    assert seen["anna.neri@proodos.it"] == (
        "lista d'attesa (1°)",
        ["cgm-state", "cgm-state--waitlisted"],
    )
    assert seen["ugo.riva@cgm.coop"][0] == "annullata"
    assert seen["leo.gatti@yahoo.it"][0] == "respinta"
    assert seen["sara.conti@cgm.coop"] == (
        "ha partecipato (60 min)",
        ["cgm-state", "cgm-state--attended"],
    )
    # Every state reads differently.
    words = {seen[email][0] for email in seen if email != "rita.ferri@gmail.com"}
    assert len(words) == len(seen) - 1


def test_places_in_line_cost_no_query_per_person(staff_client, webinar):
    """Positions 2, 5, 9 stored; the first has left: the others are 1st and 2nd in line."""

    def waiting(email, position, status=Status.WAITLISTED):
        return registration(webinar, email, status=status, waitlist_position=position)

    waiting("primo@cgm.coop", 2, status=Status.CANCELLED)
    waiting("secondo@cgm.coop", 5)
    waiting("terzo@cgm.coop", 9)
    with CaptureQueriesContext(connection) as few:
        response = staff_client.get(reverse(INDEX_URL))
    rows = rows_by_email(response)
    assert badge(rows["secondo@cgm.coop"])[0] == "lista d'attesa (1°)"
    assert badge(rows["terzo@cgm.coop"])[0] == "lista d'attesa (2°)"
    for n in range(10):
        waiting(f"altro{n}@cgm.coop", 20 + n)
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(reverse(INDEX_URL))
    assert badge(rows_by_email(response)["altro9@cgm.coop"])[0] == "lista d'attesa (12°)"
    assert len(many) == len(few)


@pytest.mark.parametrize(
    ("state", "found"),
    [
        ("members_only_sent", {"piero.sala@libero.it"}),
        ("awaiting_confirmation", {"luca.bianchi@cgm.coop", "rita.ferri@gmail.com"}),
        ("awaiting_approval", {"giulia.russo@gmail.com"}),
        ("confirmed", {"maria.bianchi@cgm.coop"}),
        ("attended", {"sara.conti@cgm.coop"}),
        ("waitlisted", {"anna.neri@proodos.it"}),
    ],
)
def test_the_state_filter(staff_client, every_state, state, found):
    response = staff_client.get(reverse(INDEX_URL), {"state": state})

    assert set(rows_by_email(response)) == found


def test_the_inspect_view_names_the_state(staff_client, every_state):
    piero = every_state["members-only reply"]

    response = staff_client.get(
        reverse("registrations_registration_modeladmin_inspect", args=[piero.pk])
    )

    assert text_of(soup(response).select_one(".cgm-state")) == "risposta solo soci inviata"


def contrast(foreground: str, background: str) -> float:
    """WCAG 2 contrast ratio of two "#rrggbb" colours."""

    def luminance(colour: str) -> float:
        channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_every_badge_colour_passes_wcag_aa():
    rules = dict(
        re.findall(
            r"\.(cgm-state--[a-z-]+)\s*\{\s*(color: #[0-9a-f]{6}; background-color: #[0-9a-f]{6};)",
            CSS.read_text(),
        )
    )
    for state in State:
        assert f"cgm-state--{state.value.replace('_', '-')}" in rules, state
    for name, declaration in rules.items():
        foreground, background = re.findall(r"#[0-9a-f]{6}", declaration)
        assert contrast(foreground, background) >= 4.5, name
    # Each state its own colour.
    assert len(set(rules.values())) == len(rules)


def test_the_admin_loads_the_stylesheet(staff_client, people):
    response = staff_client.get(reverse(INDEX_URL))

    links = [link["href"] for link in soup(response).select("link[rel=stylesheet]")]
    assert "/static/registrations/css/admin.css" in links
    assert CSS.exists()


# Dates -----------------------------------------------------------------------------------------


def test_dates_read_in_italian_without_leading_zeros(staff_client, webinar):
    registration(
        webinar, "maria.bianchi@cgm.coop", created=datetime(2026, 12, 1, 10, 30, tzinfo=ROME)
    )

    response = staff_client.get(reverse(INDEX_URL))

    row = rows_by_email(response)["maria.bianchi@cgm.coop"]
    assert text_of(row.select("td")[4]) == "martedì 1 dicembre 2026, 10:30"
    assert "Martedì" not in response.content.decode()
    # The webinar filter names its webinars with their date too.
    drawer = text_of(soup(response).select_one("[data-filter-drawer]"))
    assert re.search(r"Privacy e protezione dei dati \([a-zì]+ \d{1,2} [a-z]+ \d{4}\)", drawer)


# Filters ----------------------------------------------------------------------------------------


def test_the_filters_are_in_the_drawer_not_beside_the_table(staff_client, people, webinar):
    response = staff_client.get(reverse(INDEX_URL), {WEBINAR_PARAM: webinar.pk})

    page = soup(response)
    assert page.select_one(".changelist-filter") is None
    assert page.select_one(".result-list.col9") is None
    assert page.select_one(".result-list.col12") is not None
    drawer = page.select_one("header [data-filter-drawer]")
    assert drawer is not None
    assert drawer.select_one("[data-controller=w-dropdown] button")
    toggles = [text_of(button) for button in drawer.select(".w-drilldown__toggle")]
    assert toggles == ["Webinar", "Stato", "Organizzazione socia"]
    # The webinar is shown as chosen, and as a pill that removes it.
    selected = [text_of(item) for item in drawer.select("li.selected")]
    assert any(text.startswith("Privacy e protezione dei dati") for text in selected)
    pill = page.select_one("[data-active-filters] li")
    assert "Privacy e protezione dei dati" in text_of(pill)
    assert WEBINAR_PARAM not in pill.select_one("a")["href"]


def test_the_email_log_reads_the_same_way(staff_client, people, webinar):
    EmailMessage.objects.create(
        registration=people["giulia"],
        webinar=webinar,
        kind=EmailMessage.Kind.MEMBERS_ONLY,
        to="giulia.russo@gmail.com",
        subject="Webinar riservato alla rete",
        body_text="Ciao Giulia",
        status=EmailMessage.Status.FAILED,
        attempts=5,
        last_error="550 5.1.1 mailbox unavailable " + "x" * 200,
    )

    response = staff_client.get(reverse(EMAIL_INDEX_URL))

    page = soup(response)
    assert page.select_one("header [data-filter-drawer]") is not None
    assert page.select_one(".changelist-filter") is None
    assert "giulia.<wbr>russo@<wbr>gmail.<wbr>com" in response.content.decode()
    status = page.select_one("table.listing tbody .cgm-state")
    assert status["class"] == ["cgm-state", "cgm-mail--failed"]
    error = page.select_one(".cgm-error")
    assert len(text_of(error)) <= 80
    assert error["title"].startswith("550 5.1.1 mailbox unavailable xxx")


def test_the_member_organisations_list_reads_the_same_way(staff_client):
    organisation = MemberOrganisation.objects.create(
        name="Società Cooperativa Sociale Àncora", city="Brescia"
    )
    MemberDomain.objects.create(organisation=organisation, domain="ancora-cooperativa.it")

    response = staff_client.get(reverse(MEMBERS_INDEX_URL))

    page = soup(response)
    assert page.select_one("header [data-filter-drawer]") is not None
    assert page.select_one(".changelist-filter") is None
    assert "ancora-cooperativa.<wbr>it" in response.content.decode()
    assert page.select_one(".result-list.col12") is not None


# English left in the admin -------------------------------------------------------------------


@pytest.mark.django_db
def test_the_default_workflow_has_an_italian_name():
    assert not Workflow.objects.filter(name="Moderators approval").exists()
    assert not Task.objects.filter(name="Moderators approval").exists()
    assert Workflow.objects.filter(name="Approvazione dei moderatori").exists()
