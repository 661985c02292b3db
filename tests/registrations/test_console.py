"""A webinar's console in the admin: what staff read there, what they do from it, the
dashboard's panel of upcoming webinars, and who may see any of it."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

import pytest

from registrations.models import EmailMessage, Registration
from tests.events.factories import days_from_now
from tests.registrations.test_admin_registrations import (
    assert_refused,
    make_user,
    messages_text,
    registration,
)
from tests.utils import soup, text_of

Status = Registration.Status
Kind = EmailMessage.Kind
CONSOLE_URL = "registrations_webinar_console"


@pytest.fixture
def staff_client(client, db):
    client.force_login(
        get_user_model().objects.create_superuser(
            username="segreteria", email="segreteria@cgm.coop", password="password"
        )
    )
    return client


@pytest.fixture
def viewer_client(client, db):
    """May read registrations, not act on them."""
    client.force_login(make_user("lettura", "access_admin", "view_registration"))
    return client


@pytest.fixture
def editor_client(client, db):
    """Wagtail's "Editors" group: edits pages, nothing on registrations."""
    client.force_login(make_user("redazione", groups=[Group.objects.get(name="Editors")]))
    return client


@pytest.fixture
def webinar(make_webinar, member_org):
    """Four seats, two taken: two left."""
    return make_webinar(title="Privacy e protezione dei dati", capacity=4)


@pytest.fixture
def everyone(webinar):
    """Registrations in every state, the waiting list in an order unlike the creation's."""
    now = timezone.now()
    return {
        "maria": registration(
            webinar,
            "maria.bianchi@cgm.coop",
            join_token="maria-join",
            join_first_used_at=now,
            join_count=3,
        ),
        "luca": registration(webinar, "luca.verdi@cgm.coop", join_token="luca-join"),
        "anna": registration(
            webinar, "anna.neri@cgm.coop", status=Status.WAITLISTED, waitlist_position=2
        ),
        "sara": registration(
            webinar, "sara.conti@cgm.coop", status=Status.WAITLISTED, waitlist_position=1
        ),
        "giulia": registration(webinar, "giulia.russo@gmail.com", status=Status.PENDING_REVIEW),
        "piero": registration(webinar, "piero.sala@cgm.coop", status=Status.PENDING_CONFIRMATION),
        "elena": registration(
            webinar, "elena.ferri@cgm.coop", status=Status.CANCELLED, cancelled_at=now
        ),
        "marco": registration(webinar, "marco.riva@gmail.com", status=Status.REJECTED),
    }


def console(client, webinar, **kwargs):
    return client.get(reverse(CONSOLE_URL, args=[webinar.pk]), **kwargs)


def counts_read(page) -> dict[str, str]:
    return {
        text_of(item.select_one("dt")): text_of(item.select_one("dd"))
        for item in page.select("[data-console-counts] > div")
    }


def rows_of(page, selector) -> list[str]:
    return [text_of(row) for row in page.select(f"{selector} tbody tr")]


def test_the_console_of_a_webinar_with_registrations_in_every_state(staff_client, everyone):
    webinar = everyone["maria"].webinar
    response = console(staff_client, webinar)

    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.select_one("[data-console-seats]")) == ("2 posti occupati su 4, liberi: 2.")
    assert counts_read(page) == {
        "In attesa di conferma": "1",
        "Richiesta di accesso da esaminare": "1",
        "Confermata": "2",
        "In lista d’attesa": "2",
        "Annullata": "1",
        "Respinta": "1",
    }
    assert text_of(page.select_one("[data-console-join]")) == (
        "Link di accesso aperto da 1 iscritti confermati su 2."
    )
    # The waiting list in its order: Sara (1st) before Anna (2nd).
    waiting = [
        (
            text_of(row.select_one("td")),
            text_of(row.select_one(".cgm-person__name")),
            text_of(row.select_one(".cgm-person__email")),
        )
        for row in page.select("[data-console-waiting] tbody tr")
    ]
    assert waiting == [
        ("1", "Sara Conti", "sara.conti@cgm.coop"),
        ("2", "Anna Neri", "anna.neri@cgm.coop"),
    ]
    requests = rows_of(page, "[data-console-requests]")
    assert len(requests) == 1
    assert "giulia.russo@gmail.com" in requests[0]
    assert "Approva l’accesso" in requests[0] and "Respingi" in requests[0]
    confirmed = rows_of(page, "[data-console-confirmed]")
    assert "aperto 3 volte" in confirmed[0] and "Luca" in confirmed[1]
    assert "non aperto" in confirmed[1]
    # Neither pending nor cancelled people are in any of the lists.
    for email in ("piero.sala@cgm.coop", "elena.ferri@cgm.coop", "marco.riva@gmail.com"):
        assert email not in text_of(page.select_one(".cgm-console"))
    # The exports are the list's, filtered to this webinar.
    export = page.select_one('[data-console-export="csv"]')["href"]
    assert export == (
        f"{reverse('registrations_registration_modeladmin_index')}"
        f"?webinar__id__exact={webinar.pk}&export=csv"
    )
    # A seat is free and two wait: the promotion is offered. Before the webinar, no
    # attendance section.
    assert page.select_one("[data-console-promote]") is not None
    assert page.select_one("[data-console-attendance]") is None


def test_the_export_link_downloads_only_this_webinars_registrations(
    staff_client, everyone, make_webinar
):
    other = make_webinar(title="Bilancio sociale")
    registration(other, "paolo.gallo@cgm.coop")
    page = soup(console(staff_client, everyone["maria"].webinar))

    response = staff_client.get(page.select_one('[data-console-export="csv"]')["href"])

    content = b"".join(response.streaming_content).decode("utf-8")
    assert "maria.bianchi@cgm.coop" in content
    assert "paolo.gallo@cgm.coop" not in content


def test_approve_in_place_comes_back_to_the_console(staff_client, everyone, sends_mail):
    webinar = everyone["maria"].webinar
    page = soup(console(staff_client, webinar))
    form = page.select_one("[data-console-requests] form")

    with sends_mail():
        response = staff_client.post(
            form["action"],
            {field["name"]: field.get("value", "") for field in form.select("input")},
            follow=True,
        )

    assert response.redirect_chain[-1][0] == reverse(CONSOLE_URL, args=[webinar.pk])
    assert "Accesso approvato: a giulia.russo@gmail.com è stato inviato" in messages_text(response)
    after = soup(response)
    assert after.select_one("[data-console-requests]") is None
    assert "Nessuna richiesta di accesso attende una risposta." in text_of(after)
    everyone["giulia"].refresh_from_db()
    assert everyone["giulia"].status == Status.PENDING_CONFIRMATION


def test_promote_from_the_waiting_list_when_seats_are_free(staff_client, everyone, sends_mail):
    webinar = everyone["maria"].webinar
    form = soup(console(staff_client, webinar)).select_one("[data-console-promote]").parent

    with sends_mail():
        response = staff_client.post(form["action"], follow=True)

    assert "2 persone sono passate dalla lista d’attesa a un posto" in messages_text(response)
    page = soup(response)
    assert text_of(page.select_one("[data-console-seats]")) == ("4 posti occupati su 4, liberi: 0.")
    assert page.select_one("[data-console-promote]") is None
    assert "Nessuno è in lista d’attesa." in text_of(page)
    kinds = set(
        EmailMessage.objects.filter(to="sara.conti@cgm.coop").values_list("kind", flat=True)
    )
    assert kinds == {Kind.PROMOTED, Kind.INVITATION}


def test_after_the_webinar_the_console_shows_the_attendance(staff_client, make_webinar, member_org):
    webinar = make_webinar(start=days_from_now(-2), capacity=10)
    registration(webinar, "maria.bianchi@cgm.coop", attendance="attended")
    registration(webinar, "luca.verdi@cgm.coop", attendance="absent")

    page = soup(console(staff_client, webinar))

    attendance = page.select_one("[data-console-attendance]")
    assert text_of(attendance).startswith("Presenti: 1; presenti in parte: 0; assenti: 1.")
    assert attendance.select_one("a")["href"] == reverse(
        "registrations_webinar_attendance", args=[webinar.pk]
    )


def test_the_reader_sees_the_console_without_buttons(viewer_client, everyone):
    page = soup(console(viewer_client, everyone["maria"].webinar))

    assert "giulia.russo@gmail.com" in text_of(page.select_one("[data-console-requests]"))
    assert page.select("[data-console-requests] form") == []
    assert page.select_one("[data-console-promote]") is None


def test_the_editor_is_refused_the_console(editor_client, everyone):
    webinar = everyone["maria"].webinar
    assert_refused(console(editor_client, webinar, follow=True))
    response = editor_client.post(
        reverse("registrations_webinar_promote", args=[webinar.pk]), follow=True
    )
    assert_refused(response)
    assert Registration.objects.filter(status=Status.WAITLISTED).count() == 2


# From the page tree ------------------------------------------------------------------------


def test_the_webinar_editor_and_page_listing_lead_to_the_console(staff_client, webinar):
    url = reverse(CONSOLE_URL, args=[webinar.pk])

    edit = soup(staff_client.get(reverse("wagtailadmin_pages:edit", args=[webinar.pk])))
    listing = soup(
        staff_client.get(reverse("wagtailadmin_explore", args=[webinar.get_parent().pk]))
    )

    assert url in [a["href"] for a in edit.select("a[data-registrations-console]")]
    assert url in [a["href"] for a in listing.select("a[data-registrations-console]")]


def test_the_editor_has_no_console_button(editor_client, webinar):
    edit = editor_client.get(reverse("wagtailadmin_pages:edit", args=[webinar.pk]))

    assert edit.status_code == 200
    assert soup(edit).select("[data-registrations-console]") == []


# The dashboard ---------------------------------------------------------------------------


def test_the_dashboard_lists_upcoming_webinars_with_their_seats(
    staff_client, everyone, make_webinar, django_assert_max_num_queries
):
    soon = everyone["maria"].webinar
    later = make_webinar(title="Bilancio sociale", start=days_from_now(60), capacity=None)
    registration(later, "paolo.gallo@cgm.coop")
    past = make_webinar(title="Webinar passato", start=days_from_now(-3))

    response = staff_client.get(reverse("wagtailadmin_home"))

    rows = soup(response).select("[data-upcoming-webinars] tbody tr")
    assert [text_of(row.select_one("a")) for row in rows] == [soon.title, later.title]
    assert [text_of(cell) for cell in rows[0].select("td")[1:]] == ["2/4", "2", "1"]
    assert [text_of(cell) for cell in rows[1].select("td")[1:]] == ["1 (senza limite)", "0", "0"]
    assert rows[0].select_one("a")["href"] == reverse(CONSOLE_URL, args=[soon.pk])
    assert past.title not in response.content.decode()

    # The panel's queries do not grow with the number of webinars.
    for n in range(5):
        registration(make_webinar(title=f"Altro {n}", capacity=3), f"p.n{n}@cgm.coop")
    with django_assert_max_num_queries(1) as captured:
        from registrations.admin.console import UpcomingWebinarsPanel

        rows = UpcomingWebinarsPanel().get_context_data({})["webinars"]
    assert len(rows) == 7
    assert len(captured) == 1


def test_the_dashboard_panel_is_not_for_editors(editor_client, everyone):
    response = editor_client.get(reverse("wagtailadmin_home"))

    assert response.status_code == 200
    assert soup(response).select("[data-upcoming-webinars]") == []
    assert everyone["maria"].webinar.title not in response.content.decode()


def test_an_ended_webinar_is_not_upcoming(staff_client, make_webinar, member_org):
    start = timezone.now() - timedelta(hours=3)
    make_webinar(title="Appena finito", start=start, end=start + timedelta(hours=1))

    response = staff_client.get(reverse("wagtailadmin_home"))

    assert "Appena finito" not in response.content.decode()
