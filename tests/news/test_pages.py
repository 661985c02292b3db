"""The page types of the newsroom: where they can be created and what an article shows."""

from datetime import date
from pathlib import Path

from django.conf import settings

from wagtail.models import Page, get_page_models
from wagtail.test.utils import WagtailPageTestCase

import pytest

from cgmsite.models import HomePage
from news.models import ArticlePage, NewsIndexPage, PostPage
from tests.factories import ArticlePageFactory, CategoryFactory, build_site_tree
from tests.utils import soup, text_of


class TestPageTree(WagtailPageTestCase):
    """Editors can only build the tree the site expects."""

    @classmethod
    def setUpTestData(cls):
        cls.tree = build_site_tree()
        cls.category = CategoryFactory(name="Welfare", slug="welfare")
        cls.article = ArticlePageFactory(parent=cls.tree.news_index, categories=[cls.category])

    def test_article_can_be_created_under_the_news_index(self):
        self.assertCanCreateAt(NewsIndexPage, ArticlePage)
        self.assertAllowedParentPageTypes(ArticlePage, {NewsIndexPage})

    def test_article_cannot_be_created_under_the_home_page(self):
        self.assertCanNotCreateAt(HomePage, ArticlePage)
        self.assertCanNotCreateAt(Page, ArticlePage)

    def test_news_index_only_under_home_and_only_holds_articles(self):
        self.assertAllowedParentPageTypes(NewsIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(NewsIndexPage, {ArticlePage})
        self.assertAllowedSubpageTypes(ArticlePage, set())

    def test_post_page_is_not_creatable_anywhere(self):
        assert PostPage.is_creatable is False
        for parent in get_page_models():
            self.assertCanNotCreateAt(parent, PostPage)

    def test_pages_and_routes_render(self):
        self.assertPageIsRenderable(self.tree.home)
        self.assertPageIsRenderable(self.tree.news_index)
        self.assertPageIsRenderable(self.tree.news_index, route_path="categoria/welfare/")
        self.assertPageIsRenderable(self.tree.news_index, route_path="feed/")
        self.assertPageIsRenderable(self.tree.news_index, route_path="categoria/welfare/feed/")
        self.assertPageIsRenderable(self.article)
        self.assertPageIsRoutable(self.article)

    def test_unknown_category_route_is_a_404(self):
        self.assertPageIsRenderable(
            self.tree.news_index, route_path="categoria/non-esiste/", accept_404=True
        )
        response = self.client.get("/notizie/categoria/non-esiste/")
        assert response.status_code == 404


@pytest.fixture
def full_article(site_tree, image):
    return ArticlePageFactory(
        parent=site_tree.news_index,
        title="Al via napoliwelfare",
        standfirst="La piattaforma che fornisce servizi di welfare ai tempi del Coronavirus",
        date=date(2020, 4, 21),
        place="Napoli",
        authors=[("Giuseppe Bruno", "Presidente Gruppo Cooperativo CGM"), ("Anna Verdi", "")],
        hero_image=image,
        hero_image_credit="Photo by cottonbro from Pexels",
        body=[
            ("text", "<p>Il Covid-19 ha modificato la quotidianità.</p>"),
            (
                "quote",
                {
                    "text": "Oggi più che mai siamo chiamati alla resilienza.",
                    "attribution": "Mario Sicignano, Presidente Consorzio Proodos",
                },
            ),
            ("cta", {"label": "Scopri napoliwelfare", "url": "https://www.napoliwelfare.it/"}),
        ],
        categories=[CategoryFactory(name="Welfare", slug="welfare")],
    )


@pytest.mark.django_db
def test_article_shows_title_standfirst_byline_and_dateline(client, full_article):
    page = soup(client.get(full_article.url))

    assert page.h1.get_text(strip=True) == "Al via napoliwelfare"
    header = page.select_one(".post__header")
    assert header.select_one(".lead").get_text(strip=True) == full_article.standfirst
    authors = [text_of(a) for a in header.select(".author")]
    assert authors == ["Giuseppe Bruno, Presidente Gruppo Cooperativo CGM", "Anna Verdi"]
    assert text_of(header.select_one(".post__byline")).startswith("Di Giuseppe Bruno")
    dateline = header.select_one(".dateline")
    assert text_of(dateline) == "Napoli, 21 aprile 2020"
    assert dateline.time["datetime"] == "2020-04-21"
    assert [a.get_text(strip=True) for a in header.select(".badge")] == ["Welfare"]


@pytest.mark.django_db
def test_article_without_place_shows_only_the_date(client, site_tree):
    article = ArticlePageFactory(parent=site_tree.news_index, date=date(2020, 12, 3), place="")
    page = soup(client.get(article.url))
    assert text_of(page.select_one(".dateline")) == "3 dicembre 2020"
    assert page.select(".author") == []


@pytest.mark.django_db
def test_article_shows_photo_credit_quote_and_call_to_action(client, full_article):
    page = soup(client.get(full_article.url))

    assert page.select_one(".post__hero .credit").get_text(strip=True) == (
        "Photo by cottonbro from Pexels"
    )
    body = page.select_one(".post__body")
    assert "Il Covid-19 ha modificato la quotidianità." in body.get_text()
    quote = body.select_one("figure.quote")
    assert quote.blockquote.get_text(strip=True) == (
        "Oggi più che mai siamo chiamati alla resilienza."
    )
    assert "Mario Sicignano, Presidente Consorzio Proodos" in quote.figcaption.get_text()
    button = body.select_one(".cta a")
    assert button["href"] == "https://www.napoliwelfare.it/"
    assert button.get_text(strip=True) == "Scopri napoliwelfare"


@pytest.mark.django_db
def test_call_to_action_to_a_page_of_the_site_links_to_it(client, site_tree):
    target = ArticlePageFactory(parent=site_tree.news_index, title="Pagina di destinazione")
    article = ArticlePageFactory(
        parent=site_tree.news_index,
        body=[("cta", {"label": "Leggi anche", "page": target, "url": ""})],
    )
    button = soup(client.get(article.url)).select_one(".post__body .cta a")
    assert button["href"] == target.url
    assert button.get_text(strip=True) == "Leggi anche"


@pytest.mark.django_db
def test_originally_published_note_and_canonical_point_to_the_original(client, site_tree):
    article = ArticlePageFactory(
        parent=site_tree.news_index,
        original_name="Investire Today",
        original_date=date(2020, 4, 1),
        original_url="https://www.investiretoday.it/articolo/",
    )
    page = soup(client.get(article.url))

    note = page.select_one(".post__original")
    link = note.find("a")
    assert link["href"] == "https://www.investiretoday.it/articolo/"
    assert link.get_text(strip=True) == "Investire Today"
    assert "1 aprile 2020" in note.get_text()
    assert page.find("link", rel="canonical")["href"] == "https://www.investiretoday.it/articolo/"


@pytest.mark.django_db
def test_original_publication_without_address_is_cited(client, site_tree):
    article = ArticlePageFactory(
        parent=site_tree.news_index, original_name="Vita", original_url="", original_date=None
    )
    page = soup(client.get(article.url))
    assert page.select_one(".post__original cite").get_text(strip=True) == "Vita"
    assert page.find("link", rel="canonical")["href"] == f"http://testserver{article.url}"


@pytest.mark.django_db
def test_canonical_is_the_article_own_full_url(client, site_tree):
    article = ArticlePageFactory(parent=site_tree.news_index, slug="mano-pubblica")
    page = soup(client.get(article.url))
    assert page.find("link", rel="canonical")["href"] == "http://testserver/notizie/mano-pubblica/"
    assert page.select(".post__original") == []


@pytest.mark.django_db
def test_hero_image_is_a_picture_with_webp_source_srcset_and_alt(client, full_article):
    picture = soup(client.get(full_article.url)).select_one(".post__hero picture")

    webp = picture.find("source", type="image/webp")
    assert webp is not None
    assert ".webp" in webp["srcset"]
    assert " 480w" in webp["srcset"]
    img = picture.img
    assert img["alt"] == "Bambini che giocano in un parco"
    assert img["srcset"]
    assert img["src"].startswith(settings.MEDIA_URL)


def _meta(page, **attrs):
    tag = page.find("meta", attrs=attrs)
    return tag["content"] if tag else None


@pytest.fixture
def pages_with_meta(site_tree, image):
    category = CategoryFactory(name="Finanza", slug="finanza", description="Finanza sociale.")
    article = ArticlePageFactory(
        parent=site_tree.news_index,
        title="Mano pubblica per la finanza etica",
        standfirst="Indirizzare le risorse a sostegno delle imprese sociali.",
        hero_image=image,
        categories=[category],
    )
    return {
        "home": ("/", "Gruppo Cooperativo CGM"),
        "index": ("/notizie/", "Notizie"),
        "category": ("/notizie/categoria/finanza/", "Finanza"),
        "article": (article.url, "Mano pubblica per la finanza etica"),
        "search": ("/cerca/?q=finanza", "Cerca"),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "index", "category", "article", "search"])
def test_pages_carry_description_and_social_metadata(client, pages_with_meta, name):
    url, og_title = pages_with_meta[name]
    response = client.get(url)
    assert response.status_code == 200
    page = soup(response)

    assert _meta(page, name="description")
    assert _meta(page, property="og:title") == og_title
    assert _meta(page, name="twitter:card") in {"summary", "summary_large_image"}
    assert page.find("link", rel="canonical")["href"].startswith("http://testserver/")


@pytest.mark.django_db
def test_article_social_image_is_an_absolute_rendition(client, pages_with_meta, settings):
    page = soup(client.get(pages_with_meta["article"][0]))

    og_image = _meta(page, property="og:image")
    assert og_image.startswith(f"http://testserver{settings.MEDIA_URL}")
    assert (
        Path(settings.MEDIA_ROOT) / og_image.removeprefix(f"http://testserver{settings.MEDIA_URL}")
    ).exists()
    assert _meta(page, name="twitter:card") == "summary_large_image"
    assert _meta(page, name="description") == (
        "Indirizzare le risorse a sostegno delle imprese sociali."
    )
    assert _meta(page, property="og:type") == "article"


@pytest.mark.django_db
def test_pages_without_image_have_a_summary_card_and_no_og_image(client, pages_with_meta):
    page = soup(client.get("/notizie/"))
    assert _meta(page, property="og:image") is None
    assert _meta(page, name="twitter:card") == "summary"


@pytest.mark.django_db
def test_category_page_description_comes_from_the_category(client, pages_with_meta):
    page = soup(client.get("/notizie/categoria/finanza/"))
    assert _meta(page, name="description") == "Finanza sociale."
    assert page.find("link", rel="canonical")["href"] == (
        "http://testserver/notizie/categoria/finanza/"
    )


@pytest.mark.django_db
def test_an_english_photo_credit_is_marked_as_english(client, full_article):
    credit = soup(client.get(full_article.url)).select_one(".post__hero .credit")
    assert not credit.has_attr("lang")  # Italian by default, like the page

    full_article.hero_image_credit_lang = "en"
    full_article.save_revision().publish()
    credit = soup(client.get(full_article.url)).select_one(".post__hero .credit")
    assert credit["lang"] == "en"
    assert text_of(credit) == "Photo by cottonbro from Pexels"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("precision", "shown"), [("day", "1 aprile 2020"), ("month", "aprile 2020")]
)
def test_the_original_publication_date_shows_the_day_or_the_month(
    client, site_tree, precision, shown
):
    article = ArticlePageFactory(
        parent=site_tree.news_index,
        original_name="Investire Today",
        original_date=date(2020, 4, 1),
        original_date_precision=precision,
    )
    original = soup(client.get(article.url)).select_one(".post__original")
    assert text_of(original) == f"Pubblicato originariamente su Investire Today, {shown}."
