"""Editors at work: publishing an article and adding a category through the Wagtail admin."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

import feedparser
import pytest

from news.models import ArticlePage, Category
from tests.factories import ArticlePageFactory, AuthorFactory, CategoryFactory
from tests.utils import listed_titles, soup


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser(
        username="redazione", email="redazione@cgm.coop", password="password"
    )


@pytest.fixture
def admin_client(client, editor):
    client.force_login(editor)
    return client


def add_article_url(news_index):
    return reverse("wagtailadmin_pages:add", args=("news", "articlepage", news_index.pk))


def form_errors(response):
    """The form errors of a re-displayed admin form, to explain a failed POST."""
    context = response.context or {}
    return context["form"].errors if "form" in context else response.status_code


def article_form(*, categories=(), **overrides):
    """The POST data of the article form that publishes it.

    The StreamField body and the authors' inline panel are flattened into form
    fields by Wagtail's ``form_data`` helpers; the categories' checkboxes send
    one value each.
    """
    data = {
        "title": "Al via napoliwelfare",
        "slug": "al-via-napoliwelfare",
        "standfirst": "La piattaforma che fornisce servizi di welfare ai tempi del Coronavirus",
        "date": "2020-04-21",
        "place": "Napoli",
        "authors": inline_formset([]),
        "hero_image": "",
        "hero_image_credit": "",
        "hero_image_credit_lang": "it",
        "body": streamfield(
            [
                ("text", rich_text("<p>Il Covid-19 ha modificato la quotidianità.</p>")),
                (
                    "quote",
                    {
                        "text": "Oggi più che mai siamo chiamati alla resilienza.",
                        "attribution": "Mario Sicignano",
                    },
                ),
                ("cta", {"label": "Scopri napoliwelfare", "page": "", "url": "https://x.it/"}),
            ]
        ),
        "original_name": "",
        "original_date": "",
        "original_date_precision": "day",
        "original_url": "",
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
        "comments": inline_formset([]),
    }
    data.update(overrides)
    form = nested_form_data(data)
    form["categories"] = [str(category.pk) for category in categories]
    form["action-publish"] = "action-publish"
    return form


@pytest.mark.django_db
def test_editor_publishes_an_article_with_two_categories(admin_client, site_tree, image):
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    news = CategoryFactory(name="News", slug="news")
    add_url = add_article_url(site_tree.news_index)

    assert admin_client.get(add_url).status_code == 200

    bruno = AuthorFactory(name="Giuseppe Bruno", role="Presidente Gruppo Cooperativo CGM")
    data = article_form(
        categories=[welfare, news],
        hero_image=str(image.pk),
        hero_image_credit="Photo by cottonbro",
        authors=inline_formset([{"author": str(bruno.pk)}]),
    )
    response = admin_client.post(add_url, data)

    assert response.status_code == 302, form_errors(response)
    assert response["Location"] == reverse("wagtailadmin_explore", args=[site_tree.news_index.pk])

    article = ArticlePage.objects.get(slug="al-via-napoliwelfare")
    assert article.live
    assert article.live_revision is not None
    assert set(article.categories.all()) == {welfare, news}
    assert [author.name for author in article.authors.all()] == ["Giuseppe Bruno"]
    assert article.hero_image == image
    assert [block.block_type for block in article.body] == ["text", "quote", "cta"]

    admin_client.logout()  # what readers see
    page = soup(admin_client.get("/notizie/al-via-napoliwelfare/"))
    assert page.h1.get_text(strip=True) == "Al via napoliwelfare"
    assert page.select_one(".post__body blockquote").get_text(strip=True) == (
        "Oggi più che mai siamo chiamati alla resilienza."
    )
    for slug in ("welfare", "news"):
        assert "Al via napoliwelfare" in listed_titles(
            admin_client.get(f"/notizie/categoria/{slug}/")
        )
        feed = feedparser.parse(admin_client.get(f"/notizie/categoria/{slug}/feed/").content)
        assert "Al via napoliwelfare" in [entry.title for entry in feed.entries]
    search = admin_client.get("/cerca/", {"q": "napoliwelfare"})
    assert listed_titles(search) == ["Al via napoliwelfare"]


@pytest.mark.django_db
def test_article_form_reports_a_missing_date(admin_client, site_tree):
    add_url = add_article_url(site_tree.news_index)
    data = article_form(date="")

    response = admin_client.post(add_url, data)

    assert response.status_code == 200
    assert "date" in response.context["form"].errors
    assert not ArticlePage.objects.filter(slug="al-via-napoliwelfare").exists()


@pytest.mark.django_db
def test_call_to_action_needs_a_page_or_an_address(admin_client, site_tree):
    add_url = add_article_url(site_tree.news_index)
    data = article_form(body=streamfield([("cta", {"label": "Scopri", "page": "", "url": ""})]))

    response = admin_client.post(add_url, data)

    assert response.status_code == 200
    assert "body" in response.context["form"].errors
    assert "Scegli una pagina di questo sito o indica un indirizzo." in response.text
    assert not ArticlePage.objects.filter(slug="al-via-napoliwelfare").exists()


@pytest.mark.django_db
def test_editor_changes_the_categories_of_a_published_article(admin_client, site_tree):
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    finanza = CategoryFactory(name="Finanzetica", slug="finanza")
    article = ArticlePageFactory(
        parent=site_tree.news_index,
        title="Mano pubblica",
        slug="mano-pubblica",
        categories=[welfare],
    )
    edit_url = reverse("wagtailadmin_pages:edit", args=[article.pk])
    assert admin_client.get(edit_url).status_code == 200

    data = article_form(
        categories=[finanza],
        title="Mano pubblica",
        slug="mano-pubblica",
        authors=inline_formset([]),
    )
    response = admin_client.post(edit_url, data)

    assert response.status_code == 302, form_errors(response)
    admin_client.logout()
    assert listed_titles(admin_client.get("/notizie/categoria/welfare/")) == []
    assert listed_titles(admin_client.get("/notizie/categoria/finanza/")) == ["Mano pubblica"]
    assert listed_titles(admin_client.get("/cerca/", {"q": "Finanzetica"})) == ["Mano pubblica"]


@pytest.mark.django_db
def test_category_snippet_list_and_add_views(admin_client, site_tree):
    CategoryFactory(name="Welfare", slug="welfare")
    list_url = reverse("wagtailsnippets_news_category:list")
    add_url = reverse("wagtailsnippets_news_category:add")

    listing = admin_client.get(list_url)
    assert listing.status_code == 200
    assert b"Welfare" in listing.content
    assert admin_client.get(add_url).status_code == 200

    response = admin_client.post(
        add_url,
        {"name": "Educazione", "slug": "educazione", "description": "Servizi educativi."},
    )

    assert response.status_code == 302
    category = Category.objects.get(slug="educazione")
    assert (category.name, category.description) == ("Educazione", "Servizi educativi.")
    page = soup(admin_client.get("/notizie/categoria/educazione/"))
    assert page.h1.get_text(strip=True) == "Educazione"
    assert "Educazione" in [
        a.get_text(strip=True) for a in soup(admin_client.get("/")).select(".site-nav a")
    ]


@pytest.mark.django_db
def test_category_slug_must_be_unique(admin_client, site_tree):
    CategoryFactory(name="Welfare", slug="welfare")
    response = admin_client.post(
        reverse("wagtailsnippets_news_category:add"),
        {"name": "Welfare aziendale", "slug": "welfare", "description": ""},
    )
    assert response.status_code == 200
    assert "slug" in response.context["form"].errors
    assert Category.objects.filter(slug="welfare").count() == 1
