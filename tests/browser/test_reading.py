"""A reader's path through the site in a real browser: home, category, article, pagination,
author page, search; every page on the way passes axe-core's WCAG A/AA rules at 375 and
1280 px."""

from datetime import date, timedelta

import pytest

from tests.factories import ArticlePageFactory, CategoryFactory, ImageFactory, build_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def newsroom(wagtail_bootstrap, live_server, settings):
    settings.NEWS_PAGE_SIZE = 2  # three welfare posts: two pages
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
        authors=[("Stefano Granata", "Presidente Gruppo Cooperativo CGM")],
    )
    for days in (1, 2):
        ArticlePageFactory(
            parent=tree.news_index,
            title=f"Welfare di comunità, puntata {days}",
            date=date(2020, 4, 21) + timedelta(days=days),
            categories=[welfare],
            authors=[("Stefano Granata", "Presidente Gruppo Cooperativo CGM")],
        )
    ArticlePageFactory(
        parent=tree.news_index,
        title="Mano pubblica per la finanza etica",
        date=date(2020, 4, 6),
        categories=[finanza],
    )
    return tree


def test_reader_goes_from_home_to_an_author_and_finds_a_post_by_searching(
    newsroom, live_server, page, a11y, csp_violations
):
    page.goto(live_server.url + "/")
    a11y.check("home")
    page.get_by_role("link", name="Welfare").first.click()
    page.wait_for_url("**/notizie/categoria/welfare/")
    assert page.locator("h1").inner_text() == "Welfare"
    assert page.locator(".card__title").all_inner_texts() == [
        "Welfare di comunità, puntata 2",
        "Welfare di comunità, puntata 1",
    ]
    a11y.check("category page")
    page.get_by_role("link", name="Meno recenti →").click()
    page.wait_for_url("**/notizie/categoria/welfare/?page=2")
    assert page.locator(".card__title").all_inner_texts() == ["Al via napoliwelfare"]

    page.get_by_role("link", name="Al via napoliwelfare").click()
    page.wait_for_url("**/notizie/al-via-napoliwelfare*/")
    assert page.locator(".dateline").inner_text() == "Napoli, 21 aprile 2020"
    assert page.locator(".post__hero img").get_attribute("alt") == "Una piazza di Napoli"
    related = page.get_by_role("region", name="Leggi anche")
    assert related.get_by_role("link", name="Welfare di comunità, puntata 2").count() == 1
    a11y.check("article")

    page.get_by_role("link", name="Stefano Granata").click()
    page.wait_for_url("**/notizie/autori/stefano-granata/")
    assert page.locator("h1").inner_text() == "Stefano Granata"
    assert "Al via napoliwelfare" not in page.locator(".card__title").all_inner_texts()
    page.get_by_role("link", name="Meno recenti →").click()
    assert page.locator(".card__title").all_inner_texts() == ["Al via napoliwelfare"]
    a11y.check("author page")

    page.get_by_role("searchbox", name="Cerca nel sito").fill("napoliwelfare")
    page.keyboard.press("Enter")
    page.wait_for_url("**/cerca/?q=napoliwelfare")
    assert page.locator(".card__title").all_inner_texts() == ["Al via napoliwelfare"]
    a11y.check("search results")

    page.goto(live_server.url + "/notizie/")
    a11y.check("news list")
    assert page.goto(live_server.url + "/notizie/non-esiste/").status == 404
    a11y.check("404")
    assert csp_violations == []


def test_an_injected_inline_script_does_not_run(newsroom, live_server, page, csp_violations):
    home = page.goto(live_server.url + "/")
    assert "script-src 'self'" in home.headers["content-security-policy"]
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
