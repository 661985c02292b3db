"""Staff in the admin, in Chromium against the live server: a webinar's registrations,
read at 1280 px without a word broken or a column hidden, and downloaded as CSV."""

import csv
import io

from django.contrib.auth import get_user_model
from django.utils import timezone

import pytest

from registrations.models import MemberDomain, MemberOrganisation, Registration
from tests.browser.conftest import STAFF_PASSWORD
from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
from tests.factories import build_site_tree

pytestmark = pytest.mark.django_db(transaction=True)

# Every piece of text between spaces, "@", "." and "-" inside the list's cells that the
# browser laid out on more than one line: a word broken in two.
BROKEN_WORDS = """() => {
    const broken = [];
    const table = document.querySelector("main table");
    const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        for (const match of node.textContent.matchAll(/[^\\s@.-]+/g)) {
            const range = document.createRange();
            range.setStart(node, match.index);
            range.setEnd(node, match.index + match[0].length);
            const lines = new Set([...range.getClientRects()].map(rect => Math.round(rect.top)));
            if (lines.size > 1) broken.push(match[0]);
        }
    }
    return broken;
}"""


@pytest.fixture
def registrations(wagtail_bootstrap, live_server):
    tree = build_site_tree()
    index = WebinarIndexPageFactory(parent=tree.home)
    organisation = MemberOrganisation.objects.create(name="Consorzio Cooperative Sociali")
    MemberDomain.objects.create(organisation=organisation, domain="consorzio-cooperative.it")
    webinar = WebinarPageFactory(
        parent=index, title="Rischio clinico e rischio sanitario nei servizi", capacity=2
    )
    other = WebinarPageFactory(parent=index, title="Bilancio sociale")
    people = [
        ("Luca", "Bianchi", "luca.bianchi.amministrazione@consorzio-cooperative.it", "confirmed"),
        ("Anna", "Verdi", "anna.verdi@consorzio-cooperative.it", "confirmed"),
        ("Giulia", "Neri", "giulia.neri@consorzio-cooperative.it", "waitlisted"),
        ("Paolo", "Russo", "paolo.russo.segreteria@gmail.com", "pending_review"),
    ]
    for first, last, email, status in people:
        Registration.objects.create(
            webinar=webinar,
            first_name=first,
            last_name=last,
            email=email,
            organisation_name="Cooperativa Sociale Il Girasole Onlus",
            member_organisation=None if "gmail" in email else organisation,
            status=status,
            waitlist_position=1 if status == "waitlisted" else None,
            consent_at=timezone.now(),
        )
    Registration.objects.create(
        webinar=other,
        first_name="Marta",
        last_name="Galli",
        email="marta.galli@consorzio-cooperative.it",
        organisation_name="Altra cooperativa",
        member_organisation=organisation,
        status="confirmed",
        consent_at=timezone.now(),
    )
    get_user_model().objects.create_superuser("staff", "staff@cgm.coop", STAFF_PASSWORD)
    return webinar


def test_staff_read_a_webinars_registrations_and_download_them(
    registrations, live_server, page, csp_violations
):
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("staff")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/admin/")

    page.goto(live_server.url + "/admin/registrations/registration/")
    page.get_by_role("button", name="Filtri").click()
    page.get_by_role("button", name="Webinar").click()
    page.get_by_role("link", name="Rischio clinico e rischio sanitario nei servizi").click()
    page.wait_for_url(f"**webinar__id__exact={registrations.pk}*")
    rows = page.locator("main table tbody tr")
    assert rows.count() == 4
    assert "marta.galli" not in page.inner_text("main")
    for width in (1280, 1024):
        page.set_viewport_size({"width": width, "height": 900})
        overflow = page.evaluate(
            """() => {
                // Wagtail's listings run to the edge of the content area (their first
                // and last cells carry its padding); past it, they are cut off.
                const table = document.querySelector("main table");
                const main = table.closest("main");
                return Math.max(
                    table.getBoundingClientRect().right - main.getBoundingClientRect().right,
                    table.scrollWidth - table.clientWidth,
                );
            }"""
        )
        assert overflow <= 0, f"the list is {overflow}px wider than its column at {width}px"
        assert page.evaluate(BROKEN_WORDS) == [], f"words broken at {width}px"
        for button in page.locator("main table button, main table .button").all():
            assert button.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), button.inner_text()

    with page.expect_download() as download:
        page.get_by_role("link", name="Scarica XLSX").locator("xpath=..").locator(
            "[data-w-dropdown-target=toggle]"
        ).click()
        page.get_by_role("link", name="Scarica CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert sorted(row["email"] for row in rows) == [
        "anna.verdi@consorzio-cooperative.it",
        "giulia.neri@consorzio-cooperative.it",
        "luca.bianchi.amministrazione@consorzio-cooperative.it",
        "paolo.russo.segreteria@gmail.com",
    ]
    assert {row["webinar"] for row in rows} == {"Rischio clinico e rischio sanitario nei servizi"}
    assert csp_violations == []
