"""Staff at work on registrations in the admin: the list, its exports, the actions, the
counts on a webinar's edit view, the e-mail log, and who may see any of it."""

import csv
import io
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import NoReverseMatch, reverse
from django.utils import timezone, translation

import pytest
import time_machine
from openpyxl import load_workbook

from registrations.admin.exports import HEADINGS
from registrations.admin.lists import EmailMessageAdmin, RegistrationAdmin
from registrations.admin.members import RegistrationsAdminGroup
from registrations.models import (
    AllowedAddress,
    EmailMessage,
    MemberDomain,
    MemberOrganisation,
    Registration,
)
from tests.utils import soup, text_of

Status = Registration.Status
Kind = EmailMessage.Kind
ROME = ZoneInfo("Europe/Rome")

INDEX_URL = "registrations_registration_modeladmin_index"
INSPECT_URL = "registrations_registration_modeladmin_inspect"
APPROVE_URL = "registrations_registration_approve"
REJECT_URL = "registrations_registration_reject"
RESEND_URL = "registrations_registration_resend_invitation"
CANCEL_URL = "registrations_registration_cancel"
EMAIL_INDEX_URL = "registrations_emailmessage_modeladmin_index"
EMAIL_INSPECT_URL = "registrations_emailmessage_modeladmin_inspect"
WEBINAR_PARAM = "webinar__id__exact"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def it(message: str, **params) -> str:
    """A message as Italian staff read it (the msgid itself until it is translated)."""
    with translation.override("it"):
        text = translation.gettext(message)
    return text % params if params else text


def it_seats(confirmed: int, capacity: int) -> str:
    """The plural message "N confirmed of M seats", as Italian staff read it."""
    message = "%(confirmed)d confirmed of %(capacity)d seats"
    with translation.override("it"):
        text = translation.ngettext(message, message, capacity)
    return text % {"confirmed": confirmed, "capacity": capacity}


# Fixtures ---------------------------------------------------------------------------------


def make_user(username: str, *codenames: str, groups=()):
    user = get_user_model().objects.create_user(
        username=username, email=f"{username}@example.org", password="password"
    )
    user.user_permissions.add(*Permission.objects.filter(codename__in=codenames))
    user.groups.add(*groups)
    return user


@pytest.fixture
def staff_client(client, db):
    """The webinar office: a superuser."""
    client.force_login(
        get_user_model().objects.create_superuser(
            username="segreteria", email="segreteria@cgm.coop", password="password"
        )
    )
    return client


@pytest.fixture
def editor_client(client, db):
    """Communications staff: Wagtail's "Editors" group (edits pages), nothing on registrations."""
    client.force_login(make_user("redazione", groups=[Group.objects.get(name="Editors")]))
    return client


@pytest.fixture
def viewer_client(client, db):
    """Staff who may read registrations and the e-mail log, but not act on them."""
    client.force_login(
        make_user("lettura", "access_admin", "view_registration", "view_emailmessage")
    )
    return client


@pytest.fixture
def proodos(db):
    organisation = MemberOrganisation.objects.create(name="Consorzio Proodos", city="Napoli")
    MemberDomain.objects.create(organisation=organisation, domain="proodos.it")
    return organisation


@pytest.fixture
def webinar(make_webinar, member_org):
    """A webinar with two seats, open for registration."""
    return make_webinar(title="Privacy e protezione dei dati", capacity=2)


@pytest.fixture
def other_webinar(make_webinar, member_org):
    return make_webinar(title="Bilancio sociale", capacity=None)


def registration(webinar, email, status=Status.CONFIRMED, created=None, **fields):
    """A registration written straight to the database, as the services leave it."""
    local, _, domain = email.partition("@")
    first, _, last = local.partition(".")
    organisation = MemberOrganisation.objects.filter(domains__domain=domain).first()
    defaults = {
        "first_name": first.capitalize(),
        "last_name": last.capitalize(),
        "organisation_name": organisation.name if organisation else "Cooperativa Esterna",
        "member_organisation": organisation,
        "role": "Educatrice",
        "consent_at": timezone.now(),
        "consent_version": "2026-11",
        "confirmed_at": timezone.now() if status in (Status.CONFIRMED, Status.WAITLISTED) else None,
    }
    defaults.update(fields)
    row = Registration.objects.create(webinar=webinar, email=email, status=status, **defaults)
    if created is not None:
        Registration.objects.filter(pk=row.pk).update(created_at=created)
        row.refresh_from_db()
    return row


@pytest.fixture
def people(webinar, other_webinar, proodos):
    """Five people on two webinars, in every state staff deal with, oldest first."""
    return {
        "maria": registration(
            webinar,
            "maria.bianchi@cgm.coop",
            created=datetime(2026, 7, 1, 9, 15, tzinfo=ROME),
            confirmed_at=datetime(2026, 7, 1, 9, 20, tzinfo=ROME),
        ),
        "luca": registration(
            webinar,
            "luca.verdi@cgm.coop",
            created=datetime(2026, 7, 2, 10, 0, tzinfo=ROME),
        ),
        "anna": registration(
            webinar,
            "anna.neri@proodos.it",
            status=Status.WAITLISTED,
            waitlist_position=1,
            created=datetime(2026, 7, 3, 11, 0, tzinfo=ROME),
        ),
        "giulia": registration(
            webinar,
            "giulia.russo@gmail.com",
            status=Status.PENDING_REVIEW,
            created=datetime(2026, 7, 4, 12, 0, tzinfo=ROME),
        ),
        "paolo": registration(
            other_webinar,
            "paolo.gallo@cgm.coop",
            created=datetime(2026, 7, 5, 13, 0, tzinfo=ROME),
        ),
    }


PEOPLE = (
    "maria.bianchi@cgm.coop",
    "luca.verdi@cgm.coop",
    "anna.neri@proodos.it",
    "giulia.russo@gmail.com",
    "paolo.gallo@cgm.coop",
)


# Helpers ---------------------------------------------------------------------------------


def listed_rows(response) -> list[list[str]]:
    """The list as staff read it: one list of cell texts per row, the first cell
    without its buttons."""
    rows = []
    for row in soup(response).select("table.listing tbody tr"):
        cells = row.select("td")
        title = cells[0].select_one(".title-wrapper") or cells[0]
        rows.append([text_of(title)] + [text_of(cell) for cell in cells[1:]])
    return rows


def listed_emails(response) -> list[str]:
    """The registrations listed, by the e-mail under each name."""
    return [
        text_of(email) for email in soup(response).select("table.listing tbody .cgm-person__email")
    ]


def messages_text(response) -> str:
    return text_of(soup(response).select_one(".messages"))


def csv_rows(response) -> list[list[str]]:
    content = b"".join(response.streaming_content).decode("utf-8")
    assert content.startswith("\ufeff")
    return list(csv.reader(io.StringIO(content[1:]), delimiter=";"))


def xlsx_bytes(response) -> bytes:
    """The downloaded file (a streamed ``FileResponse``, read once and kept)."""
    if not hasattr(response, "xlsx_bytes"):
        response.xlsx_bytes = b"".join(response.streaming_content)
    return response.xlsx_bytes


def xlsx_rows(response) -> list[list]:
    sheet = load_workbook(io.BytesIO(xlsx_bytes(response))).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def email_kinds(registration) -> list[str]:
    return list(registration.emails.order_by("pk").values_list("kind", flat=True))


# The list ------------------------------------------------------------------------------------


def test_the_group_collects_registrations_and_the_email_log():
    assert [item.model for item in RegistrationsAdminGroup.items] == [
        MemberOrganisation,
        AllowedAddress,
        Registration,
        EmailMessage,
    ]
    assert RegistrationsAdminGroup.items[2:] == [RegistrationAdmin, EmailMessageAdmin]


def test_the_list_shows_every_registration_newest_first(staff_client, people):
    response = staff_client.get(reverse(INDEX_URL))

    assert response.status_code == 200
    assert listed_emails(response) == [
        "paolo.gallo@cgm.coop",
        "giulia.russo@gmail.com",
        "anna.neri@proodos.it",
        "luca.verdi@cgm.coop",
        "maria.bianchi@cgm.coop",
    ]
    rows = listed_rows(response)
    anna = rows[2]
    assert anna[0].startswith("Anna Neri anna.neri@proodos.it")
    assert anna[1] == "Consorzio Proodos"
    assert anna[2].startswith("Privacy e protezione dei dati ")  # and the webinar's date
    assert anna[3] == "lista d'attesa (1°)"
    assert rows[1][1] == "Cooperativa Esterna non socia"  # gmail.com: no member organisation
    assert rows[1][3] == "in attesa di approvazione"
    assert anna[4] == "venerdì 3 luglio 2026, 11:00"  # registered at, in Italian time


def test_the_list_has_no_add_edit_or_delete(staff_client, people):
    response = staff_client.get(reverse(INDEX_URL))

    page = soup(response)
    assert page.find("a", href=lambda href: href and "/create/" in href) is None
    assert page.find("a", href=lambda href: href and "/edit/" in href) is None
    assert page.find("a", href=lambda href: href and "/delete/" in href) is None
    for action in ("create", "edit", "delete", "history"):
        with pytest.raises(NoReverseMatch):
            reverse(f"registrations_registration_modeladmin_{action}", args=[1])
        with pytest.raises(NoReverseMatch):
            reverse(f"registrations_registration_modeladmin_{action}")


def test_the_list_filtered_to_one_webinar_names_it_with_its_counts(staff_client, people, webinar):
    response = staff_client.get(reverse(INDEX_URL), {WEBINAR_PARAM: webinar.pk})

    assert response.status_code == 200
    assert set(listed_emails(response)) == {
        "maria.bianchi@cgm.coop",
        "luca.verdi@cgm.coop",
        "anna.neri@proodos.it",
        "giulia.russo@gmail.com",
    }
    page = soup(response)
    assert "Privacy e protezione dei dati" in text_of(page.select_one("h1"))
    counts = text_of(page.select_one("[data-webinar-counts]"))
    assert it_seats(confirmed=2, capacity=2) in counts
    assert it("%(waitlisted)d on the waiting list", waitlisted=1) in counts
    # The webinar filter shows the webinar as chosen.
    selected = [text_of(item) for item in page.select("[data-filter-drawer] li.selected")]
    assert any(text.startswith("Privacy e protezione dei dati") for text in selected)


@pytest.mark.parametrize(
    ("params", "found"),
    [
        ({"status__exact": "pending_review"}, ["giulia.russo@gmail.com"]),
        ({"status__exact": "waitlisted"}, ["anna.neri@proodos.it"]),
        ({"member_organisation__id__exact": "PROODOS"}, ["anna.neri@proodos.it"]),
        ({"q": "luca"}, ["luca.verdi@cgm.coop"]),
        ({"q": "Maria Bianchi"}, ["maria.bianchi@cgm.coop"]),
        ({"q": "gmail.com"}, ["giulia.russo@gmail.com"]),
        ({"q": "proodos"}, ["anna.neri@proodos.it"]),  # organisation name
        (
            {"q": "cgm.coop", "status__exact": "confirmed"},
            ["paolo.gallo@cgm.coop", "luca.verdi@cgm.coop", "maria.bianchi@cgm.coop"],
        ),
        ({"q": "nessuno"}, []),
    ],
)
def test_filters_and_search(staff_client, people, proodos, params, found):
    params = {
        key: str(proodos.pk) if value == "PROODOS" else value for key, value in params.items()
    }
    response = staff_client.get(reverse(INDEX_URL), params)

    assert response.status_code == 200
    assert listed_emails(response) == found


def test_the_inspect_view_shows_the_registration_and_its_emails(staff_client, people):
    maria = people["maria"]
    EmailMessage.objects.create(
        registration=maria,
        webinar=maria.webinar,
        kind=Kind.INVITATION,
        to=maria.email,
        subject="Invito",
        body_text="Link: https://teams.microsoft.com/l/meetup-join/segreto",
    )

    response = staff_client.get(reverse(INSPECT_URL, args=[maria.pk]))

    assert response.status_code == 200
    text = text_of(soup(response).select_one("main") or soup(response))
    assert "maria.bianchi@cgm.coop" in text
    assert "Gruppo Cooperativo CGM" in text
    assert "confermata" in text
    emails = soup(response).select("[data-registration-emails] tbody tr")
    assert [text_of(row.select("td")[0]) for row in emails] == [it("Invitation")]
    # The body (and its Teams link) is in the e-mail log, not here.
    assert "segreto" not in response.content.decode()


def test_staff_see_when_the_personal_join_link_was_used(staff_client, people):
    maria = people["maria"]
    Registration.objects.filter(pk=maria.pk).update(
        join_first_used_at=datetime(2026, 12, 17, 9, 25, tzinfo=UTC), join_count=3
    )

    inspect = text_of(soup(staff_client.get(reverse(INSPECT_URL, args=[maria.pk]))))

    # 09:25 UTC is 10:25 in Rome in December; the list keeps it for the inspect view.
    assert "giovedì 17 dicembre 2026, 10:25" in inspect
    assert "3" in inspect


# Exports -----------------------------------------------------------------------------------


@pytest.fixture
def injector(webinar):
    """Someone who typed formulas into the form (CSV injection)."""
    return registration(
        webinar,
        "mallory.rossi@cgm.coop",
        first_name='=HYPERLINK("http://evil.example","clic")',
        last_name="+39 333",
        organisation_name="@SUM(A1:A2)",
        role="-2+3",
        created=datetime(2026, 7, 6, 8, 0, tzinfo=ROME),
    )


def test_the_csv_export_is_utf8_with_bom_and_only_the_filtered_rows(
    staff_client, people, webinar, injector
):
    people["maria"].organisation_name = "Società Cooperativa Sociale «Àncora»"
    people["maria"].save()

    response = staff_client.get(
        reverse(INDEX_URL),
        {WEBINAR_PARAM: webinar.pk, "status__exact": "confirmed", "export": "csv"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    assert ".csv" in response["Content-Disposition"]
    rows = csv_rows(response)
    assert rows[0] == list(HEADINGS)
    assert rows[0] == [
        "webinar",
        "data del webinar",
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
        "risposte alle domande",
    ]
    by_email = {row[4]: row for row in rows[1:]}
    # Confirmed on this webinar only: not Anna (waiting), Giulia (review), Paolo (other webinar).
    assert set(by_email) == {
        "maria.bianchi@cgm.coop",
        "luca.verdi@cgm.coop",
        "mallory.rossi@cgm.coop",
    }
    webinar_start = timezone.localtime(webinar.start, ROME).strftime("%d/%m/%Y %H:%M")
    assert by_email["maria.bianchi@cgm.coop"] == [
        "Privacy e protezione dei dati",
        webinar_start,
        "Maria",
        "Bianchi",
        "maria.bianchi@cgm.coop",
        "Società Cooperativa Sociale «Àncora»",
        "Gruppo Cooperativo CGM",
        "Educatrice",
        "confermata",
        "",
        "01/07/2026 09:15",  # Italian summer time, not UTC (07:15)
        "01/07/2026 09:20",
        "",
        "",
        "",  # this webinar asks no questions of its own
    ]
    mallory = by_email["mallory.rossi@cgm.coop"]
    assert mallory[2] == '\'=HYPERLINK("http://evil.example","clic")'
    assert mallory[3] == "'+39 333"
    assert mallory[5] == "'@SUM(A1:A2)"
    assert mallory[7] == "'-2+3"


def test_the_csv_export_follows_the_search(staff_client, people):
    response = staff_client.get(reverse(INDEX_URL), {"q": "gmail", "export": "csv"})

    assert [row[4] for row in csv_rows(response)[1:]] == ["giulia.russo@gmail.com"]


def test_the_xlsx_export(staff_client, people, webinar, injector):
    response = staff_client.get(reverse(INDEX_URL), {WEBINAR_PARAM: webinar.pk, "export": "xlsx"})

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX
    assert ".xlsx" in response["Content-Disposition"]
    rows = xlsx_rows(response)
    assert rows[0] == list(HEADINGS)
    by_email = {row[4]: row for row in rows[1:]}
    assert set(by_email) == {
        "maria.bianchi@cgm.coop",
        "luca.verdi@cgm.coop",
        "anna.neri@proodos.it",
        "giulia.russo@gmail.com",
        "mallory.rossi@cgm.coop",
    }
    maria = by_email["maria.bianchi@cgm.coop"]
    assert maria[:2] == [
        "Privacy e protezione dei dati",
        timezone.localtime(webinar.start, ROME).replace(tzinfo=None, microsecond=0),
    ]
    assert maria[6:] == [
        "Gruppo Cooperativo CGM",
        "Educatrice",
        "confermata",
        None,
        datetime(2026, 7, 1, 9, 15),
        datetime(2026, 7, 1, 9, 20),
        # No attendance imported yet, no questions asked: empty cells.
        None,
        None,
        None,
    ]
    assert by_email["anna.neri@proodos.it"][9] == 1
    assert by_email["giulia.russo@gmail.com"][6] is None
    mallory = by_email["mallory.rossi@cgm.coop"]
    assert mallory[2] == '\'=HYPERLINK("http://evil.example","clic")'
    assert mallory[3] == "'+39 333"
    assert mallory[5] == "'@SUM(A1:A2)"
    assert mallory[7] == "'-2+3"
    sheet = load_workbook(io.BytesIO(xlsx_bytes(response))).active
    assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)


def test_the_list_offers_both_downloads_of_what_it_shows(staff_client, people, webinar):
    response = staff_client.get(reverse(INDEX_URL), {WEBINAR_PARAM: webinar.pk})

    links = [link["href"] for link in soup(response).select("a[href*='export=']")]
    assert any("export=csv" in link and f"{WEBINAR_PARAM}={webinar.pk}" in link for link in links)
    assert any("export=xlsx" in link and f"{WEBINAR_PARAM}={webinar.pk}" in link for link in links)


# Actions ------------------------------------------------------------------------------------


@pytest.fixture
def act(staff_client, sends_mail):
    """``act(URL_NAME, registration, **data)``: press an action button; e-mails are sent."""

    def press(url_name, registration, **data):
        with sends_mail():
            return staff_client.post(reverse(url_name, args=[registration.pk]), data, follow=True)

    return press


def test_approve_an_access_request(act, people):
    giulia = people["giulia"]

    response = act(APPROVE_URL, giulia)

    giulia.refresh_from_db()
    assert giulia.status == Status.PENDING_CONFIRMATION
    assert giulia.approved_at is not None
    assert email_kinds(giulia) == [Kind.ACCESS_APPROVED]
    assert response.redirect_chain[-1][0] == reverse(INSPECT_URL, args=[giulia.pk])
    assert it(
        "Access approved: %(email)s has been sent a confirmation link.", email=giulia.email
    ) in messages_text(response)


def test_reject_an_access_request_and_go_back_to_the_list(act, people, webinar):
    giulia = people["giulia"]
    back = f"{reverse(INDEX_URL)}?{WEBINAR_PARAM}={webinar.pk}"

    response = act(REJECT_URL, giulia, next=back)

    giulia.refresh_from_db()
    assert giulia.status == Status.REJECTED
    assert email_kinds(giulia) == [Kind.ACCESS_REJECTED]
    assert response.redirect_chain[-1][0] == back
    assert it(
        "Access request of %(email)s rejected: they are told by e-mail.", email=giulia.email
    ) in messages_text(response)


def test_an_outside_next_url_is_ignored(act, people):
    giulia = people["giulia"]

    response = act(REJECT_URL, giulia, next="https://evil.example/")

    assert response.redirect_chain[-1][0] == reverse(INSPECT_URL, args=[giulia.pk])


def test_send_the_invitation_again(act, people):
    maria = people["maria"]

    response = act(RESEND_URL, maria)

    maria.refresh_from_db()
    assert maria.status == Status.CONFIRMED
    assert email_kinds(maria) == [Kind.INVITATION]
    assert it("The invitation is being sent again to %(email)s.", email=maria.email) in (
        messages_text(response)
    )


def test_send_the_invitation_again_twice_in_a_row_sends_it_once(act, people, settings):
    """A double click, or two colleagues at once, sent the same invitation twice; after
    ``REGISTRATION_RESEND_INTERVAL`` it can be sent again."""
    maria = people["maria"]
    act(RESEND_URL, maria)

    response = act(RESEND_URL, maria)

    assert email_kinds(maria) == [Kind.INVITATION]
    assert it(
        "The invitation was sent to %(email)s a few minutes ago: it was not sent again.",
        email=maria.email,
    ) in messages_text(response)
    later = timezone.now() + timedelta(seconds=settings.REGISTRATION_RESEND_INTERVAL + 1)
    with time_machine.travel(later):
        act(RESEND_URL, maria)
    assert email_kinds(maria) == [Kind.INVITATION, Kind.INVITATION]


def test_cancel_asks_first_then_frees_the_seat_for_the_waiting_list(staff_client, act, people):
    maria, anna = people["maria"], people["anna"]
    url = reverse(CANCEL_URL, args=[maria.pk])

    page = staff_client.get(url)

    assert page.status_code == 200
    form = soup(page).select_one("main form[method=post]")
    assert form is not None
    assert "maria.bianchi@cgm.coop" in text_of(soup(page).select_one("[data-cancel-question]"))
    maria.refresh_from_db()
    assert maria.status == Status.CONFIRMED

    response = act(CANCEL_URL, maria)

    maria.refresh_from_db()
    anna.refresh_from_db()
    assert maria.status == Status.CANCELLED
    assert email_kinds(maria) == [Kind.CANCELLATION]
    assert anna.status == Status.CONFIRMED
    assert email_kinds(anna) == [Kind.PROMOTED, Kind.INVITATION]
    assert it(
        "The registration of %(email)s is cancelled: they are told by e-mail.", email=maria.email
    ) in messages_text(response)


@pytest.mark.parametrize("url_name", [APPROVE_URL, REJECT_URL, RESEND_URL])
def test_a_get_on_an_action_changes_nothing(staff_client, people, sends_mail, url_name):
    target = people["giulia"] if url_name != RESEND_URL else people["maria"]

    with sends_mail():
        response = staff_client.get(reverse(url_name, args=[target.pk]))

    assert response.status_code == 405
    target.refresh_from_db()
    assert target.status == (Status.PENDING_REVIEW if url_name != RESEND_URL else Status.CONFIRMED)
    assert not EmailMessage.objects.exists()


@pytest.mark.parametrize(
    ("url_name", "who", "message"),
    [
        (
            APPROVE_URL,
            "maria",
            "This registration is no longer an access request to review: nothing was changed.",
        ),
        (
            REJECT_URL,
            "anna",
            "This registration is no longer an access request to review: nothing was changed.",
        ),
        (
            RESEND_URL,
            "giulia",
            "Only confirmed registrants can be sent the invitation: nothing was sent.",
        ),
    ],
)
def test_an_action_in_the_wrong_state_changes_nothing(act, people, url_name, who, message):
    target = people[who]
    status = target.status

    response = act(url_name, target)

    assert it(message) in messages_text(response)
    target.refresh_from_db()
    assert target.status == status
    assert not EmailMessage.objects.exists()


def test_cancelling_a_cancelled_registration_changes_nothing(staff_client, act, people):
    luca = people["luca"]
    act(CANCEL_URL, luca)
    EmailMessage.objects.all().delete()

    page = staff_client.get(reverse(CANCEL_URL, args=[luca.pk]), follow=True)
    again = act(CANCEL_URL, luca)

    message = it(
        "This registration is no longer active (cancelled or rejected): nothing was changed."
    )
    assert message in messages_text(page)
    assert message in messages_text(again)
    assert not EmailMessage.objects.exists()


def test_access_requests_can_be_answered_from_the_list(staff_client, act, people, webinar):
    list_url = f"{reverse(INDEX_URL)}?{WEBINAR_PARAM}={webinar.pk}"
    response = staff_client.get(list_url)

    page = soup(response)
    buttons = page.select("button[formaction]")
    # Only Giulia's row (the access request) has buttons: approve and reject.
    assert sorted(button["formaction"] for button in buttons) == sorted(
        [
            reverse(APPROVE_URL, args=[people["giulia"].pk]),
            reverse(REJECT_URL, args=[people["giulia"].pk]),
        ]
    )
    form = page.select_one(f"form#{buttons[0]['form']}")
    assert form["method"] == "post"
    assert form.select_one("input[name=csrfmiddlewaretoken]")
    assert form.select_one("input[name=next]")["value"] == list_url

    response = act(APPROVE_URL, people["giulia"], next=form.select_one("input[name=next]")["value"])

    assert response.redirect_chain[-1][0] == list_url


def test_the_inspect_view_offers_the_actions_of_each_state(staff_client, people):
    def actions(registration):
        response = staff_client.get(reverse(INSPECT_URL, args=[registration.pk]))
        footer = soup(response).select_one("[data-registration-actions]")
        if footer is None:
            return set()
        posts = {form["action"] for form in footer.select("form[method=post]")}
        return posts | {link["href"] for link in footer.select("a")}

    giulia, maria, anna = people["giulia"], people["maria"], people["anna"]
    assert actions(giulia) == {
        reverse(APPROVE_URL, args=[giulia.pk]),
        reverse(REJECT_URL, args=[giulia.pk]),
        reverse(CANCEL_URL, args=[giulia.pk]),
    }
    assert actions(maria) == {
        reverse(RESEND_URL, args=[maria.pk]),
        reverse(CANCEL_URL, args=[maria.pk]),
    }
    assert actions(anna) == {reverse(CANCEL_URL, args=[anna.pk])}
    maria.status = Status.CANCELLED
    maria.save()
    assert actions(maria) == set()


# The webinar's edit view ------------------------------------------------------------------------


def counts_notice(response):
    return soup(response).select_one(".messages")


def test_the_webinar_edit_view_shows_the_counts_and_links_the_list(staff_client, people, webinar):
    response = staff_client.get(reverse("wagtailadmin_pages:edit", args=[webinar.pk]))

    assert response.status_code == 200
    notice = text_of(counts_notice(response))
    assert it_seats(confirmed=2, capacity=2) in notice
    assert it("%(waitlisted)d on the waiting list", waitlisted=1) in notice
    assert it("%(count)d access request to review", count=1) in notice
    link = counts_notice(response).find("a", string=it("See the registrations"))
    assert link["href"] == f"{reverse(INDEX_URL)}?{WEBINAR_PARAM}={webinar.pk}"


def test_a_webinar_without_seat_limit_says_so(staff_client, people, other_webinar):
    response = staff_client.get(reverse("wagtailadmin_pages:edit", args=[other_webinar.pk]))

    assert it("%(confirmed)d confirmed (no seat limit)", confirmed=1) in text_of(
        counts_notice(response)
    )


def test_the_editor_edits_a_webinar_without_seeing_its_registrations(
    editor_client, people, webinar
):
    response = editor_client.get(reverse("wagtailadmin_pages:edit", args=[webinar.pk]))

    assert response.status_code == 200
    content = response.content.decode()
    assert it("See the registrations") not in content
    assert reverse(INDEX_URL) not in content
    assert it("%(waitlisted)d on the waiting list", waitlisted=1) not in content


# Who may see all this ---------------------------------------------------------------------------


def assert_refused(response):
    """Wagtail's answer to a permission denied: back to the dashboard, with a message."""
    assert response.redirect_chain == [(reverse("wagtailadmin_home"), 302)]
    page = response.content.decode()
    assert it("Sorry, you do not have permission to access this area.") in page
    for email in PEOPLE:
        assert email not in page


def test_the_editor_has_no_menu_item(editor_client, people):
    editor_home = editor_client.get(reverse("wagtailadmin_home")).content.decode()

    assert reverse(INDEX_URL) not in editor_home
    assert reverse(EMAIL_INDEX_URL) not in editor_home


def test_staff_have_the_menu_items(staff_client):
    home = staff_client.get(reverse("wagtailadmin_home")).content.decode()

    assert reverse(INDEX_URL) in home
    assert reverse(EMAIL_INDEX_URL) in home


def editor_urls(people, webinar):
    maria, giulia = people["maria"], people["giulia"]
    message = EmailMessage.objects.create(
        registration=maria, kind=Kind.INVITATION, to=maria.email, subject="Invito", body_text="x"
    )
    return [
        reverse(INDEX_URL),
        f"{reverse(INDEX_URL)}?{WEBINAR_PARAM}={webinar.pk}",
        f"{reverse(INDEX_URL)}?export=csv",
        f"{reverse(INDEX_URL)}?export=xlsx",
        reverse(INSPECT_URL, args=[maria.pk]),
        reverse(APPROVE_URL, args=[giulia.pk]),
        reverse(REJECT_URL, args=[giulia.pk]),
        reverse(RESEND_URL, args=[maria.pk]),
        reverse(CANCEL_URL, args=[maria.pk]),
        reverse(EMAIL_INDEX_URL),
        reverse(EMAIL_INSPECT_URL, args=[message.pk]),
    ]


def test_the_editor_is_refused_every_view(editor_client, people, webinar):
    for url in editor_urls(people, webinar):
        assert_refused(editor_client.get(url, follow=True))


def test_the_editor_cannot_act(editor_client, people, webinar, sends_mail):
    for url_name, target in [
        (APPROVE_URL, people["giulia"]),
        (REJECT_URL, people["giulia"]),
        (RESEND_URL, people["maria"]),
        (CANCEL_URL, people["maria"]),
    ]:
        with sends_mail():
            response = editor_client.post(reverse(url_name, args=[target.pk]), follow=True)
        assert_refused(response)

    assert set(Registration.objects.values_list("email", "status")) == {
        (person.email, person.status) for person in people.values()
    }
    assert not EmailMessage.objects.exists()


def test_read_only_staff_may_list_and_export_but_not_act(viewer_client, people, sends_mail):
    giulia = people["giulia"]

    listing = viewer_client.get(reverse(INDEX_URL))
    inspect = viewer_client.get(reverse(INSPECT_URL, args=[giulia.pk]))
    export = viewer_client.get(reverse(INDEX_URL), {"export": "csv"})
    with sends_mail():
        refused = viewer_client.post(reverse(APPROVE_URL, args=[giulia.pk]), follow=True)

    assert listing.status_code == 200
    assert len(listed_rows(listing)) == 5
    assert not soup(listing).select("button[formaction]")
    assert inspect.status_code == 200
    assert soup(inspect).select_one("[data-registration-actions]") is None
    assert len(csv_rows(export)) == 6
    assert refused.redirect_chain == [(reverse("wagtailadmin_home"), 302)]
    giulia.refresh_from_db()
    assert giulia.status == Status.PENDING_REVIEW


def test_anonymous_visitors_are_sent_to_the_login_page(client, people):
    for url in (
        reverse(INDEX_URL),
        f"{reverse(INDEX_URL)}?export=csv",
        reverse(APPROVE_URL, args=[people["giulia"].pk]),
    ):
        response = client.post(url) if "approve" in url else client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))
    assert Registration.objects.get(pk=people["giulia"].pk).status == Status.PENDING_REVIEW


# The e-mail log ------------------------------------------------------------------------------


@pytest.fixture
def emails(people, webinar):
    maria, giulia = people["maria"], people["giulia"]
    invitation = EmailMessage.objects.create(
        registration=maria,
        webinar=webinar,
        kind=Kind.INVITATION,
        to=maria.email,
        subject="Il tuo invito al webinar",
        body_text="Ciao Maria,\nentra da qui: https://teams.microsoft.com/l/meetup-join/segreto\n",
        status=EmailMessage.Status.SENT,
        attempts=1,
        sent_at=timezone.now(),
    )
    failed = EmailMessage.objects.create(
        registration=giulia,
        webinar=webinar,
        kind=Kind.MEMBERS_ONLY,
        to=giulia.email,
        subject="Webinar riservato alla rete",
        body_text="Ciao Giulia",
        status=EmailMessage.Status.FAILED,
        attempts=5,
        last_error="550 5.1.1 mailbox unavailable " + "x" * 200,
    )
    return {"invitation": invitation, "failed": failed}


def test_the_email_log_lists_filters_and_searches(staff_client, emails, webinar):
    response = staff_client.get(reverse(EMAIL_INDEX_URL))

    assert response.status_code == 200
    rows = listed_rows(response)
    assert [row[1] for row in rows] == ["giulia.russo@gmail.com", "maria.bianchi@cgm.coop"]
    failed = rows[0]
    assert failed[0] == it("Members-only explanation")
    assert failed[2] == it("Failed")
    assert failed[3] == "5"
    assert failed[-1].startswith("550 5.1.1 mailbox unavailable")
    assert len(failed[-1]) <= 80

    def listed(**params):
        return [row[1] for row in listed_rows(staff_client.get(reverse(EMAIL_INDEX_URL), params))]

    assert listed(status__exact="sent") == ["maria.bianchi@cgm.coop"]
    assert listed(kind__exact="members_only") == ["giulia.russo@gmail.com"]
    assert listed(q="maria") == ["maria.bianchi@cgm.coop"]
    assert len(listed(**{WEBINAR_PARAM: webinar.pk})) == 2
    assert staff_client.get(reverse(EMAIL_INDEX_URL) + "create/").status_code == 404


def test_the_email_log_shows_a_message_as_sent(staff_client, emails):
    invitation = emails["invitation"]

    response = staff_client.get(reverse(EMAIL_INSPECT_URL, args=[invitation.pk]))

    assert response.status_code == 200
    text = text_of(soup(response).select_one("main") or soup(response))
    assert "Il tuo invito al webinar" in text
    body = soup(response).select_one("pre[data-field=body_text]")
    assert body.get_text() == invitation.body_text
    link = soup(response).find("a", href=reverse(INSPECT_URL, args=[invitation.registration_id]))
    assert link is not None


def test_the_email_log_needs_its_own_permission(client, emails, people):
    """Invitations carry the private Teams link: reading registrations is not enough."""
    client.force_login(make_user("iscrizioni", "access_admin", "change_registration"))

    for url in (
        reverse(EMAIL_INDEX_URL),
        reverse(EMAIL_INSPECT_URL, args=[emails["invitation"].pk]),
    ):
        response = client.get(url, follow=True)
        assert response.redirect_chain == [(reverse("wagtailadmin_home"), 302)]
        assert "segreto" not in response.content.decode()

    inspect = client.get(reverse(INSPECT_URL, args=[people["maria"].pk]))
    assert inspect.status_code == 200
    assert soup(inspect).select_one("[data-registration-emails]") is None
