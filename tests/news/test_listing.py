"""The news stream, the category pages and the home page's lists."""

from datetime import date, timedelta

import pytest

from news.models import Category
from tests.factories import ArticlePageFactory, CategoryFactory
from tests.utils import listed_titles, soup, text_of

START = date(2020, 1, 1)


def make_posts(parent, count, **kwargs):
    """``count`` posts one day apart, oldest first: "Post 01" on START, "Post 02" the day after…"""
    return [
        ArticlePageFactory(
            parent=parent, title=f"Post {n:02d}", date=START + timedelta(days=n - 1), **kwargs
        )
        for n in range(1, count + 1)
    ]


@pytest.mark.django_db
def test_news_index_lists_posts_newest_first_twelve_a_page(client, site_tree):
    make_posts(site_tree.news_index, 13)

    first = client.get("/notizie/")
    assert first.status_code == 200
    assert listed_titles(first) == [f"Post {n:02d}" for n in range(13, 1, -1)]
    next_link = soup(first).select_one(".pagination a[rel=next]")
    assert next_link["href"] == "?page=2"
    assert soup(first).select_one(".pagination a[rel=prev]") is None

    second = client.get("/notizie/?page=2")
    assert second.status_code == 200
    assert listed_titles(second) == ["Post 01"]
    assert soup(second).select_one(".pagination a[rel=prev]")["href"] == "?page=1"
    assert soup(second).select_one(".pagination a[rel=next]") is None
    assert soup(second).find("link", rel="canonical")["href"] == (
        "http://testserver/notizie/?page=2"
    )


@pytest.mark.django_db
def test_posts_of_the_same_day_are_ordered_by_publication(client, site_tree):
    for title in ("Primo", "Secondo", "Terzo"):
        ArticlePageFactory(parent=site_tree.news_index, title=title, date=START)
    assert listed_titles(client.get("/notizie/")) == ["Terzo", "Secondo", "Primo"]


@pytest.mark.django_db
def test_listing_cards_show_date_summary_categories_and_link(client, site_tree, image):
    category = CategoryFactory(name="Finanza", slug="finanza")
    post = ArticlePageFactory(
        parent=site_tree.news_index,
        title="Mano pubblica per la finanza etica",
        standfirst="Indirizzare le risorse a sostegno delle imprese sociali.",
        date=date(2020, 4, 6),
        hero_image=image,
        categories=[category],
    )
    card = soup(client.get("/notizie/")).select_one(".card")

    assert card.select_one(".card__title a")["href"] == post.url
    assert text_of(card.time) == "6 aprile 2020"
    assert text_of(card.select_one(".card__summary")) == post.standfirst
    badge = card.select_one(".badges a")
    assert (text_of(badge), badge["href"]) == ("Finanza", "/notizie/categoria/finanza/")
    # The image only decorates the linked title: screen readers skip it.
    assert card.picture.img["alt"] == ""


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("page", "expected"),
    [
        ("abc", ["Post 03", "Post 02"]),
        ("", ["Post 03", "Post 02"]),
        ("1.5", ["Post 03", "Post 02"]),
        ("999", ["Post 01"]),
        ("-1", ["Post 01"]),
        ("0", ["Post 01"]),
    ],
)
def test_bad_page_numbers_give_a_sensible_page(client, site_tree, settings, page, expected):
    """Not a number: the first page; out of range: the last one."""
    settings.NEWS_PAGE_SIZE = 2
    make_posts(site_tree.news_index, 3)
    response = client.get("/notizie/", {"page": page})
    assert response.status_code == 200
    assert listed_titles(response) == expected


@pytest.mark.django_db
def test_empty_news_index_says_so(client, site_tree):
    response = client.get("/notizie/")
    assert response.status_code == 200
    assert listed_titles(response) == []
    assert soup(response).select_one("main .empty") is not None


@pytest.fixture
def categories(site_tree):
    welfare = CategoryFactory(
        name="Welfare", slug="welfare", description="Welfare territoriale e aziendale."
    )
    finanza = CategoryFactory(name="Finanza", slug="finanza", description="Finanza sociale.")
    ArticlePageFactory(
        parent=site_tree.news_index, title="Solo welfare", date=START, categories=[welfare]
    )
    ArticlePageFactory(
        parent=site_tree.news_index, title="Solo finanza", date=START, categories=[finanza]
    )
    ArticlePageFactory(
        parent=site_tree.news_index,
        title="Welfare e finanza",
        date=START + timedelta(days=1),
        categories=[welfare, finanza],
    )
    ArticlePageFactory(parent=site_tree.news_index, title="Senza categoria", date=START)
    return {"welfare": welfare, "finanza": finanza}


@pytest.mark.django_db
def test_category_page_lists_only_its_posts_and_shows_its_description(client, categories):
    response = client.get("/notizie/categoria/welfare/")

    assert response.status_code == 200
    assert listed_titles(response) == ["Welfare e finanza", "Solo welfare"]
    page = soup(response)
    assert text_of(page.h1) == "Welfare"
    assert text_of(page.select_one(".page-header .lead")) == "Welfare territoriale e aziendale."
    feed_link = page.find("link", rel="alternate", title="Welfare")
    assert feed_link["href"] == "/notizie/categoria/welfare/feed/"
    nav_current = page.select_one(".site-nav a[aria-current=page]")
    assert text_of(nav_current) == "Welfare"


@pytest.mark.django_db
def test_post_with_two_categories_is_on_both_category_pages(client, categories):
    assert "Welfare e finanza" in listed_titles(client.get("/notizie/categoria/welfare/"))
    assert listed_titles(client.get("/notizie/categoria/finanza/")) == [
        "Welfare e finanza",
        "Solo finanza",
    ]


@pytest.mark.django_db
def test_news_index_lists_every_post_with_or_without_category(client, categories):
    assert sorted(listed_titles(client.get("/notizie/"))) == [
        "Senza categoria",
        "Solo finanza",
        "Solo welfare",
        "Welfare e finanza",
    ]


@pytest.mark.django_db
def test_category_page_is_paginated(client, site_tree):
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    make_posts(site_tree.news_index, 13, categories=[welfare])
    other = ArticlePageFactory(parent=site_tree.news_index, date=date(2021, 1, 1))

    first = client.get("/notizie/categoria/welfare/")
    assert len(listed_titles(first)) == 12
    assert other.title not in listed_titles(first)
    assert soup(first).select_one(".pagination a[rel=next]")["href"] == "?page=2"
    assert listed_titles(client.get("/notizie/categoria/welfare/?page=2")) == ["Post 01"]


@pytest.mark.django_db
def test_empty_category_page_says_so(client, site_tree):
    CategoryFactory(name="Educazione", slug="educazione")
    response = client.get("/notizie/categoria/educazione/")
    assert response.status_code == 200
    assert listed_titles(response) == []
    assert soup(response).select_one("main .empty") is not None


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/notizie/categoria/non-esiste/",
        "/notizie/categoria/non-esiste/feed/",
        "/notizie/categoria/Welfare/",
        "/notizie/categoria/",
    ],
)
def test_unknown_category_is_a_404(client, categories, url):
    assert client.get(url).status_code == 404


@pytest.mark.django_db
def test_home_page_leads_with_the_latest_story_then_each_category(client, site_tree, categories):
    finanza, welfare = Category.objects.get(slug="finanza"), Category.objects.get(slug="welfare")
    for n in range(1, 8):
        ArticlePageFactory(
            parent=site_tree.news_index,
            title=f"Recente {n}",
            date=date(2021, 1, n),
            categories=[finanza if n % 2 else welfare],
        )

    response = client.get("/")
    assert response.status_code == 200
    page = soup(response)
    assert [text_of(a) for a in page.select(".home-lead .card__title a")] == ["Recente 7"]
    groups = [
        (text_of(group.h3), group.h3.a["href"], [text_of(a) for a in group.select("li a")])
        for group in page.select(".home-category")
    ]
    assert groups == [
        ("Finanza", "/notizie/categoria/finanza/", ["Recente 5", "Recente 3", "Recente 1"]),
        ("Welfare", "/notizie/categoria/welfare/", ["Recente 6", "Recente 4", "Recente 2"]),
    ]
    assert page.select_one("main a.button[href='/notizie/']") is not None


@pytest.mark.django_db
def test_navigation_links_every_category(client, categories):
    page = soup(client.get("/notizie/"))
    assert [(text_of(a), a["href"]) for a in page.select(".site-nav a")] == [
        ("Tutte le notizie", "/notizie/"),
        ("Finanza", "/notizie/categoria/finanza/"),
        ("Welfare", "/notizie/categoria/welfare/"),
    ]


@pytest.mark.django_db
def test_a_category_pages_count_is_kept_but_never_stale(client, site_tree, settings):
    """The total of a category (its number of pages) is cached with the page's version:
    a post published, unpublished or moved out of the category shows at once."""
    settings.NEWS_PAGE_SIZE = 2
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    posts = make_posts(site_tree.news_index, 4, categories=[welfare])
    url = "/notizie/categoria/welfare/"

    def pages(query=""):
        # A query parameter the site does not read: the page cache passes it through,
        # so what is measured is the listing's own count, not a stored page.
        return text_of(soup(client.get(f"{url}?x={query}")).select_one(".pagination span"))

    assert pages("a") == "Pagina 1 di 2"
    ArticlePageFactory(parent=site_tree.news_index, categories=[welfare], date=date(2021, 1, 1))
    assert pages("b") == "Pagina 1 di 3"
    posts[0].unpublish()
    posts[1].unpublish()
    assert pages("c") == "Pagina 1 di 2"
