"""Headless Chromium (Debian's package) driven by Playwright against a live server."""

import os
import re
from datetime import timedelta
from email.message import EmailMessage as MIMEMessage
from pathlib import Path

from django.utils import timezone

import pytest

from tests.factories import ensure_wagtail_root_rows
from tests.registrations.smtpd import SMTPServer

CHROMIUM = Path("/usr/bin/chromium")
# axe-core from the npm registry (`npm ci --prefix tests/browser`, which `make test` runs).
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]
WIDTHS = (375, 1280)
# Playwright's sync API runs an event loop in this thread; the test still talks to the
# database synchronously between browser steps, which Django would otherwise refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("REQUIRE_BROWSER is set but /usr/bin/chromium is missing.")
        pytest.skip("Chromium not installed (apt-get install chromium): browser tests skipped.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="it-IT", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)  # a step that waits longer than this has failed
    yield page
    context.close()


@pytest.fixture
def csp_violations(page):
    """What Chromium refused under the page's Content-Security-Policy (it says so in the
    console), on every page this test's tab opens."""
    violations = []

    def record(message):
        if "Content Security Policy" in message.text:
            violations.append(f"{page.url}: {message.text}")

    page.on("console", record)
    return violations


@pytest.fixture
def wagtail_bootstrap(transactional_db):
    """The rows Wagtail's migrations create, for a transactional test (``factories``)."""
    ensure_wagtail_root_rows()


@pytest.fixture(scope="session")
def axe_source() -> str:
    if not AXE.exists():
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(
                f"REQUIRE_BROWSER is set but {AXE} is missing (npm ci --prefix tests/browser)."
            )
        pytest.skip("axe-core not installed (npm ci --prefix tests/browser): checks skipped.")
    return AXE.read_text(encoding="utf-8")


class Accessibility:
    """axe-core's WCAG 2.0/2.1/2.2 A and AA rules on the page as it is now, at each width."""

    def __init__(self, page, source: str):
        self.page = page
        self.source = source
        self.checked: list[str] = []

    def check(self, label: str) -> None:
        page = self.page
        size = page.viewport_size
        problems = []
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": size["height"]})
            if not page.evaluate("typeof window.axe === 'object'"):
                page.evaluate(self.source)
            result = page.evaluate(
                "options => window.axe.run(document, options)",
                {
                    "runOnly": {"type": "tag", "values": WCAG_TAGS},
                    "resultTypes": ["violations", "incomplete"],
                },
            )
            found = result["violations"] + [
                rule for rule in result["incomplete"] if rule["id"] == "aria-valid-attr-value"
            ]
            for rule in found:
                targets = [" ".join(map(str, node["target"])) for node in rule["nodes"]]
                problems.append(f"{width}px {rule['id']}: {rule['help']} at {targets[:5]}")
        page.set_viewport_size(size)
        self.checked.append(label)
        assert not problems, f"{label} ({page.url}):\n" + "\n".join(problems)


@pytest.fixture
def a11y(page, axe_source) -> Accessibility:
    return Accessibility(page, axe_source)


class Mailbox:
    """What a real SMTP server on localhost received, read the way a mail client would."""

    def __init__(self, server: SMTPServer):
        self.server = server

    def to(self, address: str) -> list[MIMEMessage]:
        address = address.lower()
        return [
            message
            for recipients, message in self.server.received
            if address in (r.lower() for r in recipients)
        ]

    def last(self, address: str) -> MIMEMessage:
        messages = self.to(address)
        assert messages, f"no e-mail reached {address}"
        return messages[-1]

    @staticmethod
    def text(message: MIMEMessage) -> str:
        return message.get_body(("plain",)).get_content()

    @staticmethod
    def html(message: MIMEMessage) -> str:
        return message.get_body(("html",)).get_content()

    @staticmethod
    def calendar(message: MIMEMessage) -> str:
        for part in message.walk():
            if part.get_content_type() == "text/calendar":
                return part.get_content()
        raise AssertionError(f"no calendar in “{message['Subject']}”")


@pytest.fixture(scope="session")
def smtp_session_server():
    with SMTPServer() as server:
        yield server


@pytest.fixture
def mailbox(smtp_session_server, settings) -> Mailbox:
    """Mail the site sends during this test goes over SMTP to a local server."""
    for name, value in smtp_session_server.settings().items():
        setattr(settings, name, value)
    with smtp_session_server.lock:
        smtp_session_server.received.clear()
        smtp_session_server.raw.clear()
    return Mailbox(smtp_session_server)


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab, as a keyboard user does, until ``selector`` has the focus."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement?.matches(s) ?? false", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} never received the focus after {limit} Tabs")


LINK = r"https?://[^\s\"<>]+/iscrizioni/{}/[^\s\"<>/]+/"
CONFIRM_LINK = re.compile(LINK.format("conferma"))
ACCESS_LINK = re.compile(LINK.format("richiedi-accesso"))
MINE_LINK = re.compile(LINK.format("le-mie"))
JOIN_LINK = re.compile(r"https?://[^\s\"<>]+/webinar/entra/[^\s\"<>/]+/")
STAFF_PASSWORD = "s3cret-pass"


@pytest.fixture
def open_webinar(wagtail_bootstrap, live_server, settings, mailbox):
    """A members-only webinar with 20 seats that starts in 20 minutes (its join link is
    already offered to confirmed people)."""
    from registrations.models import MemberDomain, MemberOrganisation
    from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
    from tests.factories import build_site_tree

    settings.SITE_BASE_URL = live_server.url
    tree = build_site_tree()
    index = WebinarIndexPageFactory(parent=tree.home)
    organisation = MemberOrganisation.objects.create(name="Gruppo Cooperativo CGM")
    MemberDomain.objects.create(organisation=organisation, domain="cgm.coop")
    start = (timezone.now() + timedelta(minutes=20)).replace(second=0, microsecond=0)
    return WebinarPageFactory(
        parent=index,
        title="Accogliere nei servizi educativi",
        capacity=20,
        start=start,
        end=start + timedelta(minutes=90),
    )


def type_in_form_with_keyboard(page, email: str) -> None:
    """Reach the form and fill it in with Tab, typing and Space, as a keyboard user does."""
    tab_to(page, "#id_first_name")
    page.keyboard.type("Maria")
    for text in ("Rossi", email, "Cooperativa Sociale Esempio", "Educatrice"):
        page.keyboard.press("Tab")
        page.keyboard.type(text)
    tab_to(page, "#id_privacy_consent", limit=5)
    page.keyboard.press("Space")
    tab_to(page, "section.registration button[type=submit]", limit=5)
    page.keyboard.press("Enter")


def press(page, name: str) -> None:
    """Focus a button by its visible name and press Enter."""
    page.get_by_role("button", name=name).focus()
    page.keyboard.press("Enter")
