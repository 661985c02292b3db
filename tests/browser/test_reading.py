"""A reader's path through the site in a real browser: home, category, article, search."""

from datetime import date

import pytest

from tests.factories import ArticlePageFactory, CategoryFactory, ImageFactory, build_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def newsroom(wagtail_bootstrap, live_server):
    tree = build_site_tree()
    welfare = CategoryFactory(name="Welfare", slug="welfare", description="Welfare territoriale.")
    finanza = CategoryFactory(name="Finanza", slug="finanza")
    ArticlePageFactory(
        parent=tree.news_index,
        title="Al via napoliwelfare",
        standfirst="La piattaforma che fornisce servizi di welfare",
        date=date(2020, 4, 21),
        place="Napoli",
        hero_image=ImageFactory(description="Una piazza di Napoli"),
        categories=[welfare],
    )
    ArticlePageFactory(
        parent=tree.news_index,
        title="Mano pubblica per la finanza etica",
        date=date(2020, 4, 6),
        categories=[finanza],
    )
    return tree


def test_reader_browses_by_category_and_opens_an_article(
    newsroom, live_server, page, csp_violations
):
    home = page.goto(live_server.url + "/")
    assert "script-src 'self'" in home.headers["content-security-policy"]
    assert page.locator("h1").inner_text() == "Gruppo Cooperativo CGM"
    assert page.locator(".card__title").count() == 2

    page.get_by_role("navigation", name="Categorie").get_by_role("link", name="Welfare").click()
    page.wait_for_url("**/notizie/categoria/welfare/")
    assert page.locator("h1").inner_text() == "Welfare"
    titles = page.locator(".card__title").all_inner_texts()
    assert titles == ["Al via napoliwelfare"]

    page.get_by_role("link", name="Al via napoliwelfare").click()
    page.wait_for_url("**/notizie/*/")
    assert page.locator(".dateline").inner_text() == "Napoli, 21 aprile 2020"
    hero = page.locator(".post__hero img")
    assert hero.get_attribute("alt") == "Una piazza di Napoli"
    # The browser picked a WebP rendition from the <picture>'s sources.
    assert ".webp" in hero.evaluate("img => img.currentSrc")
    assert csp_violations == []

    # An inline script without the page's nonce, as an injection would add, does not run.
    ran = page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.injected = true";
            document.body.append(script);
            return window.injected === true;
        }"""
    )
    assert not ran
    assert len(csp_violations) == 1 and "inline script" in csp_violations[0]


def test_reader_searches_from_the_header(newsroom, live_server, page):
    page.goto(live_server.url + "/notizie/")
    page.get_by_role("searchbox", name="Cerca nel sito").fill("finanza etica")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cerca/?q=finanza+etica")
    assert page.locator(".card__title").all_inner_texts() == ["Mano pubblica per la finanza etica"]


def test_keyboard_user_can_skip_to_content(newsroom, live_server, page):
    page.goto(live_server.url + "/")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    assert skip.evaluate("el => el === document.activeElement")
    box = skip.bounding_box()
    assert box["y"] >= 0, "the skip link becomes visible when focused"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "contenuto"


def test_small_screen_has_no_horizontal_scroll(newsroom, live_server, browser):
    context = browser.new_context(locale="it-IT", viewport={"width": 360, "height": 740})
    page = context.new_page()
    for path in ("/", "/notizie/", "/notizie/categoria/welfare/", "/cerca/?q=welfare"):
        page.goto(live_server.url + path)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{path} scrolls sideways by {overflow}px"
    context.close()
