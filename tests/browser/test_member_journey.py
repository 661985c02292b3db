"""A member on a real day, in Chromium against the live server, mail over real SMTP.

She signs up with the keyboard only, confirms from the e-mail, is invited (join link and
calendar file); Outlook then deletes the invitation, so she asks "le mie iscrizioni" for a
new link, reaches her join link there, cancels, and the seat is free again. Every page on
the way passes axe-core's WCAG A/AA rules at 375 and 1280 px.
"""

import pytest

from registrations import selectors
from registrations.models import Registration
from tests.browser.conftest import (
    CONFIRM_LINK,
    JOIN_LINK,
    MINE_LINK,
    press,
    type_in_form_with_keyboard,
)

pytestmark = pytest.mark.django_db(transaction=True)


def test_member_signs_up_confirms_and_manages_the_registration_from_my_registrations(
    open_webinar, live_server, page, mailbox, a11y, csp_violations
):
    page.goto(live_server.url + open_webinar.url)
    a11y.check("webinar page, empty form")
    type_in_form_with_keyboard(page, "Maria.Rossi@CGM.coop")
    page.wait_for_url("**/controlla-la-posta/")
    assert page.locator("h1").inner_text() == "Controlla la tua casella di posta"
    a11y.check("check your inbox")

    confirmation = mailbox.last("maria.rossi@cgm.coop")
    text = mailbox.text(confirmation)
    assert open_webinar.teams_join_url not in text + mailbox.html(confirmation)
    page.goto(CONFIRM_LINK.search(text).group(0))
    # Opening the link alone changes nothing (mail scanners open links too).
    assert Registration.objects.get().status == Registration.Status.PENDING_CONFIRMATION
    press(page, "Conferma la mia iscrizione")
    page.wait_for_selector("text=La tua iscrizione è confermata")
    a11y.check("confirmation")
    assert selectors.seats_taken(open_webinar) == 1

    invitation = mailbox.last("maria.rossi@cgm.coop")
    assert invitation is not confirmation
    personal_join = JOIN_LINK.search(mailbox.text(invitation)).group(0)
    calendar = mailbox.calendar(invitation)
    assert "METHOD:REQUEST" in calendar and "Accogliere nei servizi educativi" in calendar

    # Outlook deleted the invitation once its calendar entry was accepted; she asks again.
    page.goto(live_server.url + "/iscrizioni/le-mie/")
    a11y.check("my registrations, ask for the link")
    page.get_by_role("textbox", name="E-mail").fill("maria.rossi@cgm.coop")
    press(page, "Inviami il link")
    page.wait_for_selector("[role=status]")
    a11y.check("my registrations, link sent")
    page.goto(MINE_LINK.search(mailbox.text(mailbox.last("maria.rossi@cgm.coop"))).group(0))
    assert page.locator("h1").inner_text() == "Le mie iscrizioni"
    entry = page.locator("section.card", has_text="Accogliere nei servizi educativi")
    assert "Confermata" in entry.inner_text()
    join = entry.get_by_role("link", name="Partecipa al webinar")
    assert join.evaluate("a => a.href") == personal_join
    a11y.check("my registrations")
    mine = page.url

    # The link opens the meeting in Teams (answered here by a stand-in), with no Referer.
    reached_teams = []

    def teams(route):
        reached_teams.append((route.request.url, route.request.headers.get("referer")))
        route.fulfill(body="<title>Microsoft Teams</title>", content_type="text/html")

    page.route("https://teams.microsoft.com/**", teams)
    join.click()
    page.wait_for_url("https://teams.microsoft.com/**")
    assert reached_teams == [(open_webinar.teams_join_url, None)]
    page.goto(mine)
    entry = page.locator("section.card", has_text="Accogliere nei servizi educativi")

    entry.get_by_role("link", name="Annulla l’iscrizione").click()
    a11y.check("cancellation, ask")
    press(page, "Annulla la mia iscrizione")
    page.wait_for_selector("h1")
    a11y.check("cancellation, done")
    assert Registration.objects.get().status == Registration.Status.CANCELLED
    assert selectors.seats_taken(open_webinar) == 0
    page.goto(live_server.url + open_webinar.url)
    assert "Ancora 20 posti." in page.locator("main").inner_text()
    assert csp_violations == []
