"""A member registers for a webinar in a real browser, confirms from the e-mail, and
staff find the confirmed registration in the admin and export it."""

import csv
import io
import re

from django.contrib.auth import get_user_model
from django.core import mail

import pytest
from playwright.sync_api import expect

from events.models import WebinarPage
from registrations.models import MemberDomain, MemberOrganisation, Registration
from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
from tests.factories import build_site_tree

pytestmark = pytest.mark.django_db(transaction=True)

CONFIRM_LINK = re.compile(r"https?://[^\s\"<>]+/iscrizioni/conferma/[^\s\"<>/]+/")
ACCESS_LINK = re.compile(r"https?://[^\s\"<>]+/iscrizioni/richiedi-accesso/[^\s\"<>/]+/")


@pytest.fixture
def webinar(wagtail_bootstrap, live_server, settings):
    # Links in e-mails point at the live server, as SITE_BASE_URL does in production.
    settings.SITE_BASE_URL = live_server.url
    tree = build_site_tree()
    index = WebinarIndexPageFactory(parent=tree.home)
    organisation = MemberOrganisation.objects.create(name="Gruppo Cooperativo CGM")
    MemberDomain.objects.create(organisation=organisation, domain="cgm.coop")
    return WebinarPageFactory(parent=index, title="Accogliere nei servizi educativi", capacity=20)


def fill_form(page, email: str) -> None:
    form = page.locator("section.registration form")
    form.get_by_role("textbox", name="Nome", exact=True).fill("Maria")
    form.get_by_role("textbox", name="Cognome", exact=True).fill("Rossi")
    form.get_by_role("textbox", name="E-mail", exact=True).fill(email)
    form.get_by_role("textbox", name="Organizzazione", exact=True).fill(
        "Cooperativa Sociale Esempio"
    )
    form.get_by_role("textbox", name="Ruolo", exact=True).fill("Educatrice")
    form.get_by_role("checkbox", name="Ho letto l’informativa").check()
    # The anti-bot field is out of sight and out of reach for people.
    box = form.locator("input[name=website]").bounding_box()
    assert box["x"] + box["width"] <= 0
    form.get_by_role("button", name="Iscriviti").click()


def test_member_registers_confirms_and_staff_export(
    webinar: WebinarPage, live_server, page, csp_violations
):
    opened = page.goto(live_server.url + webinar.url)
    assert "script-src 'self'" in opened.headers["content-security-policy"]
    fill_form(page, "Maria.Rossi@CGM.coop")
    page.wait_for_url("**/controlla-la-posta/")
    assert page.locator("h1").inner_text() == "Controlla la tua casella di posta"

    [message] = mail.outbox
    assert message.to == ["maria.rossi@cgm.coop"]
    link = CONFIRM_LINK.search(message.body).group(0)
    assert webinar.teams_join_url not in message.body

    page.goto(link)
    # Opening the link alone changes nothing (mail scanners open links too).
    assert Registration.objects.get().status == Registration.Status.PENDING_CONFIRMATION
    page.get_by_role("button", name="Conferma la mia iscrizione").click()
    page.wait_for_selector("text=La tua iscrizione è confermata")
    assert Registration.objects.get().status == Registration.Status.CONFIRMED
    invitation = mail.outbox[-1]
    assert webinar.teams_join_url in invitation.body

    staff = get_user_model().objects.create_superuser("staff", "staff@cgm.coop", "s3cret-pass")
    login = page.goto(live_server.url + "/admin/login/")
    assert "object-src 'none'" in login.headers["content-security-policy"]
    page.locator("input[name=username]").fill(staff.username)
    page.locator("input[name=password]").fill("s3cret-pass")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/admin/")
    page.wait_for_load_state("networkidle")  # the dashboard's panels and pictures
    listing = f"{live_server.url}/admin/registrations/registration/?webinar__id__exact={webinar.pk}"
    page.goto(listing)
    assert "maria.rossi@cgm.coop" in page.content()

    with page.expect_download() as download_info:
        page.evaluate("url => { window.location.href = url }", listing + "&export=csv")
    rows = list(
        csv.reader(
            io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig")), delimiter=";"
        )
    )
    assert any("maria.rossi@cgm.coop" in row for row in rows[1:])

    # The webinar's editor and its preview panel: the page, in a frame of the site's own.
    page.goto(f"{live_server.url}/admin/pages/{webinar.pk}/edit/")
    page.locator('[data-side-panel-toggle="preview"]').click()
    expect(page.frame_locator("#w-preview-iframe").locator("h1")).to_have_text(webinar.title)
    # Nothing on the way (webinar page, confirmation, admin login, dashboard, listing,
    # editor, preview) was refused by the pages' Content-Security-Policy.
    assert csp_violations == []


def test_an_address_outside_the_network_gets_the_members_only_email(webinar, live_server, page):
    page.goto(live_server.url + webinar.url)
    fill_form(page, "maria.rossi@gmail.com")
    page.wait_for_url("**/controlla-la-posta/")
    # The same page as for a member: the site does not tell who belongs to the network.
    assert page.locator("h1").inner_text() == "Controlla la tua casella di posta"
    [message] = mail.outbox
    assert not CONFIRM_LINK.search(message.body)
    assert ACCESS_LINK.search(message.body)
