"""Under each article: the newest posts sharing a category with it, and share links.

Related posts make an article show other posts: publishing or withdrawing one of them
is seen on the article's next request, while an article of other categories stays
cached.
"""

from datetime import date
from urllib.parse import parse_qs, urlsplit

import pytest

from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory, rome
from tests.factories import ArticlePageFactory, CategoryFactory
from tests.utils import soup, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def related_titles(client, url) -> list[str]:
    return [text_of(a) for a in soup(client.get(url)).select(".related .card__title a")]


def get(client, url):
    response = client.get(url)
    return response.get("X-Page-Cache"), response.content.decode()


def test_related_posts_share_a_category_newest_first_never_the_article(client, site_tree):
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    finanza = CategoryFactory(name="Finanza", slug="finanza")
    article = ArticlePageFactory(
        parent=site_tree.news_index, title="L’articolo", date=date(2020, 4, 1), categories=[welfare]
    )
    for day in range(2, 7):
        ArticlePageFactory(
            parent=site_tree.news_index,
            title=f"Welfare {day}",
            date=date(2020, 4, day),
            categories=[welfare, finanza],
        )
    ArticlePageFactory(
        parent=site_tree.news_index,
        title="Solo finanza",
        date=date(2020, 5, 1),
        categories=[finanza],
    )

    assert related_titles(client, article.url) == ["Welfare 6", "Welfare 5", "Welfare 4"]


def test_related_posts_include_webinars_with_their_own_date(client, site_tree):
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    article = ArticlePageFactory(parent=site_tree.news_index, categories=[welfare])
    index = WebinarIndexPageFactory(parent=site_tree.home)
    WebinarPageFactory(
        parent=index,
        title="Bilancio sociale",
        date=date(2020, 4, 3),
        start=rome(2020, 4, 17, 10, 30),
        categories=[welfare],
    )

    card = soup(client.get(article.url)).select_one(".related .card")
    assert text_of(card.select_one(".card__title")) == "Bilancio sociale"
    # The webinar's day, not the day it was announced.
    assert text_of(card.time) == "venerdì 17 aprile 2020"
    assert card.time["datetime"].startswith("2020-04-17T10:30:00")


def test_an_article_without_categories_has_no_related_section(client, site_tree):
    ArticlePageFactory(parent=site_tree.news_index, title="Altro")
    article = ArticlePageFactory(parent=site_tree.news_index)
    assert soup(client.get(article.url)).select(".related") == []


def test_publishing_and_withdrawing_a_post_updates_the_related_posts(client, site_tree, committed):
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    finanza = CategoryFactory(name="Finanza", slug="finanza")
    with committed():
        article = ArticlePageFactory(
            parent=site_tree.news_index, title="Welfare di comunità", categories=[welfare]
        )
        unrelated = ArticlePageFactory(
            parent=site_tree.news_index, title="Finanza etica", categories=[finanza]
        )
    get(client, article.url)
    get(client, unrelated.url)
    assert get(client, article.url)[0] == "hit"

    with committed():
        new = ArticlePageFactory(
            parent=site_tree.news_index, title="Comunità educanti", categories=[welfare]
        )
    header, text = get(client, article.url)
    assert header == "miss"
    assert related_titles(client, article.url) == ["Comunità educanti"]
    assert get(client, unrelated.url)[0] == "hit"

    with committed():
        new.unpublish()
    assert get(client, article.url)[0] == "miss"
    assert related_titles(client, article.url) == []
    assert get(client, unrelated.url)[0] == "hit"


def test_share_links_carry_the_articles_absolute_address(client, site_tree):
    article = ArticlePageFactory(parent=site_tree.news_index, title="Al via napoliwelfare")
    page = soup(client.get(article.url))
    share = page.select_one(".share")
    assert text_of(share.h2) == "Condividi"
    links = {text_of(a): a["href"] for a in share.select("a")}
    assert list(links) == ["E-mail", "LinkedIn", "Facebook", "WhatsApp"]
    address = f"http://testserver{article.url}"

    mail = urlsplit(links["E-mail"])
    assert mail.scheme == "mailto"
    assert parse_qs(mail.query) == {"subject": ["Al via napoliwelfare"], "body": [address]}
    assert parse_qs(urlsplit(links["LinkedIn"]).query) == {"url": [address]}
    assert links["LinkedIn"].startswith("https://www.linkedin.com/sharing/share-offsite/?")
    assert parse_qs(urlsplit(links["Facebook"]).query) == {"u": [address]}
    assert links["Facebook"].startswith("https://www.facebook.com/sharer/sharer.php?")
    assert parse_qs(urlsplit(links["WhatsApp"]).query) == {
        "text": [f"Al via napoliwelfare {address}"]
    }
    # Plain links: no script, no frame, nothing loaded from the networks.
    assert share.select("script, iframe, img") == []
    assert not [s for s in page.select("script[src]") if "//" in s["src"]]
