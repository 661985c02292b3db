"""The home page: the latest story as one large card, the upcoming webinars, then the
latest posts of each category. Nothing is listed twice, and it costs the same few
queries however many posts there are."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

import pytest
import time_machine

from cgmsite import page_cache
from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory, days_from_now
from tests.factories import ArticlePageFactory, CategoryFactory, ImageFactory
from tests.utils import soup, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(site_tree):
    site_tree.webinar_index = WebinarIndexPageFactory(parent=site_tree.home)
    site_tree.educazione = CategoryFactory(name="Educazione", slug="educazione")
    site_tree.formazione = CategoryFactory(name="Formazione", slug="formazione")
    return site_tree


def home(client):
    page = soup(client.get("/"))
    groups = {
        text_of(group.h3): [text_of(a) for a in group.select("li a")]
        for group in page.select(".home-category")
    }
    return {
        "lead": [text_of(a) for a in page.select(".home-lead .card__title a")],
        "upcoming": [text_of(a) for a in page.select(".upcoming .card__title a")],
        "groups": groups,
        "page": page,
    }


def every_title(shown) -> list[str]:
    return [
        *shown["lead"],
        *shown["upcoming"],
        *[title for titles in shown["groups"].values() for title in titles],
    ]


def test_the_home_page_leads_with_the_latest_story(client, tree):
    ArticlePageFactory(
        parent=tree.news_index,
        title="Più vecchio",
        date=date(2020, 4, 1),
        categories=[tree.educazione],
    )
    ArticlePageFactory(
        parent=tree.news_index,
        title="L’ultima notizia",
        standfirst="La riflessione di Giuseppe Bruno.",
        date=date(2020, 4, 23),
        hero_image=ImageFactory(),
        categories=[tree.educazione],
    )

    shown = home(client)
    lead = shown["page"].select_one(".home-lead .card--lead")
    assert shown["lead"] == ["L’ultima notizia"]
    assert text_of(lead.select_one(".card__summary")) == "La riflessione di Giuseppe Bruno."
    assert lead.picture.img["alt"] == ""
    assert shown["groups"] == {"Educazione": ["Più vecchio"]}
    # The sections follow the page's order: lead, webinars, categories.
    headings = [text_of(h) for h in shown["page"].select("main h2")]
    assert headings == ["In primo piano", "Le ultime notizie per categoria"]


def test_no_webinar_is_listed_twice(client, tree):
    """A webinar that is the latest story is not among the upcoming webinars, an upcoming
    one is not under its categories, and one of two categories is under the first."""
    today = timezone.localdate()
    WebinarPageFactory(
        parent=tree.webinar_index,
        title="Il più recente",
        date=today,
        start=days_from_now(5),
        categories=[tree.educazione, tree.formazione],
    )
    WebinarPageFactory(
        parent=tree.webinar_index,
        title="In arrivo",
        date=today - timedelta(days=3),
        start=days_from_now(10),
        categories=[tree.educazione, tree.formazione],
    )
    WebinarPageFactory(
        parent=tree.webinar_index,
        title="Già svolto",
        date=today - timedelta(days=30),
        start=days_from_now(-20),
        categories=[tree.educazione, tree.formazione],
    )
    ArticlePageFactory(
        parent=tree.news_index,
        title="Solo formazione",
        date=today - timedelta(days=40),
        categories=[tree.formazione],
    )

    shown = home(client)
    assert shown["lead"] == ["Il più recente"]
    assert shown["upcoming"] == ["In arrivo"]
    assert shown["groups"] == {
        "Educazione": ["Già svolto"],
        "Formazione": ["Solo formazione"],
    }
    titles = every_title(shown)
    assert len(titles) == len(set(titles))


def test_each_category_lists_its_latest_three_posts(client, tree):
    for day in range(1, 6):
        ArticlePageFactory(
            parent=tree.news_index,
            title=f"Educazione {day}",
            date=date(2020, 4, day),
            categories=[tree.educazione],
        )
    group = home(client)["page"].select_one(".home-category")
    assert group.h3.a["href"] == "/notizie/categoria/educazione/"
    # The latest (day 5) is the lead story.
    assert [text_of(a) for a in group.select("li a")] == [
        "Educazione 4",
        "Educazione 3",
        "Educazione 2",
    ]
    assert text_of(group.select_one("li time")) == "4 aprile 2020"


def test_a_webinar_under_a_category_shows_its_own_day(client, tree):
    ArticlePageFactory(parent=tree.news_index, title="Ultima", date=timezone.localdate())
    start = days_from_now(-20)
    WebinarPageFactory(
        parent=tree.webinar_index,
        title="Già svolto",
        date=timezone.localdate() - timedelta(days=30),
        start=start,
        categories=[tree.formazione],
    )
    item = home(client)["page"].select_one(".home-category li")
    assert text_of(item.a) == "Già svolto"
    assert item.time["datetime"].startswith(start.date().isoformat())


def test_a_webinar_leaves_the_upcoming_ones_when_it_ends_with_no_edit(client, tree, settings):
    """The sections are kept between changes, never past the moment a webinar ends."""
    settings.PAGE_CACHE_ENABLED = False  # the sections' own fragment, not the page cache
    ArticlePageFactory(
        parent=tree.news_index,
        title="Notizia",
        date=timezone.localdate(),
        categories=[tree.educazione],
    )
    start = timezone.now() + timedelta(hours=1)
    WebinarPageFactory(
        parent=tree.webinar_index,
        title="Tra un’ora",
        date=timezone.localdate() - timedelta(days=1),
        start=start,
        end=start + timedelta(hours=1),
        categories=[tree.formazione],
    )
    first = home(client)
    assert first["upcoming"] == ["Tra un’ora"]
    assert home(client)["upcoming"] == ["Tra un’ora"]
    with time_machine.travel(start + timedelta(hours=1, minutes=1)):
        shown = home(client)
    assert shown["upcoming"] == []
    assert shown["groups"]["Formazione"] == ["Tra un’ora"]


def test_an_empty_site_says_so(client, tree):
    page = home(client)["page"]
    assert text_of(page.select_one("main .empty")) == "Non ci sono ancora contenuti qui."


def count_queries(client) -> int:
    assert client.get("/").status_code == 200  # renditions, fragment caches
    page_cache.purge_paths(["/"])  # the home's sections are rendered again: counted
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries.captured_queries)


def test_the_home_page_runs_a_constant_number_of_queries(client, tree, settings):
    settings.PAGE_CACHE_ENABLED = False  # count the rendering, not a cache hit
    categories = [tree.educazione, tree.formazione]

    def add(count, offset):
        for n in range(count):
            day = timezone.localdate() - timedelta(days=offset + n)
            ArticlePageFactory(
                parent=tree.news_index,
                date=day,
                hero_image=ImageFactory(file__width=160, file__height=90),
                categories=categories,
            )
            WebinarPageFactory(
                parent=tree.webinar_index,
                date=day,
                start=days_from_now(offset + n + 1),
                hero_image=ImageFactory(file__width=160, file__height=90),
                categories=categories,
            )

    add(2, 0)
    few = count_queries(client)
    assert len(every_title(home(client))) == 4
    add(10, 2)
    many = count_queries(client)
    assert len(every_title(home(client))) == 1 + 3 + 3 + 3
    assert few == many
