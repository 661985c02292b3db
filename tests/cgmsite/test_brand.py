"""The site's brand and shell: logo and favicon from the site settings (CGM's own by
default), the self-hosted typeface, the footer and the navigation's "Menu" on phones."""

import re
from pathlib import Path

from django.contrib.staticfiles import finders

import pytest

from cgmsite.models import SiteSettings, StandardPage
from tests.factories import ArticlePageFactory, ImageFactory
from tests.utils import soup, text_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def site_settings(site_tree):
    return SiteSettings.for_site(site_tree.site)


def test_the_default_logo_and_favicon_are_cgms(client, site_tree):
    page = soup(client.get("/"))
    logo = page.select_one("header .site-brand img")
    assert logo["src"] == "/static/img/logo-cgm.svg"
    assert logo["alt"] == "Gruppo Cooperativo CGM"
    icon = page.find("link", rel="icon")
    assert (icon["href"], icon["type"]) == ("/static/img/favicon.svg", "image/svg+xml")
    for path in ("img/logo-cgm.svg", "img/favicon.svg"):
        assert client.get(f"/static/{path}").status_code == 200, path


def test_a_logo_and_favicon_from_the_settings_replace_them_at_once(
    client, site_tree, site_settings, committed
):
    client.get("/")
    site_settings.logo = ImageFactory(title="Logo", file__width=400, file__height=112)
    site_settings.favicon = ImageFactory(title="Icona", file__width=128, file__height=128)
    with committed():
        site_settings.save()

    page = soup(client.get("/"))
    logo = page.select_one("header .site-brand img")
    assert logo["src"].startswith("/media/images/") and logo["height"] == "56"
    assert logo["alt"] == "Gruppo Cooperativo CGM"
    icon = page.find("link", rel="icon")
    assert icon["href"].startswith("/media/images/") and icon["href"].endswith(".png")
    assert icon["sizes"] == "64x64"


def test_the_typeface_is_self_hosted(client, site_tree):
    css = Path(finders.find("css/site.css")).read_text(encoding="utf-8")
    fonts = re.findall(r'url\("\.\./fonts/([^"]+)"\)', css)
    assert {"titillium-web/titillium-web-latin-400-normal.woff2"} <= set(fonts)
    for font in fonts:
        assert finders.find(f"fonts/{font}"), font
    assert re.search(r'font-family: "Titillium Web", system-ui', css)
    # No font (or anything else) from another site.
    head = soup(client.get("/")).head
    loaded = [link["href"] for link in head.find_all("link", rel=["stylesheet", "preload"])]
    loaded += [script["src"] for script in head.find_all("script", src=True)]
    assert "/static/fonts/titillium-web/titillium-web-latin-400-normal.woff2" in loaded
    assert all(address.startswith("/static/") for address in loaded), loaded
    assert "//" not in re.sub(r"/\*.*?\*/", "", css, flags=re.S).replace("url(", "")


def test_the_footer_shows_address_vat_social_links_and_legal_pages(
    client, site_tree, site_settings, committed
):
    privacy = site_tree.home.add_child(instance=StandardPage(title="Privacy", slug="privacy"))
    statement = site_tree.home.add_child(
        instance=StandardPage(title="Dichiarazione di accessibilità", slug="accessibilita")
    )
    site_settings.address = "Via Rosa Zalivani 2\n25125 Brescia"
    site_settings.vat_number = "01234567890"
    site_settings.privacy_page = privacy
    site_settings.accessibility_page = statement
    site_settings.linkedin_url = "https://www.linkedin.com/company/cgm"
    site_settings.facebook_url = "https://www.facebook.com/cgm"
    with committed():
        site_settings.save()

    footer = soup(client.get("/")).select_one("footer.site-footer")
    assert list(footer.address.stripped_strings) == ["Via Rosa Zalivani 2", "25125 Brescia"]
    assert text_of(footer.select_one(".site-footer__vat")) == "Partita IVA 01234567890"
    social = footer.select_one(".site-footer__social")
    assert text_of(social.select_one(".site-footer__heading")) == "Seguici"
    assert [(text_of(a), a["href"]) for a in social.select("a")] == [
        ("Facebook", "https://www.facebook.com/cgm"),
        ("LinkedIn", "https://www.linkedin.com/company/cgm"),
    ]
    legal = [(text_of(a), a["href"]) for a in footer.select(".site-footer__legal a")]
    assert legal == [
        ("Informativa sulla privacy", "/privacy/"),
        ("Dichiarazione di accessibilità", "/accessibilita/"),
    ]


def test_a_footer_without_those_details_leaves_them_out(client, site_tree):
    footer = soup(client.get("/")).select_one("footer.site-footer")
    assert footer.select(".site-footer__vat, .site-footer__social, .site-footer__legal") == []


def test_editing_site_settings_refreshes_every_cached_page(
    client, site_tree, site_settings, committed
):
    with committed():
        article = ArticlePageFactory(parent=site_tree.news_index)
    paths = ["/", "/notizie/", article.url]
    for path in paths:
        client.get(path)
        assert client.get(path)["X-Page-Cache"] == "hit", path
    site_settings.vat_number = "09876543210"
    with committed():
        site_settings.save()
    for path in paths:
        response = client.get(path)
        assert response["X-Page-Cache"] == "miss", path
        assert "09876543210" in response.content.decode(), path


def test_the_accessibility_statement_is_shown_everywhere_so_edits_purge_all(
    client, site_tree, site_settings, committed
):
    statement = site_tree.home.add_child(
        instance=StandardPage(title="Dichiarazione di accessibilità", slug="accessibilita")
    )
    site_settings.accessibility_page = statement
    with committed():
        site_settings.save()
    client.get("/notizie/")
    statement.title = "Accessibilità"
    statement.slug = "dichiarazione-accessibilita"
    with committed():
        statement.save_revision().publish()
    footer = soup(client.get("/notizie/")).select_one("footer.site-footer")
    assert footer.select_one(".site-footer__legal a")["href"] == "/dichiarazione-accessibilita/"


def test_the_navigation_folds_behind_a_menu_that_works_without_javascript(client, site_tree):
    page = soup(client.get("/"))
    menu = page.select_one("nav.site-nav details.site-menu")
    # Open in the HTML: without JavaScript every link is there; <summary> is the button.
    assert menu.has_attr("open")
    assert text_of(menu.summary) == "Menu"
    assert menu.select_one("ul.site-nav__list a")["href"] == "/notizie/"
    script = page.find("script", src="/static/js/nav.js")
    assert script is not None and script.has_attr("defer") and not script.string
    assert finders.find("js/nav.js")
