"""RSS 2.0 feeds of the news stream and of each category, read with a real feed parser."""

from datetime import date
from email.utils import parsedate_to_datetime

import feedparser
import pytest

from news import feeds
from tests.factories import ArticlePageFactory, CategoryFactory
from tests.utils import soup


def parse(response):
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    return feed


@pytest.fixture
def posts(site_tree):
    welfare = CategoryFactory(name="Welfare", slug="welfare", description="Welfare territoriale.")
    finanza = CategoryFactory(name="Finanza", slug="finanza")
    return {
        "welfare": ArticlePageFactory(
            parent=site_tree.news_index,
            title="Al via napoliwelfare",
            standfirst="La piattaforma che fornisce servizi di welfare.",
            date=date(2020, 4, 21),
            categories=[welfare],
        ),
        "both": ArticlePageFactory(
            parent=site_tree.news_index,
            title="Welfare e finanza",
            date=date(2020, 4, 23),
            categories=[welfare, finanza],
        ),
        "finanza": ArticlePageFactory(
            parent=site_tree.news_index,
            title="Mano pubblica per la finanza etica",
            date=date(2020, 4, 6),
            categories=[finanza],
        ),
    }


@pytest.mark.django_db
def test_news_feed_is_rss_with_absolute_links_dates_and_categories(client, posts):
    response = client.get("/notizie/feed/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/rss+xml; charset=utf-8"
    feed = parse(response)
    assert feed.version == "rss20"
    assert feed.feed.link == "http://testserver/notizie/"
    assert [entry.title for entry in feed.entries] == [
        "Welfare e finanza",
        "Al via napoliwelfare",
        "Mano pubblica per la finanza etica",
    ]
    by_title = {entry.title: entry for entry in feed.entries}
    for post in posts.values():
        entry = by_title[post.title]
        assert entry.link == f"http://testserver{post.url}"
        assert entry.id == entry.link
        assert parsedate_to_datetime(entry.published).date() == post.date
    welfare = by_title["Al via napoliwelfare"]
    assert welfare.summary == "La piattaforma che fornisce servizi di welfare."
    assert [tag.term for tag in welfare.tags] == ["Welfare"]
    assert sorted(tag.term for tag in by_title["Welfare e finanza"].tags) == [
        "Finanza",
        "Welfare",
    ]


@pytest.mark.django_db
def test_category_feed_only_has_that_category(client, posts):
    response = client.get("/notizie/categoria/welfare/feed/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    feed = parse(response)
    assert feed.version == "rss20"
    assert feed.feed.link == "http://testserver/notizie/categoria/welfare/"
    assert feed.feed.description == "Welfare territoriale."
    assert "Welfare" in feed.feed.title
    assert [entry.title for entry in feed.entries] == ["Welfare e finanza", "Al via napoliwelfare"]
    for entry in feed.entries:
        assert entry.link.startswith("http://testserver/notizie/")
        assert "Welfare" in [tag.term for tag in entry.tags]


@pytest.mark.django_db
def test_post_with_two_categories_is_in_both_category_feeds(client, posts):
    for slug in ("welfare", "finanza"):
        feed = parse(client.get(f"/notizie/categoria/{slug}/feed/"))
        assert "Welfare e finanza" in [entry.title for entry in feed.entries]


@pytest.mark.django_db
def test_feeds_advertise_themselves(client, posts):
    feed = parse(client.get("/notizie/categoria/finanza/feed/"))
    self_links = [link.href for link in feed.feed.links if link.rel == "self"]
    assert self_links == ["http://testserver/notizie/categoria/finanza/feed/"]


@pytest.mark.django_db
def test_feed_holds_only_the_latest_posts(client, site_tree, monkeypatch):
    monkeypatch.setattr(feeds, "FEED_LENGTH", 3)
    for day in range(1, 5):
        ArticlePageFactory(
            parent=site_tree.news_index, title=f"Giorno {day}", date=date(2020, 1, day)
        )
    feed = parse(client.get("/notizie/feed/"))
    assert [entry.title for entry in feed.entries] == ["Giorno 4", "Giorno 3", "Giorno 2"]


@pytest.mark.django_db
def test_feed_of_an_empty_category_is_valid(client, site_tree):
    CategoryFactory(name="Educazione", slug="educazione")
    feed = parse(client.get("/notizie/categoria/educazione/feed/"))
    assert feed.version == "rss20"
    assert feed.entries == []


@pytest.mark.django_db
def test_pages_link_to_their_feeds(client, posts):
    home = soup(client.get("/"))
    assert home.find("link", rel="alternate", type="application/rss+xml")["href"] == (
        "/notizie/feed/"
    )
    category = soup(client.get("/notizie/categoria/welfare/"))
    assert category.select_one("a.feed-link")["href"] == "/notizie/categoria/welfare/feed/"
