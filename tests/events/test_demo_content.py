"""``manage.py load_demo_content``: the seed webinars and one upcoming demo webinar."""

from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from wagtail.models import Page

import pytest
from icalendar import Calendar

from cgmsite.demo import seed
from events.models import WebinarPage
from tests.events.factories import rome
from tests.utils import listed_titles, soup, text_of

# The seed's schedule, as the announcements state it, in Italian time.
SEED_SCHEDULE = {
    "gestione-privacy-salute": (rome(2020, 4, 15, 15, 0), rome(2020, 4, 15, 16, 30)),
    "gestione-rischio-clinico": (rome(2020, 4, 8, 15, 0), rome(2020, 4, 8, 16, 30)),
    "imprese-sociali-educazione": (rome(2020, 4, 17, 10, 30), rome(2020, 4, 17, 12, 0)),
}
DEMO_SLUG = "webinar-di-prova-iscrizioni"


def load_demo_content() -> str:
    out = StringIO()
    call_command("load_demo_content", stdout=out)
    return out.getvalue()


@pytest.mark.django_db
def test_demo_content_creates_the_seed_webinars_once(client):
    first_output = load_demo_content()
    assert "0 objects created" not in first_output

    seed_by_slug = {item["slug"]: item for item in seed.WEBINARS}
    assert set(seed_by_slug) == set(SEED_SCHEDULE)
    webinars = {w.slug: w for w in WebinarPage.objects.live()}
    assert set(webinars) == {*SEED_SCHEDULE, DEMO_SLUG, "webinar-di-prova-posti-esauriti"}

    for slug, item in seed_by_slug.items():
        webinar = webinars[slug]
        assert webinar.title == item["title"]
        assert (webinar.start, webinar.end) == SEED_SCHEDULE[slug], slug
        assert timezone.localtime(webinar.start).tzname() == "CEST"
        assert [(s.name, s.description, s.role) for s in webinar.speakers.all()] == [
            tuple(speaker) for speaker in item["speakers"]
        ]
        assert sorted(c.slug for c in webinar.categories.all()) == sorted(item["categories"])
        assert [block.value for block in webinar.agenda] == item["agenda"]
        assert bool(webinar.programme) == item["has_programme"]

    demo = webinars[DEMO_SLUG]
    assert demo.start > timezone.now()
    assert demo.end > demo.start
    assert demo.speakers.exists()
    assert demo.categories.exists()

    # /webinar/ lists them all: the two demo ones as upcoming, the seed ones as past.
    response = client.get("/webinar/")
    assert response.status_code == 200
    page = soup(response)
    upcoming = page.find("section", attrs={"aria-labelledby": "upcoming-heading"})
    past = page.find("section", attrs={"aria-labelledby": "past-heading"})
    full = webinars["webinar-di-prova-posti-esauriti"]
    assert [text_of(a) for a in upcoming.select(".card__title a")] == [demo.title, full.title]
    assert [text_of(a) for a in past.select(".card__title a")] == [
        seed_by_slug[slug]["title"]
        for slug in (
            "imprese-sociali-educazione",
            "gestione-privacy-salute",
            "gestione-rischio-clinico",
        )
    ]

    # The seed's announcement reads «venerdì 17 aprile alle 10.30».
    page = soup(client.get("/webinar/imprese-sociali-educazione/"))
    when = text_of(page.select_one(".webinar__when"))
    assert "venerdì 17 aprile 2020" in when
    assert "10:30" in when

    for webinar in webinars.values():
        response = client.get(f"/webinar/{webinar.slug}/calendario.ics")
        assert response.status_code == 200, webinar.slug
        events = Calendar.from_ical(response.content).walk("VEVENT")
        assert [str(event["SUMMARY"]) for event in events] == [webinar.title]
        start = events[0]["DTSTART"]
        assert start.params["TZID"] == "Europe/Rome"
        assert start.dt == webinar.start
        assert client.get(webinar.url).status_code == 200

    pages_before = Page.objects.count()
    second_output = load_demo_content()
    assert "0 objects created" in second_output
    assert Page.objects.count() == pages_before
    assert WebinarPage.objects.count() == 5
    assert len(listed_titles(client.get("/webinar/"))) == 5
