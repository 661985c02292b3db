"""An address outside the network, in Chromium against the live server, mail over SMTP.

It gets the members-only e-mail, asks for access, staff approve it in the admin, the
person confirms and is invited.
"""

from django.contrib.auth import get_user_model

import pytest

from registrations.models import Registration
from tests.browser.conftest import (
    ACCESS_LINK,
    CONFIRM_LINK,
    JOIN_LINK,
    STAFF_PASSWORD,
    press,
    type_in_form_with_keyboard,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_an_address_outside_the_network_asks_for_access_and_staff_approve_it(
    open_webinar, live_server, page, browser, mailbox, a11y
):
    page.goto(live_server.url + open_webinar.url)
    type_in_form_with_keyboard(page, "maria.rossi@gmail.com")
    page.wait_for_url("**/controlla-la-posta/")
    # The same page as for a member: the site does not tell who belongs to the network.
    assert page.locator("h1").inner_text() == "Controlla la tua casella di posta"
    members_only = mailbox.text(mailbox.last("maria.rossi@gmail.com"))
    assert not CONFIRM_LINK.search(members_only)
    page.goto(ACCESS_LINK.search(members_only).group(0))
    a11y.check("request access, ask")
    press(page, "Invia la mia richiesta")
    page.wait_for_selector("h1")
    a11y.check("request access, sent")
    assert Registration.objects.get().status == Registration.Status.PENDING_REVIEW

    staff = get_user_model().objects.create_superuser("staff", "staff@cgm.coop", STAFF_PASSWORD)
    admin = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    desk = admin.new_page()
    desk.goto(live_server.url + "/admin/login/")
    desk.locator("input[name=username]").fill(staff.username)
    desk.locator("input[name=password]").fill(STAFF_PASSWORD)
    desk.locator("main form button[type=submit]").click()
    desk.wait_for_url("**/admin/")
    desk.goto(
        f"{live_server.url}/admin/registrations/registration/?webinar__id__exact={open_webinar.pk}"
    )
    row = desk.locator("tr", has_text="maria.rossi@gmail.com")
    row.get_by_role("button", name="Approva l’accesso").click()
    desk.wait_for_selector("text=maria.rossi@gmail.com")
    admin.close()

    approved = mailbox.last("maria.rossi@gmail.com")
    page.goto(CONFIRM_LINK.search(mailbox.text(approved)).group(0))
    press(page, "Conferma la mia iscrizione")
    page.wait_for_selector("text=La tua iscrizione è confermata")
    assert Registration.objects.get().status == Registration.Status.CONFIRMED
    invitation = mailbox.last("maria.rossi@gmail.com")
    assert JOIN_LINK.search(mailbox.text(invitation))
    assert "METHOD:REQUEST" in mailbox.calendar(invitation)
