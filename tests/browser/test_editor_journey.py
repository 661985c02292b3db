"""An editor in Wagtail's admin, in Chromium against the live server.

She writes an article with two categories, an image and a paragraph, publishes it and finds
it on both category pages; then announces a webinar and finds it under /webinar/.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import STAFF_PASSWORD
from tests.events.factories import WebinarIndexPageFactory
from tests.factories import CategoryFactory, ImageFactory, build_site_tree

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def newsroom(wagtail_bootstrap, live_server):
    tree = build_site_tree()
    tree.webinars = WebinarIndexPageFactory(parent=tree.home)
    for name in ("Educazione", "Welfare", "Finanza", "Formazione", "News"):
        CategoryFactory(name=name, slug=name.lower())
    ImageFactory(title="Laboratorio di falegnameria", description="Un laboratorio")
    get_user_model().objects.create_superuser("editor", "editor@cgm.coop", STAFF_PASSWORD)
    return tree


def log_in(page, live_server) -> None:
    page.goto(live_server.url + "/admin/login/")
    page.locator("input[name=username]").fill("editor")
    page.locator("input[name=password]").fill(STAFF_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/admin/")


def publish(page) -> None:
    """The editor's footer: open the actions menu and press «Pubblica».

    First Wagtail 8's autosave settles: it creates a new page as it is typed, and a publish
    sent while that first save is in flight (the form still pointing at «add») makes a second
    page. Settled means the editor has taken its first look at the form, no save is running
    and nothing typed since is left unsaved (or autosave has paused: the publish saves it all).
    """
    page.wait_for_function(
        """() => {
            const form = document.getElementById("page-edit-form");
            const state = document.getElementById("w-autosave-indicator")
                ?.getAttribute("data-w-autosave-state-value");
            if (state === "paused") return true;
            const unsaved = window.wagtail.app.getControllerForElementAndIdentifier(
                form, "w-unsaved");
            return state !== "saving" && Boolean(unsaved.initialFormData)
                && unsaved.initialFormData === unsaved.formData;
        }""",
        timeout=30_000,
    )
    page.locator("footer [data-w-dropdown-target=toggle]").first.click()
    page.get_by_role("button", name="Pubblica").click()
    page.wait_for_selector(".messages .success, [data-w-messages-target] .success")


def test_editor_publishes_an_article_and_a_webinar(newsroom, live_server, page, csp_violations):
    log_in(page, live_server)
    page.goto(f"{live_server.url}/admin/pages/add/news/articlepage/{newsroom.news_index.pk}/")
    page.locator("#id_title").fill("Cooperative e scuole insieme")
    page.locator("#id_standfirst").fill("Un patto educativo tra cooperative e scuole.")
    page.locator("#id_date").fill(timezone.localdate().isoformat())
    page.keyboard.press("Escape")
    page.get_by_role("checkbox", name="Educazione").check()
    page.get_by_role("checkbox", name="Welfare").check()

    page.locator("[data-contentpath=hero_image] .chooser__choose-button").click()
    page.get_by_text("Laboratorio di falegnameria", exact=True).click()
    page.wait_for_selector(".chooser__title:has-text('Laboratorio di falegnameria')")

    page.locator("[data-contentpath=body] .c-sf-add-button").first.click()
    page.get_by_role("option", name="Testo").click()
    page.locator(".public-DraftEditor-content").first.click()
    page.keyboard.type("Le cooperative sociali e le scuole firmano un patto.")
    # Draftail copies what was typed into the form a moment later, as a person pauses.
    page.wait_for_function(
        """() => [...document.querySelectorAll("[data-contentpath=body] input[type=hidden]")]
            .some(input => input.value.includes("firmano un patto"))"""
    )
    publish(page)

    for category in ("educazione", "welfare"):
        page.goto(f"{live_server.url}/notizie/categoria/{category}/")
        # Once: a publish racing the autosave would have made a second page.
        titles = page.locator(".card__title").all_inner_texts()
        assert titles.count("Cooperative e scuole insieme") == 1
    page.goto(f"{live_server.url}/notizie/categoria/finanza/")
    assert "Cooperative e scuole insieme" not in page.locator("main").inner_text()
    page.get_by_role("link", name="Educazione").first.click()
    page.get_by_role("link", name="Cooperative e scuole insieme").click()
    assert "Le cooperative sociali e le scuole firmano un patto." in page.inner_text("main")
    assert page.locator("main img").first.get_attribute("alt") == "Un laboratorio"

    start = timezone.localtime() + timedelta(days=10)
    page.goto(f"{live_server.url}/admin/pages/add/events/webinarpage/{newsroom.webinars.pk}/")
    page.locator("#id_title").fill("Bilancio sociale: istruzioni per l’uso")
    page.locator("#id_date").fill(timezone.localdate().isoformat())
    page.locator("#id_start").fill(start.strftime("%Y-%m-%d 10:00"))
    page.locator("#id_end").fill(start.strftime("%Y-%m-%d 11:30"))
    page.keyboard.press("Escape")
    page.locator("#id_capacity").fill("50")
    page.locator("#id_contact_email").fill("formazione@cgm.coop")
    page.locator("#id_teams_join_url").fill(
        "https://teams.microsoft.com/l/meetup-join/19%3ameeting_bilancio%40thread.v2/0"
    )
    # The preview panel shows the page, in a frame of the site's own.
    page.locator('[data-side-panel-toggle="preview"]').click()
    expect(page.frame_locator("#w-preview-iframe").locator("h1")).to_have_text(
        "Bilancio sociale: istruzioni per l’uso"
    )
    publish(page)

    page.goto(live_server.url + "/webinar/")
    assert "Bilancio sociale: istruzioni per l’uso" in page.inner_text("main")
    # Nothing on the way (login, editor, image chooser, preview, pages) was refused by
    # the pages' Content-Security-Policy.
    assert csp_violations == []
