"""`make screenshots`: the demo site's main pages at phone and desktop width, and the
invitation e-mail as a member receives it, written to docs/screenshots/.

Not part of the suite (the file name does not start with ``test_``); it runs the same
fixtures (live server, Debian's Chromium, a real SMTP server) on the demo content.
"""

import os
import re
from pathlib import Path

from django.core.management import call_command
from django.utils import timezone

import pytest

from events.models import WebinarPage
from news.models import ArticlePage
from tests.browser.conftest import CONFIRM_LINK, press, type_in_form_with_keyboard

pytestmark = pytest.mark.django_db(transaction=True)

OUT = Path(os.environ.get("SCREENSHOTS_DIR", Path(__file__).parents[2] / "docs" / "screenshots"))
WIDTHS = {"mobile": (375, 812), "desktop": (1280, 900)}


@pytest.fixture
def demo(wagtail_bootstrap, live_server, settings, mailbox):
    settings.SITE_BASE_URL = live_server.url
    call_command("load_demo_content", verbosity=0)
    return WebinarPage.objects.live().filter(start__gt=timezone.now()).order_by("start").first()


def shoot(browser, url: str, name: str) -> None:
    for label, (width, height) in WIDTHS.items():
        context = browser.new_context(locale="it-IT", viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(url)
        page.screenshot(path=OUT / f"{name}-{label}.png", full_page=label == "mobile")
        context.close()


def test_screenshots(demo, live_server, browser, page, mailbox):
    OUT.mkdir(parents=True, exist_ok=True)
    base = live_server.url
    pages = {
        "home": "/",
        "news": "/notizie/",
        "category": "/notizie/categoria/welfare/",
        "webinars": "/webinar/",
        "webinar": demo.url,
        "my-registrations": "/iscrizioni/le-mie/",
    }
    pages["article"] = ArticlePage.objects.live().order_by("-date").first().url
    for name, path in pages.items():
        shoot(browser, base + path, name)

    page.goto(base + demo.url)
    type_in_form_with_keyboard(page, "maria.rossi@cgm.coop")
    page.wait_for_url("**/controlla-la-posta/")
    page.goto(CONFIRM_LINK.search(mailbox.text(mailbox.last("maria.rossi@cgm.coop"))).group(0))
    press(page, "Conferma la mia iscrizione")
    page.wait_for_selector("text=La tua iscrizione è confermata")
    invitation = mailbox.html(mailbox.last("maria.rossi@cgm.coop"))
    # The e-mail's own links point at the live server; a mail client shows the same.
    for label, (width, height) in WIDTHS.items():
        context = browser.new_context(locale="it-IT", viewport={"width": width, "height": height})
        mail_page = context.new_page()
        mail_page.set_content(re.sub(r"<script.*?</script>", "", invitation, flags=re.S))
        mail_page.screenshot(path=OUT / f"invitation-email-{label}.png", full_page=True)
        context.close()
    assert len(list(OUT.glob("*.png"))) >= 2 * (len(pages) + 1)
