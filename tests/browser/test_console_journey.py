"""Staff run a webinar from its console, in Chromium against the live server, mail over SMTP.

From the webinar's editor they open its console, approve an access request in place, write
to the waiting list (each person gets exactly one e-mail, with their own links), add a
question to the form that the next registrant answers, and download an export with it.
"""

import csv
import io
import re

from django.contrib.auth import get_user_model
from django.utils import timezone

import pytest

from registrations import invitations
from registrations.emails import new_join_token
from registrations.models import MemberOrganisation, Registration
from tests.browser.conftest import STAFF_PASSWORD, type_in_form_with_keyboard

pytestmark = pytest.mark.django_db(transaction=True)

CANCEL_LINK = re.compile(r"https?://[^\s\"<>]+/iscrizioni/annulla/[^\s\"<>/]+/")


def person(webinar, first, last, email, status, **extra) -> Registration:
    return Registration.objects.create(
        webinar=webinar,
        first_name=first,
        last_name=last,
        email=email,
        organisation_name="Cooperativa Sociale Il Girasole",
        member_organisation=extra.pop("member", MemberOrganisation.objects.first()),
        status=status,
        consent_at=timezone.now(),
        **extra,
    )


@pytest.fixture
def full_webinar(open_webinar):
    open_webinar.capacity = 1
    open_webinar.save_revision().publish()
    # Confirmed and invited, as the site leaves a confirmed person.
    person(
        open_webinar,
        "Anna",
        "Verdi",
        "anna.verdi@cgm.coop",
        "confirmed",
        join_token=new_join_token(),
        invited_fingerprint=invitations.webinar_fingerprint(open_webinar),
    )
    person(
        open_webinar, "Giulia", "Neri", "giulia.neri@cgm.coop", "waitlisted", waitlist_position=1
    )
    person(open_webinar, "Luca", "Russo", "luca.russo@cgm.coop", "waitlisted", waitlist_position=2)
    person(open_webinar, "Paolo", "Galli", "paolo.galli@gmail.com", "pending_review", member=None)
    get_user_model().objects.create_superuser("staff", "staff@cgm.coop", STAFF_PASSWORD)
    return open_webinar


def test_staff_run_a_webinar_from_its_console(
    full_webinar, live_server, page, browser, mailbox, csp_violations
):
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("staff")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/admin/")

    page.goto(f"{live_server.url}/admin/pages/{full_webinar.pk}/edit/")
    # In the «Azioni» menu of the editor's header.
    page.locator("header").get_by_role("button", name="Azioni").click()
    page.get_by_role("link", name="Console delle iscrizioni").click()
    page.wait_for_url(f"**/admin/registrations/webinar/{full_webinar.pk}/")
    waiting = page.locator("[data-console-waiting] tbody tr")
    assert [row.locator(".cgm-person__name").inner_text() for row in waiting.all()] == [
        "Giulia Neri",
        "Luca Russo",
    ]

    # The access request, approved in place: the person gets a confirmation link.
    request = page.locator("tr", has_text="paolo.galli@gmail.com")
    request.get_by_role("button", name="Approva").click()
    page.wait_for_url(f"**/admin/registrations/webinar/{full_webinar.pk}/")
    assert "paolo.galli@gmail.com" in page.locator(".messages").inner_text()
    assert Registration.objects.get(email="paolo.galli@gmail.com").approved_at is not None
    assert "/iscrizioni/conferma/" in mailbox.text(mailbox.last("paolo.galli@gmail.com"))

    # A message to the waiting list: previewed, sent once, each with their own links.
    page.get_by_role("link", name="Scrivi agli iscritti").first.click()
    page.get_by_role("radio", name="Persone in lista d’attesa").check()
    page.get_by_role("textbox", name="Oggetto").fill("Un posto potrebbe liberarsi")
    page.get_by_role("textbox", name="Testo").fill(
        "Buongiorno,\n\nvi scriviamo perché siete in lista d'attesa & restate in attesa."
    )
    page.get_by_role("button", name="Anteprima").click()
    send = page.locator("[data-message-send]")
    assert "2" in send.inner_text()
    send.click()
    page.wait_for_selector(".messages")
    links = set()
    for address in ("giulia.neri@cgm.coop", "luca.russo@cgm.coop"):
        [message] = mailbox.to(address)
        assert message["Subject"] == "Un posto potrebbe liberarsi"
        assert "in lista d'attesa & restate in attesa." in mailbox.text(message)
        links.add(CANCEL_LINK.search(mailbox.text(message)).group(0))
    assert len(links) == 2  # each person's own
    assert mailbox.to("anna.verdi@cgm.coop") == []
    page.goto(f"{live_server.url}/admin/registrations/webinar/{full_webinar.pk}/")
    assert "Un posto potrebbe liberarsi" in page.inner_text("main")

    # A question added in the editor, answered by the next registrant, in the export.
    page.goto(f"{live_server.url}/admin/pages/{full_webinar.pk}/edit/")
    page.locator("[data-contentpath=questions] .c-sf-add-button").first.click()
    page.get_by_role("option", name="Testo breve").click()
    page.locator("[data-contentpath=questions] input[name$='-value-label']").fill(
        "Quanti soci lavoratori ha la tua cooperativa?"
    )
    page.locator("footer [data-w-dropdown-target=toggle]").first.click()
    page.get_by_role("button", name="Pubblica").click()
    page.wait_for_selector(".messages .success, [data-w-messages-target] .success")
    # A new question is no news for the people already registered.
    assert mailbox.to("anna.verdi@cgm.coop") == []

    reader = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    visitor = reader.new_page()
    visitor.set_default_timeout(10_000)
    visitor.goto(live_server.url + full_webinar.url)
    visitor.get_by_role("textbox", name="Quanti soci lavoratori ha la tua cooperativa?").fill("42")
    type_in_form_with_keyboard(visitor, "marta.galli@cgm.coop")
    visitor.wait_for_url("**/controlla-la-posta/")
    reader.close()
    assert Registration.objects.get(email="marta.galli@cgm.coop").answer_lines() == [
        ("Quanti soci lavoratori ha la tua cooperativa?", "42")
    ]

    page.goto(f"{live_server.url}/admin/registrations/webinar/{full_webinar.pk}/")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    rows = list(
        csv.DictReader(
            io.StringIO(download.value.path().read_text(encoding="utf-8-sig")), delimiter=";"
        )
    )
    [marta] = [row for row in rows if row["email"] == "marta.galli@cgm.coop"]
    assert marta["risposte alle domande"] == "Quanti soci lavoratori ha la tua cooperativa?: 42"
    assert {row["webinar"] for row in rows} == {full_webinar.title}
    assert csp_violations == []
