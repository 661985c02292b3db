"""Listings cost the same number of SQL queries for 1 post as for a full page of posts.

Each post has a hero image (rendered as a ``<picture>`` with several renditions),
two categories and an author, so a missing prefetch shows up as extra queries
per post. The first request of each round creates the renditions; the second
one is counted.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import feedparser
import pytest

from tests.factories import ArticlePageFactory, CategoryFactory, ImageFactory
from tests.utils import listed_titles

WORD = "cooperazione"

URLS = [
    "/",
    "/notizie/",
    "/notizie/categoria/welfare/",
    "/notizie/feed/",
    "/notizie/categoria/welfare/feed/",
    f"/cerca/?q={WORD}",
]


def count_items(url, response):
    if "/feed/" in url:
        return len(feedparser.parse(response.content).entries)
    return len(listed_titles(response))


def counted_get(client, url):
    """Warm the page (renditions, caches), then count the queries of a second request."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
def test_listings_run_a_constant_number_of_queries(client, site_tree):
    categories = [
        CategoryFactory(name="Welfare", slug="welfare"),
        CategoryFactory(name="Finanza", slug="finanza"),
    ]

    def add_posts(count):
        for _ in range(count):
            ArticlePageFactory(
                parent=site_tree.news_index,
                title=f"{WORD.capitalize()} e territorio",
                hero_image=ImageFactory(file__width=160, file__height=90),
                categories=categories,
                authors=[("Giuseppe Bruno", "Presidente Gruppo Cooperativo CGM")],
            )

    add_posts(1)
    one_post = {}
    for url in URLS:
        response, one_post[url] = counted_get(client, url)
        assert count_items(url, response) == 1, url

    add_posts(29)
    many_posts = {}
    for url in URLS:
        response, many_posts[url] = counted_get(client, url)
        assert count_items(url, response) > 1, url

    differing = [url for url in URLS if len(one_post[url]) != len(many_posts[url])]
    assert not differing, "\n".join(
        line
        for url in differing
        for line in [f"{url}: 1 post", *one_post[url], f"{url}: 30 posts", *many_posts[url]]
    )
