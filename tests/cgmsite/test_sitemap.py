"""/sitemap.xml: an index of sitemap pages, each listing at most SITEMAP_PAGE_SIZE addresses."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

from wagtail.models import PageViewRestriction

import pytest

from tests.factories import ArticlePageFactory, CategoryFactory
from tests.utils import all_sitemap_entries, path_of, sitemap_entries, sitemap_index


@pytest.fixture
def newsroom(site_tree, settings):
    """Seven live public pages (home, news index, five articles) and three hidden ones."""
    settings.SITEMAP_PAGE_SIZE = 3
    live = [ArticlePageFactory(parent=site_tree.news_index, slug=f"articolo-{i}") for i in range(5)]
    ArticlePageFactory(parent=site_tree.news_index, slug="bozza", live=False)  # a draft
    withdrawn = ArticlePageFactory(parent=site_tree.news_index, slug="ritirato")
    withdrawn.unpublish()
    private = ArticlePageFactory(parent=site_tree.news_index, slug="riservato")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="segreto"
    )
    CategoryFactory(name="Welfare", slug="welfare")
    CategoryFactory(name="Finanza", slug="finanza")
    return {
        "public": ["/", "/notizie/", *(page.url for page in live)],
        "hidden": ["/notizie/bozza/", "/notizie/ritirato/", "/notizie/riservato/"],
    }


@pytest.mark.django_db
def test_index_lists_one_entry_per_sitemap_page(client, newsroom):
    response = client.get("/sitemap.xml")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    assert sitemap_index(response) == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-pages.xml?p=2",
        "http://testserver/sitemap-pages.xml?p=3",
        "http://testserver/sitemap-categories.xml",
    ]


@pytest.mark.django_db
def test_each_sitemap_page_holds_at_most_the_page_size(client, newsroom):
    sizes = [len(sitemap_entries(client.get("/sitemap-pages.xml", {"p": p}))) for p in (1, 2, 3)]

    assert sizes == [3, 3, 1]
    assert client.get("/sitemap-pages.xml", {"p": 4}).status_code == 404
    assert client.get("/sitemap-pages.xml", {"p": "x"}).status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


@pytest.mark.django_db
def test_every_live_public_page_appears_once_and_hidden_ones_never(client, newsroom):
    entries = all_sitemap_entries(client)
    paths = [path_of(entry["loc"]) for entry in entries]

    pages = [path for path in paths if "/categoria/" not in path]
    assert sorted(pages) == sorted(newsroom["public"])
    assert len(pages) == len(set(pages))
    for hidden in newsroom["hidden"]:
        assert hidden not in paths
    assert all(entry["loc"].startswith("http://testserver/") for entry in entries)
    assert all(entry["lastmod"] for entry in entries if "/categoria/" not in entry["loc"])


@pytest.mark.django_db
def test_category_pages_are_listed_under_the_news_index(client, newsroom):
    entries = sitemap_entries(client.get("/sitemap-categories.xml"))

    assert [entry["loc"] for entry in entries] == [
        "http://testserver/notizie/categoria/finanza/",
        "http://testserver/notizie/categoria/welfare/",
    ]
    for entry in entries:
        assert client.get(path_of(entry["loc"])).status_code == 200


@pytest.mark.django_db
def test_a_sitemap_page_costs_the_same_queries_however_many_it_lists(client, site_tree, settings):
    settings.SITEMAP_PAGE_SIZE = 100
    settings.PAGE_CACHE_ENABLED = False  # what building the page costs

    def counted():
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/sitemap-pages.xml")
        assert response.status_code == 200
        return len(sitemap_entries(response)), len(queries)

    ArticlePageFactory(parent=site_tree.news_index)
    few, few_queries = counted()
    for _ in range(5):
        ArticlePageFactory(parent=site_tree.news_index)
    many, many_queries = counted()

    assert (few, many) == (3, 8)
    assert many_queries == few_queries
