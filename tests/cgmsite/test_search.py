"""/cerca/: full-text search over posts.

Pages are indexed by Wagtail's ``post_save`` handler through a django-tasks task;
with no ``TASKS`` setting django-tasks uses its ``ImmediateBackend``, which runs
the task inline, so a page is searchable as soon as the factory has published it
and no explicit ``update_index`` is needed.
"""

from django.db import connection

import pytest

from news.models import listed_posts
from tests.factories import ArticlePageFactory, CategoryFactory
from tests.utils import listed_titles, soup


@pytest.mark.django_db
def test_search_without_query_shows_the_form(client, site_tree):
    ArticlePageFactory(parent=site_tree.news_index)
    response = client.get("/cerca/")

    assert response.status_code == 200
    page = soup(response)
    form = page.select_one("main form[role=search]")
    assert form["action"] == "/cerca/"
    assert form.find("input", attrs={"name": "q"})["value"] == ""
    assert listed_titles(response) == []


@pytest.fixture
def findable(site_tree):
    """Posts whose only distinctive word sits in one field each."""
    return {
        "title": ArticlePageFactory(
            parent=site_tree.news_index, title="Il lombrico ornitorinco al lavoro"
        ),
        "standfirst": ArticlePageFactory(
            parent=site_tree.news_index,
            title="Servizi per le famiglie",
            standfirst="Una piattaforma chiamata pappagallini per la comunità",
        ),
        "body": ArticlePageFactory(
            parent=site_tree.news_index,
            title="Welfare territoriale",
            body=[("text", "<p>Il progetto <b>girasolatico</b> coinvolge le scuole.</p>")],
        ),
        "category": ArticlePageFactory(
            parent=site_tree.news_index,
            title="Nuove imprese sociali",
            categories=[CategoryFactory(name="Mutualistica", slug="mutualistica")],
        ),
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "query"),
    [
        ("title", "ornitorinco"),
        ("standfirst", "pappagallini"),
        ("body", "girasolatico"),
        ("category", "Mutualistica"),
    ],
)
def test_search_finds_a_word_in_each_indexed_field(client, findable, field, query):
    response = client.get("/cerca/", {"q": query})

    assert response.status_code == 200
    assert listed_titles(response) == [findable[field].title]
    assert soup(response).select_one("main input[name=q]")["value"] == query


@pytest.mark.django_db
def test_search_with_no_match_says_so(client, findable):
    response = client.get("/cerca/", {"q": "nessunrisultatoqui"})
    assert response.status_code == 200
    assert listed_titles(response) == []
    assert "nessunrisultatoqui" in soup(response).select_one("main .empty").get_text()


@pytest.mark.django_db
def test_search_results_are_paginated_and_links_keep_the_query(client, site_tree, settings):
    settings.SEARCH_PAGE_SIZE = 10
    for _ in range(11):
        ArticlePageFactory(parent=site_tree.news_index, standfirst="Il progetto cormorano.")
    ArticlePageFactory(parent=site_tree.news_index, standfirst="Tutt'altro argomento.")

    first = client.get("/cerca/", {"q": "cormorano"})
    assert len(listed_titles(first)) == 10
    assert "11" in soup(first).select_one(".search-count").get_text()
    next_link = soup(first).select_one(".pagination a[rel=next]")
    assert next_link["href"] == "?q=cormorano&page=2"

    second = client.get("/cerca/" + next_link["href"])
    assert len(listed_titles(second)) == 1
    assert set(listed_titles(first)).isdisjoint(listed_titles(second))
    assert soup(second).select_one(".pagination a[rel=prev]")["href"] == "?q=cormorano&page=1"


@pytest.mark.django_db
def test_a_word_in_too_many_posts_counts_them_only_up_to_the_cap(client, site_tree, settings):
    settings.SEARCH_PAGE_SIZE = 2
    settings.SEARCH_MAX_RESULTS = 4
    for _ in range(5):
        ArticlePageFactory(parent=site_tree.news_index, standfirst="Il progetto cormorano.")

    first = client.get("/cerca/", {"q": "cormorano"})
    count = soup(first).select_one(".search-count").get_text()
    assert count.startswith("Più di 4 risultati per «cormorano»")
    assert "aggiungi una parola" in count
    assert "Pagina 1 di 2" in soup(first).select_one(".pagination").get_text()
    last = client.get("/cerca/", {"q": "cormorano", "page": "9"})
    assert len(listed_titles(last)) == 2
    assert soup(last).select_one(".pagination a[rel=next]") is None

    settings.SEARCH_MAX_RESULTS = 5  # exactly at the cap: the real count
    exact = client.get("/cerca/", {"q": "progetto cormorano"})
    assert soup(exact).select_one(".search-count").get_text().startswith("5 risultati")


@pytest.mark.django_db
def test_the_count_kept_between_searches_follows_every_publication(client, site_tree, settings):
    settings.PAGE_CACHE_ENABLED = False  # the count's own cache, not the page cache

    def count():
        response = client.get("/cerca/", {"q": "cormorano"})
        return soup(response).select_one(".search-count").get_text().split()[0]

    first = ArticlePageFactory(parent=site_tree.news_index, standfirst="Il cormorano.")
    ArticlePageFactory(parent=site_tree.news_index, standfirst="Un altro cormorano.")
    assert count() == "2"
    assert count() == "2"
    ArticlePageFactory(parent=site_tree.news_index, standfirst="Il terzo cormorano.")
    assert count() == "3"
    first.unpublish()
    assert count() == "2"


@pytest.mark.django_db
def test_search_only_returns_posts_not_other_pages(client, site_tree):
    """The home and news index pages are not results, even when their title matches."""
    ArticlePageFactory(parent=site_tree.news_index, title="Notizie dalla rete")
    response = client.get("/cerca/", {"q": "Notizie"})
    assert listed_titles(response) == ["Notizie dalla rete"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "\t\n",
        "a" * 5000,
        "parola " * 800,
        "'\"; DROP TABLE wagtailcore_page; --",
        "%",
        "%%",
        "_",
        "città ☃",
        "AND OR NOT",
        "NOT",
        "*",
        "(((",
        ")",
        '"',
        '"frase non chiusa',
        "-",
        "+",
        "title:ornitorinco",
        "NEAR(a b)",
        "^",
        "\\",
        "ornitorinco*",
        "😀",
        "\x00",
        "ornito\x00rinco",
    ],
)
def test_odd_queries_never_fail(client, findable, query):
    response = client.get("/cerca/", {"q": query})

    assert response.status_code == 200
    value = soup(response).select_one("main input[name=q]")["value"]
    assert len(value) <= 200


@pytest.mark.django_db
def test_long_query_is_cut_but_still_searches(client, findable):
    response = client.get("/cerca/", {"q": "ornitorinco " + "x" * 5000})
    assert response.status_code == 200
    assert soup(response).select_one("main input[name=q]")["value"].startswith("ornitorinco ")


@pytest.mark.django_db
def test_search_matches_accented_words(client, site_tree):
    ArticlePageFactory(parent=site_tree.news_index, title="Una città più solidale")
    response = client.get("/cerca/", {"q": "città"})
    assert listed_titles(response) == ["Una città più solidale"]


@pytest.mark.django_db
def test_search_needs_every_word_but_not_in_the_same_field(client, site_tree):
    """Two words: one in the title, one in the body, is a match; one word alone is not."""
    both = ArticlePageFactory(
        parent=site_tree.news_index,
        title="Il lombrico al lavoro",
        body=[("text", "<p>Un progetto girasolatico nelle scuole.</p>")],
    )
    ArticlePageFactory(parent=site_tree.news_index, title="Solo il lombrico")

    response = client.get("/cerca/", {"q": "lombrico girasolatico"})

    assert listed_titles(response) == [both.title]


@pytest.mark.django_db
@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="Italian stemming: PostgreSQL's text search"
)
def test_search_on_postgresql_finds_other_forms_of_a_word(client, site_tree):
    """SEARCH_CONFIG "italian": a search for the plural finds the singular."""
    article = ArticlePageFactory(
        parent=site_tree.news_index,
        title="Nasce una cooperativa",
        body=[("text", "<p>Una nuova impresa sociale.</p>")],
    )
    assert listed_titles(client.get("/cerca/", {"q": "cooperative"})) == [article.title]
    assert listed_titles(client.get("/cerca/", {"q": "imprese"})) == [article.title]


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL GIN index")
def test_search_on_postgresql_can_use_the_full_text_index(site_tree):
    """The backend's match, ``(title || body) @@ query``, is one our GIN index serves.

    The search's own SQL must filter on that very expression (an upgrade of the search
    backend that changed it would leave the index unused), and PostgreSQL must be able to
    answer that filter from the index: with a handful of rows it would rather scan, so
    scanning is priced out (cgmsite/migrations/0003_search_title_body_index.py).
    """
    ArticlePageFactory(parent=site_tree.news_index, title="Il lombrico al lavoro")
    results = listed_posts().search("lombrico", order_by_relevance=False)
    sql, _params = results.get_queryset().query.sql_with_params()
    table = '"wagtailsearch_indexentry"'
    assert f'({table}."title" || {table}."body") @@' in sql

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM wagtailsearch_indexentry"
            " WHERE (title || body) @@ to_tsquery('italian', 'lombrico')"
        )
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "cgm_search_title_body_gin" in plan
    assert [post.title for post in results] == ["Il lombrico al lavoro"]
