"""The site shell: crawler files, the 404 page, landmarks and the footer."""

import pytest

from cgmsite.models import SiteSettings
from tests.factories import ArticlePageFactory, CategoryFactory
from tests.utils import all_sitemap_entries, soup, text_of


@pytest.mark.django_db
def test_robots_txt_points_to_the_sitemap(client, site_tree):
    response = client.get("/robots.txt")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert "Sitemap: http://testserver/sitemap.xml" in lines
    assert "Disallow: /admin/" in lines
    assert "User-agent: *" in lines


@pytest.mark.django_db
def test_sitemap_lists_pages_and_articles_but_not_drafts(client, site_tree):
    article = ArticlePageFactory(parent=site_tree.news_index, slug="al-via-napoliwelfare")
    draft = ArticlePageFactory(parent=site_tree.news_index, slug="bozza", live=False)

    entries = all_sitemap_entries(client)
    assert [entry["loc"] for entry in entries] == [
        "http://testserver/",
        "http://testserver/notizie/",
        "http://testserver/notizie/al-via-napoliwelfare/",
    ]
    assert article.live and not draft.live
    assert all(entry["lastmod"] for entry in entries)


@pytest.mark.django_db
def test_unknown_address_is_a_404_inside_the_site_layout(client, site_tree):
    CategoryFactory(name="Welfare", slug="welfare")
    response = client.get("/non-esiste/")

    assert response.status_code == 404
    page = soup(response)
    assert page.html["lang"] == "it"
    assert text_of(page.h1) == "Pagina non trovata"
    assert page.select_one("header.site-header form[role=search]") is not None
    assert "Welfare" in [text_of(a) for a in page.select(".site-nav a")]
    assert page.select_one("footer.site-footer") is not None
    assert page.select_one("main a[href='/']") is not None


@pytest.fixture
def shell_urls(site_tree):
    CategoryFactory(name="Welfare", slug="welfare")
    article = ArticlePageFactory(parent=site_tree.news_index)
    return {
        "home": "/",
        "index": "/notizie/",
        "category": "/notizie/categoria/welfare/",
        "article": article.url,
        "search form": "/cerca/",
        "search results": f"/cerca/?q={article.title.split()[0]}",
        "not found": "/non-esiste/",
    }


@pytest.mark.django_db
@pytest.mark.parametrize(
    "name",
    ["home", "index", "category", "article", "search form", "search results", "not found"],
)
def test_every_page_has_skip_link_main_landmark_and_one_h1(client, shell_urls, name):
    page = soup(client.get(shell_urls[name]))

    skip = page.body.find("a")
    assert skip["href"] == "#contenuto"
    assert "skip-link" in skip["class"]
    mains = page.find_all("main")
    assert len(mains) == 1
    assert mains[0]["id"] == "contenuto"
    assert len(page.find_all("h1")) == 1
    assert mains[0].h1 is not None
    assert page.title.get_text().strip()


@pytest.mark.django_db
def test_footer_shows_the_contact_details_from_site_settings(client, site_tree):
    contacts = SiteSettings.for_site(site_tree.site)
    contacts.organisation_name = "Gruppo Cooperativo CGM"
    contacts.contact_email = "redazione@cgm.coop"
    contacts.phone = "+39 030 2893511"
    contacts.address = "Via Rosa Zalivani 2\n25125 Brescia"
    contacts.save()

    footer = soup(client.get("/notizie/")).select_one("footer.site-footer")

    email = footer.select_one("a[href^='mailto:']")
    assert email["href"] == "mailto:redazione@cgm.coop"
    assert text_of(email) == "redazione@cgm.coop"
    assert "+39 030 2893511" in text_of(footer)
    assert list(footer.address.stripped_strings) == ["Via Rosa Zalivani 2", "25125 Brescia"]
    assert text_of(footer.select_one(".site-footer__name")) == "Gruppo Cooperativo CGM"


@pytest.mark.django_db
def test_footer_without_contact_email_has_no_mail_link(client, site_tree):
    footer = soup(client.get("/")).select_one("footer.site-footer")
    assert footer.select_one("a[href^='mailto:']") is None


@pytest.mark.django_db
def test_footer_links_the_privacy_page(client, site_tree):
    privacy = ArticlePageFactory(parent=site_tree.news_index, title="Informativa privacy")
    contacts = SiteSettings.for_site(site_tree.site)
    contacts.privacy_page = privacy
    contacts.save()

    footer = soup(client.get("/")).select_one("footer.site-footer")
    assert footer.select_one(f"a[href='{privacy.url}']") is not None
