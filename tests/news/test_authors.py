"""Authors: a snippet each, named in bylines, with a page listing their articles.

An author's page is cached like a category's and never stale: publishing or withdrawing
one of their articles, or editing the author, shows on the next request.
"""

from datetime import date

from django.urls import reverse

import pytest

from news.models import ArticleAuthor, Author
from tests.factories import ArticlePageFactory, AuthorFactory, CategoryFactory, ImageFactory
from tests.utils import listed_titles, soup, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def bruno(db):
    return AuthorFactory(name="Giuseppe Bruno", role="Presidente Gruppo Cooperativo CGM")


def test_the_byline_links_each_author_to_their_page(client, site_tree, bruno):
    verdi = AuthorFactory(name="Anna Verdi")
    article = ArticlePageFactory(parent=site_tree.news_index, authors=[bruno, verdi])

    header = soup(client.get(article.url)).select_one(".post__header")
    assert text_of(header.select_one(".post__byline")).startswith(
        "Di Giuseppe Bruno, Presidente Gruppo Cooperativo CGM e Anna Verdi"
    )
    links = [(text_of(a), a["href"]) for a in header.select(".author a")]
    assert links == [
        ("Giuseppe Bruno", "/notizie/autori/giuseppe-bruno/"),
        ("Anna Verdi", "/notizie/autori/anna-verdi/"),
    ]


def test_the_author_page_lists_their_posts_newest_first_paginated(
    client, site_tree, bruno, settings
):
    settings.NEWS_PAGE_SIZE = 2
    bruno.photo = ImageFactory(title="Ritratto")
    bruno.save()
    for day in (1, 2, 3):
        ArticlePageFactory(
            parent=site_tree.news_index,
            title=f"Di Bruno {day}",
            date=date(2020, 4, day),
            authors=[bruno],
        )
    ArticlePageFactory(parent=site_tree.news_index, title="D’altri", authors=[("Anna Verdi", "")])

    response = client.get("/notizie/autori/giuseppe-bruno/")
    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.h1) == "Giuseppe Bruno"
    assert text_of(page.select_one(".page-header .lead")) == "Presidente Gruppo Cooperativo CGM"
    assert page.select_one(".page-header img")["alt"] == ""
    assert page.title.get_text().startswith("Giuseppe Bruno |")
    assert listed_titles(response) == ["Di Bruno 3", "Di Bruno 2"]
    second = client.get("/notizie/autori/giuseppe-bruno/", {"page": 2})
    assert listed_titles(second) == ["Di Bruno 1"]
    assert soup(second).find("link", rel="canonical")["href"] == (
        "http://testserver/notizie/autori/giuseppe-bruno/?page=2"
    )


def test_an_unknown_author_is_a_404(client, site_tree):
    assert client.get("/notizie/autori/nessuno/").status_code == 404


def test_publishing_and_withdrawing_shows_on_the_author_page(client, site_tree, bruno, committed):
    url = "/notizie/autori/giuseppe-bruno/"
    with committed():
        other = ArticlePageFactory(parent=site_tree.news_index, title="Altro articolo")
    client.get(url)
    client.get(other.url)
    assert client.get(url)["X-Page-Cache"] == "hit"

    with committed():
        article = ArticlePageFactory(
            parent=site_tree.news_index, title="Servizi educativi", authors=[bruno]
        )
    assert listed_titles(client.get(url)) == ["Servizi educativi"]
    assert client.get(other.url)["X-Page-Cache"] == "hit"

    with committed():
        article.unpublish()
    assert listed_titles(client.get(url)) == []


def test_removing_an_author_from_a_byline_leaves_their_page(client, site_tree, bruno, committed):
    url = "/notizie/autori/giuseppe-bruno/"
    verdi = AuthorFactory(name="Anna Verdi")  # a new snippet purges everything: made first
    with committed():
        article = ArticlePageFactory(
            parent=site_tree.news_index, title="Servizi educativi", authors=[bruno]
        )
    assert listed_titles(client.get(url)) == ["Servizi educativi"]
    assert client.get(url)["X-Page-Cache"] == "hit"
    article.authors.set([ArticleAuthor(author=verdi)])
    with committed():
        article.save_revision().publish()
    assert listed_titles(client.get(url)) == []
    assert listed_titles(client.get("/notizie/autori/anna-verdi/")) == ["Servizi educativi"]


def test_editing_an_author_shows_on_their_page_and_bylines(client, site_tree, bruno, committed):
    with committed():
        article = ArticlePageFactory(parent=site_tree.news_index, authors=[bruno])
    url = "/notizie/autori/giuseppe-bruno/"
    client.get(url)
    client.get(article.url)
    assert client.get(article.url)["X-Page-Cache"] == "hit"

    bruno.role = "Presidente CGM"
    with committed():
        bruno.save()
    byline = soup(client.get(article.url)).select_one(".post__byline")
    assert "Giuseppe Bruno, Presidente CGM" in text_of(byline)
    assert text_of(soup(client.get(url)).select_one(".page-header .lead")) == "Presidente CGM"


def test_search_finds_an_article_by_its_authors_name(client, site_tree, bruno):
    ArticlePageFactory(parent=site_tree.news_index, title="Servizi educativi", authors=[bruno])
    ArticlePageFactory(parent=site_tree.news_index, title="Altro")
    assert listed_titles(client.get("/cerca/", {"q": "Bruno"})) == ["Servizi educativi"]


def test_editors_manage_authors_as_snippets_in_italian(admin_client, site_tree):
    CategoryFactory(name="Welfare", slug="welfare")
    list_url = reverse("wagtailsnippets_news_author:list")
    add_url = reverse("wagtailsnippets_news_author:add")
    form = admin_client.get(add_url)
    assert form.status_code == 200
    labels = [text_of(label) for label in soup(form).select("label")]
    for label in ("Nome*", "Slug*", "Ruolo", "Foto"):
        assert any(text.startswith(label.rstrip("*")) for text in labels), (label, labels)
    assert "Autori" in admin_client.get(list_url).content.decode()

    response = admin_client.post(
        add_url, {"name": "Flaviano Zandonai", "slug": "flaviano-zandonai", "role": ""}
    )
    assert response.status_code == 302
    assert Author.objects.get(slug="flaviano-zandonai").name == "Flaviano Zandonai"


@pytest.mark.django_db(transaction=True)
def test_the_migration_turns_free_text_bylines_into_author_snippets():
    """0004: each name becomes one Author (its role from the first byline giving one)."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    before, after = [("news", "0003_autori_e_date_originali")], [("news", "0005_firme_con_autori")]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old = executor.loader.project_state(before).apps
    tree = build_old_tree(old)
    ArticleAuthor_ = old.get_model("news", "ArticleAuthor")
    for page, name, role in [
        (tree[0], "Giuseppe Bruno", ""),
        (tree[1], "Giuseppe Bruno", "Presidente Gruppo Cooperativo CGM"),
        (tree[1], "Francesco Abbà", ""),
    ]:
        ArticleAuthor_.objects.create(page_id=page, name=name, role=role, sort_order=0)

    executor = MigrationExecutor(connection)
    executor.migrate(after)
    executor.loader.build_graph()

    assert sorted(Author.objects.values_list("slug", "name", "role")) == [
        ("francesco-abba", "Francesco Abbà", ""),
        ("giuseppe-bruno", "Giuseppe Bruno", "Presidente Gruppo Cooperativo CGM"),
    ]
    assert sorted(ArticleAuthor.objects.values_list("page_id", "author__slug")) == sorted(
        [(tree[0], "giuseppe-bruno"), (tree[1], "giuseppe-bruno"), (tree[1], "francesco-abba")]
    )


def build_old_tree(apps) -> list[int]:
    """Two article rows as the tables stood at 0003 (no page tree needed for bylines)."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    Locale = apps.get_model("wagtailcore", "Locale")
    ArticlePage_ = apps.get_model("news", "ArticlePage")
    content_type, _ = ContentType.objects.get_or_create(app_label="news", model="articlepage")
    locale = Locale.objects.first() or Locale.objects.create(language_code="it")
    ids = []
    for n in range(2):
        page = ArticlePage_.objects.create(
            title=f"Articolo {n}",
            slug=f"articolo-{n}",
            path=f"00019999000{n}",
            depth=3,
            content_type=content_type,
            locale=locale,
            date=date(2020, 4, 1),
            body=[],
        )
        ids.append(page.pk)
    return ids
