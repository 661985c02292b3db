"""Where readers meet webinars: /webinar/, the home page, and the news stream they share
with articles (/notizie/, category pages, feeds and search)."""

from datetime import date, timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import dateformat

import feedparser
import pytest
from icalendar import Calendar

from tests.events.factories import WebinarPageFactory, days_from_now
from tests.factories import ArticlePageFactory, CategoryFactory, ImageFactory
from tests.utils import listed_titles, soup

WORD = "ornitorinco"


def section_titles(response, heading_id):
    section = soup(response).find("section", attrs={"aria-labelledby": heading_id})
    if section is None:
        return []
    return [a.get_text(strip=True) for a in section.select(".card__title a")]


def feed_titles(response):
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return [entry.title for entry in feed.entries]


def ics_summaries(response):
    calendar = Calendar.from_ical(response.content)
    return [str(event["SUMMARY"]) for event in calendar.walk("VEVENT")]


@pytest.mark.django_db
def test_upcoming_soonest_first_then_past_newest_first(client, webinar_tree):
    index = webinar_tree.webinar_index
    # Created in an order that matches neither listing.
    WebinarPageFactory(parent=index, title="Tra dieci giorni", start=days_from_now(10))
    WebinarPageFactory(parent=index, title="Venti giorni fa", start=days_from_now(-20))
    WebinarPageFactory(parent=index, title="Tra tre giorni", start=days_from_now(3))
    WebinarPageFactory(parent=index, title="Cinque giorni fa", start=days_from_now(-5))

    response = client.get("/webinar/")

    assert response.status_code == 200
    assert listed_titles(response) == [
        "Tra tre giorni",
        "Tra dieci giorni",
        "Cinque giorni fa",
        "Venti giorni fa",
    ]
    assert section_titles(response, "upcoming-heading") == ["Tra tre giorni", "Tra dieci giorni"]
    assert section_titles(response, "past-heading") == ["Cinque giorni fa", "Venti giorni fa"]
    page = soup(response)
    assert page.find("h2", id="upcoming-heading").get_text(strip=True)
    assert page.find("h2", id="past-heading").get_text(strip=True)
    # The cards show when each webinar takes place, in Italian.
    day = dateformat.format(days_from_now(3), "l j F Y").lower()
    first_card_when = page.select_one(".card__when").get_text(" ", strip=True)
    assert day in first_card_when
    assert "10:30" in first_card_when


@pytest.mark.django_db
def test_webinar_under_way_is_still_upcoming(client, webinar_tree):
    index = webinar_tree.webinar_index
    WebinarPageFactory(
        parent=index,
        title="In corso",
        start=days_from_now(0, hour=0, minute=0) - timedelta(hours=1),
        end=days_from_now(1, hour=23, minute=0),
    )
    WebinarPageFactory(parent=index, title="Concluso", start=days_from_now(-1))
    response = client.get("/webinar/")
    assert section_titles(response, "upcoming-heading") == ["In corso"]
    assert section_titles(response, "past-heading") == ["Concluso"]


@pytest.mark.django_db
def test_cancelled_webinar_is_listed_with_its_badge(client, webinar_tree):
    WebinarPageFactory(parent=webinar_tree.webinar_index, title="Annullato", status="cancelled")
    card = soup(client.get("/webinar/")).select_one(".card--webinar")
    assert card.select_one(".card__title").get_text(strip=True) == "Annullato"
    assert "card--cancelled" in card["class"]
    assert card.select(".badge--alert")


@pytest.mark.django_db
def test_webinar_listing_is_paginated(client, webinar_tree):
    titles = [f"Webinar numero {n:02d}" for n in range(1, 14)]
    for n, title in enumerate(titles, start=1):
        WebinarPageFactory(parent=webinar_tree.webinar_index, title=title, start=days_from_now(n))

    first = client.get("/webinar/")
    second = client.get("/webinar/?page=2")

    assert listed_titles(first) == titles[:12]
    assert listed_titles(second) == titles[12:]
    assert soup(first).select_one('.pagination a[rel="next"]')["href"] == "?page=2"
    assert soup(second).select_one('.pagination a[rel="prev"]')["href"] == "?page=1"
    for bad in ("abc", "0", "999"):
        response = client.get(f"/webinar/?page={bad}")
        assert response.status_code == 200, bad
        assert len(listed_titles(response)) in (12, 1), bad
    assert listed_titles(client.get("/webinar/?page=abc")) == titles[:12]


@pytest.mark.django_db
def test_webinar_listing_filters_by_category(client, webinar_tree):
    educazione = CategoryFactory(name="Educazione", slug="educazione")
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    index = webinar_tree.webinar_index
    WebinarPageFactory(parent=index, title="Nidi", categories=[educazione])
    WebinarPageFactory(parent=index, title="Welfare aziendale", categories=[welfare])
    WebinarPageFactory(parent=index, title="Entrambi", categories=[educazione, welfare])

    response = client.get("/webinar/?categoria=educazione")

    assert response.status_code == 200
    assert sorted(listed_titles(response)) == ["Entrambi", "Nidi"]
    selected = soup(response).select_one('select[name="categoria"] option[selected]')
    assert selected["value"] == "educazione"
    assert sorted(listed_titles(client.get("/webinar/?categoria=welfare"))) == [
        "Entrambi",
        "Welfare aziendale",
    ]


@pytest.mark.django_db
def test_unknown_category_shows_no_webinars(client, webinar_tree):
    WebinarPageFactory(parent=webinar_tree.webinar_index, title="Nidi")
    response = client.get("/webinar/?categoria=non-esiste")
    assert response.status_code == 200
    assert listed_titles(response) == []
    assert soup(response).select(".notice")


@pytest.mark.django_db
def test_filtered_pagination_keeps_the_category(client, webinar_tree):
    educazione = CategoryFactory(name="Educazione", slug="educazione")
    for n in range(13):
        WebinarPageFactory(
            parent=webinar_tree.webinar_index, start=days_from_now(n + 1), categories=[educazione]
        )
    WebinarPageFactory(parent=webinar_tree.webinar_index, title="Senza categoria")
    response = client.get("/webinar/?categoria=educazione")
    next_link = soup(response).select_one('.pagination a[rel="next"]')["href"]
    assert next_link == "?categoria=educazione&page=2"
    assert len(listed_titles(client.get(f"/webinar/{next_link}"))) == 1


@pytest.fixture
def mixed_stream(webinar_tree):
    """An article and a webinar sharing a category, the webinar announced later."""
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    article = ArticlePageFactory(
        parent=webinar_tree.news_index,
        title="Al via napoliwelfare",
        date=date(2020, 4, 21),
        categories=[welfare],
        paragraph=f"Un articolo sul welfare e sull’{WORD}.",
    )
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        title="Welfare aziendale nelle imprese sociali",
        date=date(2020, 4, 23),
        abstract=f"<p>Il welfare aziendale e il suo {WORD} di servizi.</p>",
        categories=[welfare],
    )
    other = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        title="Finanza etica",
        date=date(2020, 4, 22),
        categories=[CategoryFactory(name="Finanza", slug="finanza")],
    )
    return article, webinar, other


@pytest.mark.django_db
def test_webinars_join_the_news_stream_and_category_pages(client, mixed_stream):
    article, webinar, other = mixed_stream

    news = client.get("/notizie/")
    assert listed_titles(news) == [webinar.title, other.title, article.title]
    kinds = [badge.get_text(strip=True) for badge in soup(news).select(".badge--kind")]
    assert kinds[0] != kinds[2]  # a webinar card and an article card are told apart
    assert kinds[0] == kinds[1]

    category = client.get("/notizie/categoria/welfare/")
    assert listed_titles(category) == [webinar.title, article.title]
    link = soup(category).select_one(".card__title a")
    assert link["href"] == webinar.url
    assert client.get(link["href"]).status_code == 200


@pytest.mark.django_db
def test_webinars_join_the_feeds(client, mixed_stream):
    article, webinar, other = mixed_stream

    assert feed_titles(client.get("/notizie/feed/")) == [webinar.title, other.title, article.title]
    category_feed = feedparser.parse(client.get("/notizie/categoria/welfare/feed/").content)
    assert [entry.title for entry in category_feed.entries] == [webinar.title, article.title]
    assert category_feed.entries[0].link == f"http://testserver{webinar.url}"
    assert category_feed.entries[0].summary == webinar.standfirst


@pytest.mark.django_db
def test_search_finds_a_webinar_by_its_abstract(client, mixed_stream):
    article, webinar, other = mixed_stream
    response = client.get("/cerca/", {"q": WORD})
    assert sorted(listed_titles(response)) == sorted([webinar.title, article.title])
    assert listed_titles(client.get("/cerca/", {"q": "imprese sociali"})) == [webinar.title]


@pytest.mark.django_db
def test_search_finds_a_webinar_by_speaker_and_agenda(client, webinar_tree):
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        speakers=[("Flaviano Zandonai", "", "moderator")],
        agenda=[("point", "Il contact tracing e il parere del garante")],
    )
    assert listed_titles(client.get("/cerca/", {"q": "Zandonai"})) == [webinar.title]
    assert listed_titles(client.get("/cerca/", {"q": "garante"})) == [webinar.title]


@pytest.mark.django_db
def test_home_shows_the_next_upcoming_webinars(client, webinar_tree):
    index = webinar_tree.webinar_index
    WebinarPageFactory(parent=index, title="Tra venti giorni", start=days_from_now(20))
    WebinarPageFactory(parent=index, title="Già svolto", start=days_from_now(-2))
    WebinarPageFactory(parent=index, title="Tra due giorni", start=days_from_now(2))
    WebinarPageFactory(parent=index, title="Annullato", start=days_from_now(1), status="cancelled")
    WebinarPageFactory(parent=index, title="Tra dieci giorni", start=days_from_now(10))
    WebinarPageFactory(parent=index, title="Tra trenta giorni", start=days_from_now(30))

    upcoming = soup(client.get("/")).select_one(".upcoming")

    titles = [a.get_text(strip=True) for a in upcoming.select(".card__title a")]
    assert titles == ["Tra due giorni", "Tra dieci giorni", "Tra venti giorni"]
    assert upcoming.select_one("a.button")["href"] == "/webinar/"


@pytest.mark.django_db
def test_home_has_no_upcoming_section_without_upcoming_webinars(client, webinar_tree):
    WebinarPageFactory(parent=webinar_tree.webinar_index, start=days_from_now(-2))
    WebinarPageFactory(parent=webinar_tree.webinar_index, status="cancelled")
    assert soup(client.get("/")).select(".upcoming") == []


@pytest.fixture
def hidden_webinars(webinar_tree):
    """One live webinar, a draft never published and a withdrawn one, all alike otherwise."""
    welfare = CategoryFactory(name="Welfare", slug="welfare")

    def make(title, **kwargs):
        return WebinarPageFactory(
            parent=webinar_tree.webinar_index,
            title=f"{title} {WORD}",
            start=days_from_now(5),
            categories=[welfare],
            **kwargs,
        )

    live = make("Visibile")
    draft = make("Bozza", live=False)
    withdrawn = make("Ritirato")
    withdrawn.unpublish()
    return {"live": live, "draft": draft, "withdrawn": withdrawn}


PLACES = {
    "webinar index": ("/webinar/", listed_titles),
    "home": ("/", listed_titles),
    "news index": ("/notizie/", listed_titles),
    "category page": ("/notizie/categoria/welfare/", listed_titles),
    "news feed": ("/notizie/feed/", feed_titles),
    "category feed": ("/notizie/categoria/welfare/feed/", feed_titles),
    "search": (f"/cerca/?q={WORD}", listed_titles),
    "calendar": ("/webinar/calendario.ics", ics_summaries),
    "category calendar": ("/notizie/categoria/welfare/calendario.ics", ics_summaries),
}


@pytest.mark.django_db
@pytest.mark.parametrize("place", PLACES)
def test_drafts_and_withdrawn_webinars_appear_nowhere(client, hidden_webinars, place):
    url, read_titles = PLACES[place]
    response = client.get(url)

    assert response.status_code == 200
    titles = {title for title in read_titles(response) if WORD in title}
    assert titles == {f"Visibile {WORD}"}


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["draft", "withdrawn"])
def test_unpublished_webinar_and_its_calendar_are_not_found(client, hidden_webinars, name):
    webinar = hidden_webinars[name]
    assert client.get(f"/webinar/{webinar.slug}/").status_code == 404
    assert client.get(f"/webinar/{webinar.slug}/calendario.ics").status_code == 404


# Query counts ----------------------------------------------------------------------

QUERY_URLS = [
    "/",
    "/notizie/",
    "/notizie/categoria/welfare/",
    "/notizie/feed/",
    "/notizie/categoria/welfare/feed/",
    "/webinar/",
    f"/cerca/?q={WORD}",
]


def counted_get(client, url):
    """Warm the page (renditions, caches), then count the queries of a second request."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"] for query in queries.captured_queries]


def count_items(url, response):
    if "/feed/" in url:
        return len(feedparser.parse(response.content).entries)
    if url == "/":  # the latest story, then the latest posts of each category
        return len(soup(response).select("main .card--lead .card__title a, main .post-links a"))
    return len(listed_titles(response))


@pytest.mark.django_db
def test_listings_run_a_constant_number_of_queries_with_both_kinds(client, webinar_tree):
    """Each post has its own hero image, two categories and an author or a speaker, so a
    missing prefetch for either kind shows up as extra queries per post."""
    categories = [
        CategoryFactory(name="Welfare", slug="welfare"),
        CategoryFactory(name="Finanza", slug="finanza"),
    ]
    added = []

    def add_posts(count):
        for _ in range(count):
            ArticlePageFactory(
                parent=webinar_tree.news_index,
                title=f"{WORD.capitalize()} e territorio",
                hero_image=ImageFactory(file__width=160, file__height=90),
                categories=categories,
                authors=[("Giuseppe Bruno", "Presidente Gruppo Cooperativo CGM")],
            )
            WebinarPageFactory(
                parent=webinar_tree.webinar_index,
                title=f"{WORD.capitalize()}: un webinar",
                start=days_from_now(len(added) + 1),
                hero_image=ImageFactory(file__width=160, file__height=90),
                categories=categories,
                speakers=[("Laura Malavasi", "pedagogista", "speaker")],
            )
            added.append(1)

    def count_all():
        counts = {}
        for url in QUERY_URLS:
            response, queries = counted_get(client, url)
            counts[url] = (count_items(url, response), queries)
        return counts

    add_posts(1)
    few = count_all()
    add_posts(14)
    many = count_all()

    for url in QUERY_URLS:
        (few_items, few_queries), (many_items, many_queries) = few[url], many[url]
        assert few_items >= 1, url
        assert many_items > few_items, url
        assert len(many_queries) == len(few_queries), "\n".join(
            [url, "1 + 1:", *few_queries, "", "15 + 15:", *many_queries]
        )
