"""Only published, public posts reach readers: drafts, withdrawn, scheduled and private
posts appear in no listing, feed, search result or sitemap."""

from datetime import timedelta
from unittest import mock

from django.core.management import call_command
from django.utils import timezone

from wagtail.models import PageViewRestriction

import feedparser
import pytest

from news.models import ArticlePage
from tests.factories import ArticlePageFactory, CategoryFactory
from tests.utils import all_sitemap_entries, listed_titles, path_of, soup

WORD = "ornitorinco"


@pytest.fixture
def posts(site_tree):
    """One live post and one of each kind that must stay hidden, all alike otherwise."""
    category = CategoryFactory(name="Welfare", slug="welfare")

    def make(title, **kwargs):
        return ArticlePageFactory(
            parent=site_tree.news_index,
            title=f"{title} {WORD}",
            standfirst=f"Testo riservato di {title.lower()}.",
            categories=[category],
            **kwargs,
        )

    live = make("Visibile")
    draft = make("Bozza", live=False)

    withdrawn = make("Ritirato")
    withdrawn.unpublish()

    scheduled = make("Programmato", live=False)
    scheduled.go_live_at = timezone.now() + timedelta(days=7)
    scheduled.save_revision().publish()

    private = make("Riservato")
    PageViewRestriction.objects.create(
        page=private, restriction_type=PageViewRestriction.PASSWORD, password="segreto"
    )

    return {
        "live": live,
        "draft": ArticlePage.objects.get(pk=draft.pk),
        "withdrawn": ArticlePage.objects.get(pk=withdrawn.pk),
        "scheduled": ArticlePage.objects.get(pk=scheduled.pk),
        "private": ArticlePage.objects.get(pk=private.pk),
    }


@pytest.mark.django_db
def test_hidden_posts_are_in_the_expected_state(posts):
    """Guards the fixture: each hidden post is hidden for the reason its name says."""
    assert posts["live"].live
    assert not posts["draft"].live
    assert posts["draft"].first_published_at is None
    assert not posts["withdrawn"].live
    assert posts["withdrawn"].first_published_at is not None
    scheduled = posts["scheduled"]
    assert not scheduled.live
    assert scheduled.get_latest_revision().approved_go_live_at > timezone.now()
    assert posts["private"].live
    assert posts["private"].get_view_restrictions().exists()


def _feed_titles(response):
    return [entry.title for entry in feedparser.parse(response.content).entries]


def _sitemap_paths(client):
    return [path_of(entry["loc"]) for entry in all_sitemap_entries(client)]


PLACES = {
    "home": ("/", listed_titles),
    "news index": ("/notizie/", listed_titles),
    "category page": ("/notizie/categoria/welfare/", listed_titles),
    "news feed": ("/notizie/feed/", _feed_titles),
    "category feed": ("/notizie/categoria/welfare/feed/", _feed_titles),
    "search": (f"/cerca/?q={WORD}", listed_titles),
}


@pytest.mark.django_db
@pytest.mark.parametrize("place", PLACES)
def test_only_the_live_public_post_is_listed(client, posts, place):
    url, read_titles = PLACES[place]
    response = client.get(url)

    assert response.status_code == 200
    titles = [title for title in read_titles(response) if WORD in title]
    assert titles == [f"Visibile {WORD}"]


@pytest.mark.django_db
def test_sitemap_lists_only_the_live_public_post(client, posts):
    paths = _sitemap_paths(client)

    assert posts["live"].url in paths
    for name in ("draft", "withdrawn", "scheduled", "private"):
        assert posts[name].url not in paths, name


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["draft", "withdrawn", "scheduled"])
def test_unpublished_post_address_is_not_found(client, posts, name):
    response = client.get(posts[name].url)
    assert response.status_code == 404
    assert posts[name].standfirst.encode() not in response.content


@pytest.mark.django_db
def test_private_post_asks_for_the_password_and_hides_its_text(client, posts):
    response = client.get(posts["private"].url)
    assert response.status_code == 200
    assert soup(response).find("input", attrs={"type": "password"}) is not None
    assert posts["private"].standfirst.encode() not in response.content


@pytest.mark.django_db
def test_live_post_is_readable(client, posts):
    response = client.get(posts["live"].url)
    assert response.status_code == 200
    assert posts["live"].standfirst.encode() in response.content


@pytest.mark.django_db
def test_scheduled_post_appears_once_its_time_has_come(client, posts):
    scheduled = posts["scheduled"]
    eight_days_later = timezone.now() + timedelta(days=8)

    with mock.patch("django.utils.timezone.now", return_value=eight_days_later):
        call_command("publish_scheduled")

    titles = listed_titles(client.get("/notizie/"))
    assert f"Programmato {WORD}" in titles
    assert client.get(scheduled.url).status_code == 200
