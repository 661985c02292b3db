"""Remembered routes (cgmsite.routing): the second request for a page skips Wagtail's walk
down the tree, and a page renamed, moved, unpublished or deleted is never served from an
old route. The page cache is off here, so that every request is routed."""

from django.db import connection
from django.test.utils import CaptureQueriesContext

import pytest

from cgmsite.models import StandardPage
from tests.factories import ArticlePageFactory, CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_page_cache(settings):
    settings.PAGE_CACHE_ENABLED = False


@pytest.fixture
def article(site_tree):
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    return ArticlePageFactory(
        parent=site_tree.news_index, title="Welfare di comunità", slug="welfare-comunita",
        categories=[welfare],
    )  # fmt: skip


def page_queries(client, path) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    pages = [q for q in queries if '"wagtailcore_page"' in q["sql"]]
    return response.status_code, len(pages)


def test_a_known_path_is_routed_in_one_query(client, article):
    first_status, first = page_queries(client, "/notizie/welfare-comunita/")
    second_status, second = page_queries(client, "/notizie/welfare-comunita/")
    assert (first_status, second_status) == (200, 200)
    # Wagtail's walk: the home page, the news index and the article, two queries each.
    assert second <= first - 4
    response = client.get("/notizie/welfare-comunita/")
    assert "Welfare di comunità" in response.text


def test_a_renamed_page_leaves_its_old_address(client, article):
    assert client.get("/notizie/welfare-comunita/").status_code == 200
    article.slug = "welfare-di-comunita"
    article.save_revision().publish()
    assert client.get("/notizie/welfare-comunita/").status_code == 404
    assert client.get("/notizie/welfare-di-comunita/").status_code == 200


def test_an_unpublished_or_deleted_page_is_not_found(client, article):
    assert client.get("/notizie/welfare-comunita/").status_code == 200
    article.unpublish()
    assert client.get("/notizie/welfare-comunita/").status_code == 404
    article.refresh_from_db()
    article.save_revision().publish()
    assert client.get("/notizie/welfare-comunita/").status_code == 200
    article.delete()
    assert client.get("/notizie/welfare-comunita/").status_code == 404


def test_a_moved_page_answers_at_its_new_address_only(client, site_tree):
    about = StandardPage(title="Chi siamo", slug="chi-siamo")
    site_tree.home.add_child(instance=about)
    contacts = StandardPage(title="Contatti", slug="contatti")
    about.add_child(instance=contacts)
    assert client.get("/chi-siamo/contatti/").status_code == 200
    contacts.move(site_tree.home, pos="last-child")
    old = client.get("/chi-siamo/contatti/")  # Wagtail's automatic redirect, not the page
    assert (old.status_code, old["Location"]) == (301, "/contatti/")
    assert client.get("/contatti/").status_code == 200
    # A new page at the old address is that page, not the one remembered there.
    other = StandardPage(title="Recapiti", slug="contatti")
    StandardPage.objects.get(pk=about.pk).add_child(instance=other)
    assert "Recapiti" in client.get("/chi-siamo/contatti/").text


def test_sub_routes_of_a_routable_page_still_resolve(client, article):
    for _ in range(2):
        response = client.get("/notizie/categoria/welfare/")
        assert response.status_code == 200
        assert "Welfare di comunità" in response.text
    assert client.get("/notizie/categoria/sconosciuta/").status_code == 404
    assert client.get("/notizie/").status_code == 200
