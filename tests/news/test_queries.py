"""Listings cost the same number of SQL queries for 2 posts as for a full page of posts.

Each post has a hero image (rendered as a ``<picture>`` with several renditions),
two categories and an author, so a missing prefetch shows up as extra queries
per post. The first request of each round creates the renditions; the second
one is counted.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import feedparser
import pytest

from news.models import ArticlePage
from tests.factories import ArticlePageFactory, CategoryFactory, ImageFactory
from tests.utils import listed_titles, soup

WORD = "cooperazione"

URLS = [
    "/",
    "/notizie/",
    "/notizie/categoria/welfare/",
    "/notizie/feed/",
    "/notizie/categoria/welfare/feed/",
    "/notizie/autori/giuseppe-bruno/",
    f"/cerca/?q={WORD}",
]


def count_items(url, response):
    if "/feed/" in url:
        return len(feedparser.parse(response.content).entries)
    if url == "/":  # the latest story, then the latest posts of each category
        return len(soup(response).select("main .card__title a, main .post-links a"))
    return len(listed_titles(response))


def counted_get(client, url):
    """Warm the page (renditions, caches), then count the queries of a second request."""
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return response, [query["sql"] for query in queries.captured_queries]


@pytest.mark.django_db
def test_listings_run_a_constant_number_of_queries(client, site_tree, settings):
    # The page cache would answer the second request with no query at all: what is
    # counted here is the rendering.
    settings.PAGE_CACHE_ENABLED = False
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

    # Two posts: the home page shows the latest as its lead story and the other under
    # a category; the older article shows the newer one as related.
    add_posts(2)
    one_post = {}
    for url in URLS:
        response, one_post[url] = counted_get(client, url)
        assert count_items(url, response) == 2, url
    article = ArticlePage.objects.order_by("pk").first().url
    response, one_post[article] = counted_get(client, article)
    assert len(soup(response).select(".related .card")) == 1

    add_posts(28)
    many_posts = {}
    for url in URLS:
        response, many_posts[url] = counted_get(client, url)
        assert count_items(url, response) > 2, url
    response, many_posts[article] = counted_get(client, article)
    assert len(soup(response).select(".related .card")) == 3
    urls = [*URLS, article]

    differing = [url for url in urls if len(one_post[url]) != len(many_posts[url])]
    assert not differing, "\n".join(
        line
        for url in differing
        for line in [f"{url}: 2 posts", *one_post[url], f"{url}: 30 posts", *many_posts[url]]
    )
