"""The Teams join link never leaks: no public page, feed, calendar file, sitemap or search
result carries it, and the search index does not hold it."""

from wagtail.search import index
from wagtail.search.backends import get_search_backend

import pytest

from events.models import WebinarPage
from news.models import PostPage
from tests.events.factories import WebinarPageFactory, days_from_now
from tests.factories import ArticlePageFactory, CategoryFactory
from tests.utils import listed_titles

SECRET = "SECRET123"
JOIN_URL = f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_{SECRET}%40thread.v2/0"
TITLE_WORD = "Capibara"
CONTROL_WORD = "QZXWVKJ"
# Any trace of a Teams meeting link, whatever its encoding on the page.
TELLTALES = [JOIN_URL, SECRET, SECRET.lower(), "meetup-join", "teams.microsoft.com"]


@pytest.fixture
def webinar(webinar_tree):
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    ArticlePageFactory(parent=webinar_tree.news_index, title="Un articolo", categories=[welfare])
    return WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        title=f"{TITLE_WORD} e welfare aziendale",
        slug="capibara-welfare",
        start=days_from_now(7),
        teams_join_url=JOIN_URL,
        categories=[welfare],
        speakers=[("Laura Malavasi", "pedagogista", "speaker")],
    )


PUBLIC_URLS = [
    "/webinar/capibara-welfare/",
    "/webinar/",
    "/",
    "/notizie/",
    "/notizie/categoria/welfare/",
    "/notizie/feed/",
    "/notizie/categoria/welfare/feed/",
    "/sitemap-pages.xml",
    f"/cerca/?q={TITLE_WORD}",
    f"/cerca/?q={SECRET}",
    "/webinar/capibara-welfare/calendario.ics",
    "/webinar/calendario.ics",
    "/notizie/categoria/welfare/calendario.ics",
]


@pytest.mark.django_db
def test_fixture_webinar_holds_the_secret_and_is_public(client, webinar):
    """Guards the other tests: the link is stored, and each address shows the webinar."""
    assert WebinarPage.objects.get(pk=webinar.pk).teams_join_url == JOIN_URL
    for url in PUBLIC_URLS:
        if url == f"/cerca/?q={SECRET}":
            continue
        response = client.get(url)
        assert response.status_code == 200, url
        assert TITLE_WORD.encode() in response.content or b"capibara-welfare" in response.content, (
            url
        )


@pytest.mark.django_db
@pytest.mark.parametrize("url", PUBLIC_URLS)
def test_join_link_is_not_in_any_public_response(client, webinar, url):
    response = client.get(url)

    assert response.status_code == 200
    body = response.content.decode()
    telltales = TELLTALES
    if url == f"/cerca/?q={SECRET}":
        # The search page repeats what the reader typed; apart from that echo it must be
        # the very page a search for a word found nowhere gives.
        control = client.get(f"/cerca/?q={CONTROL_WORD}").content.decode()
        assert body == control.replace(CONTROL_WORD, SECRET)
        telltales = [t for t in TELLTALES if t not in (SECRET, SECRET.lower())]
    for telltale in telltales:
        assert telltale not in body, (url, telltale)
    for header, value in response.items():
        assert SECRET not in value, (url, header)


@pytest.mark.django_db
def test_searching_for_the_join_link_finds_nothing(client, webinar):
    assert listed_titles(client.get("/cerca/", {"q": SECRET})) == []
    assert listed_titles(client.get("/cerca/", {"q": JOIN_URL})) == []
    assert listed_titles(client.get("/cerca/", {"q": TITLE_WORD})) == [webinar.title]


def indexed_values(obj, fields):
    """Every text the search backends extract from ``obj`` for its index entry."""
    for field in fields:
        if isinstance(field, index.RelatedFields):
            related = field.get_value(obj)
            related = related.all() if hasattr(related, "all") else [related]
            for item in related:
                if item is not None:
                    yield from indexed_values(item, field.fields)
        elif isinstance(field, (index.SearchField, index.AutocompleteField)):
            yield str(field.get_value(obj))


@pytest.mark.django_db
def test_search_index_does_not_hold_the_join_link(webinar):
    page = WebinarPage.objects.get(pk=webinar.pk)
    indexed = " ".join(indexed_values(page, page.get_search_fields()))
    assert TITLE_WORD in indexed  # the extraction works
    assert "Laura Malavasi" in indexed
    assert SECRET not in indexed
    assert "teams.microsoft.com" not in indexed

    backend = get_search_backend()
    for query in (SECRET, f"meeting_{SECRET}", "meetup-join"):
        assert list(backend.search(query, WebinarPage)) == [], query
        assert list(backend.search(query, PostPage)) == [], query
    assert [p.pk for p in backend.search(TITLE_WORD, WebinarPage)] == [webinar.pk]
