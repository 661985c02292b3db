"""The webinar page types: where editors can create them and what a webinar page shows."""

from datetime import UTC, timedelta
from urllib.parse import parse_qs, urlsplit

from django.utils import timezone

from wagtail.models import Collection, Page
from wagtail.test.utils import WagtailPageTestCase

import factory
import pytest
import wagtail_factories

from cgmsite.models import HomePage
from events.models import RegistrationState, WebinarIndexPage, WebinarPage
from news.models import ArticlePage, NewsIndexPage
from tests.events.factories import (
    WebinarIndexPageFactory,
    WebinarPageFactory,
    days_from_now,
    rome,
)
from tests.factories import CategoryFactory, ImageFactory, build_site_tree
from tests.utils import soup, text_of


class TestPageTree(WagtailPageTestCase):
    """Webinars live under the single webinar index, which lives under the home page."""

    @classmethod
    def setUpTestData(cls):
        cls.tree = build_site_tree()
        cls.webinar_index = WebinarIndexPageFactory(parent=cls.tree.home)
        cls.webinar = WebinarPageFactory(parent=cls.webinar_index, slug="un-webinar")

    def test_webinar_index_only_under_the_home_page(self):
        self.assertCanCreateAt(HomePage, WebinarIndexPage)
        self.assertAllowedParentPageTypes(WebinarIndexPage, {HomePage})
        for parent in (Page, NewsIndexPage, ArticlePage, WebinarIndexPage, WebinarPage):
            self.assertCanNotCreateAt(parent, WebinarIndexPage)

    def test_webinar_only_under_the_webinar_index(self):
        self.assertCanCreateAt(WebinarIndexPage, WebinarPage)
        self.assertAllowedParentPageTypes(WebinarPage, {WebinarIndexPage})
        self.assertAllowedSubpageTypes(WebinarIndexPage, {WebinarPage})
        self.assertAllowedSubpageTypes(WebinarPage, set())
        for parent in (Page, HomePage, NewsIndexPage, ArticlePage):
            self.assertCanNotCreateAt(parent, WebinarPage)

    def test_only_one_webinar_index(self):
        # max_count = 1: with the index in place, the home page offers no second one.
        assert not WebinarIndexPage.can_create_at(self.tree.home)

    def test_pages_render_and_route(self):
        self.assertPageIsRoutable(self.webinar_index)
        self.assertPageIsRenderable(self.webinar_index)
        self.assertPageIsRoutable(self.webinar)
        self.assertPageIsRenderable(self.webinar)
        assert self.webinar.url == "/webinar/un-webinar/"


@pytest.fixture
def programme(db):
    return wagtail_factories.DocumentFactory(
        title="Programma del webinar",
        collection=Collection.get_first_root_node(),
        file=factory.django.FileField(filename="programma.pdf", data=b"%PDF-1.4\n%%EOF\n"),
    )


@pytest.fixture
def full_webinar(webinar_tree, programme):
    return WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        title="Le imprese sociali dell’educazione",
        slug="imprese-sociali-educazione",
        standfirst="Lo speciale appuntamento online dell’area educazione della rete CGM.",
        topic_area="Sistemi di Gestione",
        start=rome(2020, 4, 17, 10, 30),
        end=rome(2020, 4, 17, 12, 0),
        abstract="<p>Rileggeremo assieme le esperienze educative di questo periodo.</p>",
        agenda=[
            ("point", "Le nuove pratiche richieste dal sistema sanitario"),
            ("point", "Le piattaforme per la didattica a distanza"),
        ],
        speakers=[
            ("Laura Malavasi", "pedagogista", "speaker"),
            ("Francesca Battistoni", "esperta in innovazione sociale", "speaker"),
            ("Flaviano Zandonai", "", "moderator"),
        ],
        programme=programme,
        contact_email="simona.taraschi@cgm.coop",
        categories=[CategoryFactory(name="Educazione", slug="educazione")],
    )


@pytest.mark.django_db
def test_webinar_page_shows_title_standfirst_topic_and_schedule(client, full_webinar):
    response = client.get("/webinar/imprese-sociali-educazione/")
    assert response.status_code == 200
    page = soup(response)

    header = page.select_one(".post__header")
    assert page.h1.get_text(strip=True) == "Le imprese sociali dell’educazione"
    assert header.select_one(".lead").get_text(strip=True) == full_webinar.standfirst
    assert "Sistemi di Gestione" in text_of(header.select_one(".eyebrow"))
    assert [a.get_text(strip=True) for a in header.select(".badge")] == ["Educazione"]

    when = header.select_one(".webinar__when")
    label = text_of(when)
    assert "venerdì 17 aprile 2020" in label
    assert "10:30" in label
    assert "12:00" in label
    assert label.index("10:30") < label.index("12:00")
    assert when.time["datetime"] == "2020-04-17T10:30:00+02:00"


@pytest.mark.django_db
def test_webinar_page_shows_conditions_abstract_agenda_and_speakers(client, full_webinar):
    page = soup(client.get(full_webinar.url))

    conditions = page.select(".webinar__conditions li")
    assert len(conditions) == 3
    assert "Microsoft Teams" in text_of(conditions[1])

    abstract = page.select_one('section[aria-labelledby="abstract-heading"]')
    assert "Rileggeremo assieme le esperienze educative di questo periodo." in text_of(abstract)

    assert [text_of(li) for li in page.select(".agenda li")] == [
        "Le nuove pratiche richieste dal sistema sanitario",
        "Le piattaforme per la didattica a distanza",
    ]

    speakers = page.select(".speakers .speaker")
    assert [s.strong.get_text(strip=True) for s in speakers] == [
        "Laura Malavasi",
        "Francesca Battistoni",
        "Flaviano Zandonai",
    ]
    assert text_of(speakers[0]) == "Laura Malavasi, pedagogista"
    assert text_of(speakers[1]) == "Francesca Battistoni, esperta in innovazione sociale"
    # Only the moderator carries the badge.
    assert [bool(s.select(".badge")) for s in speakers] == [False, False, True]


@pytest.mark.django_db
def test_webinar_page_links_programme_contact_and_calendar(client, full_webinar, programme):
    page = soup(client.get(full_webinar.url))

    download = page.select_one(".webinar__info .document-link a")
    assert download["href"] == programme.url
    assert download.has_attr("download")
    assert "PDF" in text_of(page.select_one(".document-link__meta"))
    assert client.get(download["href"]).status_code == 200

    mailto = page.select_one('.webinar__info a[href^="mailto:"]')
    assert mailto["href"] == "mailto:simona.taraschi@cgm.coop"
    assert mailto.get_text(strip=True) == "simona.taraschi@cgm.coop"

    calendar = page.select_one("a.calendar-link")
    assert calendar["href"] == "/webinar/imprese-sociali-educazione/calendario.ics"
    alternate = page.find("link", rel="alternate", type="text/calendar")
    assert alternate["href"] == "/webinar/imprese-sociali-educazione/calendario.ics"
    assert client.get(calendar["href"]).status_code == 200


@pytest.mark.django_db
def test_webinar_without_programme_or_contact_has_no_information_block(client, webinar_tree):
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index, programme=None, contact_email="", members_only=False
    )
    article = soup(client.get(webinar.url)).select_one("article.webinar")
    assert article.select(".webinar__info") == []
    assert article.select('a[href^="mailto:"]') == []


def _not_yet_open():
    return {"registration_opens_at": timezone.now() + timedelta(days=5)}


def _closed():
    return {
        "start": days_from_now(2),
        "registration_closes_at": timezone.now() - timedelta(days=1),
    }


def _past():
    return {"start": days_from_now(-10), "end": days_from_now(-10, hour=12)}


REGISTRATION_STATES = {
    RegistrationState.NOT_YET_OPEN: _not_yet_open,
    RegistrationState.OPEN: dict,
    RegistrationState.FULL: lambda: {"capacity": 2},
    RegistrationState.CLOSED: _closed,
    RegistrationState.CANCELLED: lambda: {"status": WebinarPage.Status.CANCELLED},
    RegistrationState.PAST: _past,
}


@pytest.mark.django_db
@pytest.mark.parametrize("state", list(REGISTRATION_STATES), ids=str)
def test_each_registration_state_has_its_own_block(client, webinar_tree, seats_taken, state):
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        title="Accogliere nei servizi educativi",
        abstract="<p>Buone prassi di accoglienza.</p>",
        speakers=[("Laura Malavasi", "pedagogista", "speaker")],
        **REGISTRATION_STATES[state](),
    )
    # Two seats are taken: only the webinar with capacity 2 is full.
    with seats_taken(2):
        response = client.get(webinar.url)

    # Past and cancelled webinars stay readable, with all their content.
    assert response.status_code == 200
    page = soup(response)
    blocks = page.select(".registration-state")
    assert len(blocks) == 1
    assert f"registration-state--{state}" in blocks[0]["class"]
    assert blocks[0].get_text(strip=True)
    assert page.h1.get_text(strip=True) == "Accogliere nei servizi educativi"
    assert "Buone prassi di accoglienza." in text_of(page.select_one(".prose"))
    assert text_of(page.select_one(".speaker")) == "Laura Malavasi, pedagogista"
    assert page.select_one(".webinar__when").get_text(strip=True)


@pytest.mark.django_db
def test_capacity_not_reached_stays_open(client, webinar_tree, seats_taken):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, capacity=3)
    with seats_taken(2):
        page = soup(client.get(webinar.url))
    assert page.select(".registration-state--open")
    assert not page.select(".registration-state--full")


@pytest.mark.django_db
def test_not_yet_open_block_shows_the_opening_date(client, webinar_tree):
    opens = rome(2099, 3, 2, 9, 0)
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        start=rome(2099, 4, 17, 10, 30),
        registration_opens_at=opens,
    )
    block = soup(client.get(webinar.url)).select_one(".registration-state--not_yet_open")
    assert "lunedì 2 marzo 2099" in text_of(block)
    assert "09:00" in text_of(block)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end", "day", "start_time", "end_time", "iso_start"),
    [
        # 29 March 2026: clocks go forward (CET → CEST) at 02:00.
        (
            rome(2026, 3, 29, 10, 0),
            rome(2026, 3, 29, 11, 30),
            "domenica 29 marzo 2026",
            "10:00",
            "11:30",
            "2026-03-29T10:00:00+02:00",
        ),
        # 25 October 2026: clocks go back (CEST → CET) at 03:00.
        (
            rome(2026, 10, 25, 10, 0),
            rome(2026, 10, 25, 11, 30),
            "domenica 25 ottobre 2026",
            "10:00",
            "11:30",
            "2026-10-25T10:00:00+01:00",
        ),
        # A night-time webinar that spans the change itself.
        (
            rome(2026, 10, 25, 1, 30),
            rome(2026, 10, 25, 4, 0),
            "domenica 25 ottobre 2026",
            "01:30",
            "04:00",
            "2026-10-25T01:30:00+02:00",
        ),
    ],
    ids=["spring-forward", "fall-back", "across-the-change"],
)
def test_schedule_is_in_italian_time_across_daylight_saving_changes(
    client, webinar_tree, start, end, day, start_time, end_time, iso_start
):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, start=start, end=end)
    stored = WebinarPage.objects.get(pk=webinar.pk)
    assert (stored.start, stored.end) == (start, end)

    when = soup(client.get(webinar.url)).select_one(".webinar__when")
    label = text_of(when)
    assert day in label
    assert f"{start_time}–{end_time}" in label
    assert when.time["datetime"] == iso_start


@pytest.mark.django_db
def test_google_and_outlook_links_carry_the_public_details_only(client, webinar_tree):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, title="Bilancio sociale")
    page = soup(client.get(webinar.url))
    links = {a.get_text(strip=True): a["href"] for a in page.select(".calendar-links a")}
    google = parse_qs(urlsplit(links["Aggiungi a Google Calendar"]).query)
    assert google["text"] == ["Bilancio sociale"]
    start = webinar.start.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert google["dates"][0].startswith(f"{start}/")
    outlook = parse_qs(urlsplit(links["Aggiungi a Outlook"]).query)
    assert outlook["subject"] == ["Bilancio sociale"]
    assert f"http://testserver{webinar.url}" in outlook["body"][0]
    for href in links.values():
        assert "teams.microsoft.com" not in href and "meetup-join" not in href
    # An inline icon, not an emoji that shows as an empty box without an emoji font.
    assert page.select_one(".calendar-link svg[aria-hidden=true]") is not None
    css = b"".join(client.get("/static/css/site.css").streaming_content).decode()
    assert "📅" not in css


@pytest.mark.django_db
def test_a_past_webinar_offers_no_add_to_calendar_links(client, webinar_tree):
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index, start=days_from_now(-3), end=days_from_now(-3, 12)
    )
    links = [
        a.get_text(strip=True) for a in soup(client.get(webinar.url)).select(".calendar-links a")
    ]
    assert links == ["Aggiungi al calendario (.ics)"]


@pytest.mark.django_db
def test_an_english_photo_credit_on_a_webinar_is_marked_as_english(client, full_webinar):
    full_webinar.hero_image = ImageFactory(description="Una sala")
    full_webinar.hero_image_credit = "Photo by cottonbro from Pexels"
    full_webinar.hero_image_credit_lang = "en"
    full_webinar.save_revision().publish()
    credit = soup(client.get(full_webinar.url)).select_one("figcaption.credit")
    assert credit["lang"] == "en"
    assert text_of(credit) == "Photo by cottonbro from Pexels"
