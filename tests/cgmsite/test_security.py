"""Content-Security-Policy on every page, HSTS, and Django's deployment checklist.

The public pages run only the site's own scripts and styles (an inline script would need
the request's nonce); the admin has a policy of its own, with inline code, and nothing
from other sites.
"""

import subprocess
from urllib.parse import urlsplit

from django.contrib.auth import get_user_model

from wagtail.embeds.blocks import EmbedValue
from wagtail.embeds.embeds import get_embed_hash
from wagtail.embeds.models import Embed

import pytest

from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
from tests.factories import ArticlePageFactory, ImageFactory
from tests.utils import production_process, soup

VIDEO = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
VIMEO = "https://vimeo.com/76979871"


def policy(response) -> dict[str, list[str]]:
    """The response's Content-Security-Policy, directive by directive."""
    directives = [part.split() for part in response["Content-Security-Policy"].split(";")]
    return {name: sources for name, *sources in directives}


def stored_embed(url: str, src: str) -> None:
    """An embed as Wagtail keeps it after asking the provider (no request is made)."""
    Embed.objects.create(
        hash=get_embed_hash(url),
        url=url,
        type="video",
        html=f'<iframe width="200" height="113" src="{src}" allowfullscreen></iframe>',
        title="Video",
        thumbnail_url="",
        width=200,
        height=113,
        provider_name="",
    )


@pytest.fixture
def public_pages(site_tree):
    stored_embed(VIDEO, "https://www.youtube.com/embed/dQw4w9WgXcQ?feature=oembed")
    stored_embed(VIMEO, "https://player.vimeo.com/video/76979871")
    article = ArticlePageFactory(
        parent=site_tree.news_index,
        hero_image=ImageFactory(),
        body=[
            ("text", "<p>Il Covid-19 ha modificato la quotidianità.</p>"),
            ("embed", EmbedValue(VIDEO)),
            ("embed", EmbedValue(VIMEO)),
        ],
    )
    index = WebinarIndexPageFactory(parent=site_tree.home)
    webinar = WebinarPageFactory(parent=index)
    return {
        "home": "/",
        "article": article.url,
        "webinars": index.url,
        "webinar": webinar.url,
        "search": "/cerca/?q=Covid",
        "not found": "/non-esiste/",
    }


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["home", "article", "webinars", "webinar", "search", "not found"])
def test_public_pages_run_only_the_sites_own_scripts_and_styles(client, public_pages, name):
    response = client.get(public_pages[name])
    csp = policy(response)

    assert csp["default-src"] == ["'self'"]
    assert [s for s in csp["script-src"] if not s.startswith("'nonce-")] == ["'self'"]
    assert csp["style-src"] == ["'self'"]
    assert csp["img-src"] == ["'self'"]
    assert csp["object-src"] == ["'none'"]
    assert csp["base-uri"] == ["'self'"]
    assert csp["form-action"] == ["'self'"]
    assert csp["frame-ancestors"] == ["'self'"]
    # What the policy forbids is not in the page: inline scripts carry the nonce, and
    # there are no event-handler or style attributes.
    page = soup(response)
    nonces = [s.removeprefix("'nonce-").removesuffix("'") for s in csp["script-src"]]
    for script in page.find_all("script", src=False):
        if script.get("type") not in ("application/json", "application/ld+json"):
            assert script.get("nonce") in nonces, script
    for element in page.find_all(True):
        assert "style" not in element.attrs, element
        assert not [a for a in element.attrs if a.startswith("on")], element
    assert not page.find_all("style")


@pytest.mark.django_db
def test_embedded_videos_play_in_frames_the_policy_allows(client, public_pages):
    response = client.get(public_pages["article"])

    frames = [urlsplit(frame["src"]) for frame in soup(response).select("main .embed iframe")]
    assert [frame.netloc for frame in frames] == ["www.youtube.com", "player.vimeo.com"]
    allowed = policy(response)["frame-src"]
    assert all(f"{frame.scheme}://{frame.netloc}" in allowed for frame in frames)


@pytest.mark.django_db
def test_the_admin_has_its_own_policy_with_nothing_from_other_sites(client, site_tree):
    login = client.get("/admin/login/")
    client.force_login(get_user_model().objects.create_superuser("staff", "s@cgm.coop", "x"))
    dashboard = client.get("/admin/")

    for response in (login, dashboard):
        assert response.status_code == 200
        csp = policy(response)
        # Wagtail's own templates have inline scripts and style attributes, without nonces.
        assert csp["script-src"] == ["'self'", "'unsafe-inline'"]
        assert csp["style-src"] == ["'self'", "'unsafe-inline'"]
        assert csp["default-src"] == ["'self'"]
        assert csp["connect-src"] == ["'self'"]
        assert csp["img-src"] == ["'self'", "data:", "blob:"]
        assert csp["object-src"] == ["'none'"]
        assert csp["frame-ancestors"] == ["'self'"]
    # No avatar from Gravatar, no release check: the admin asks nothing of other sites.
    assert b"gravatar.com" not in dashboard.content
    assert b"releases.wagtail.org" not in dashboard.content


def production(*args: str, **env: str) -> subprocess.CompletedProcess:
    """``manage.py ARGS`` with the production settings, as on a server."""
    return production_process(["manage.py", *args], **env)


def test_the_deployment_checklist_finds_nothing_in_production_settings():
    result = production("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode == 0, result.stderr + result.stdout
    assert "System check identified no issues" in result.stdout, result.stdout
    assert "WARNING" not in result.stderr.upper(), result.stderr


HSTS = (
    "from django.conf import settings; "
    "print(settings.SECURE_HSTS_SECONDS, settings.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "settings.SECURE_HSTS_PRELOAD)"
)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, "31536000 True False"),
        (
            {
                "SECURE_HSTS_SECONDS": "63072000",
                "SECURE_HSTS_INCLUDE_SUBDOMAINS": "false",
                "SECURE_HSTS_PRELOAD": "true",
            },
            "63072000 False True",
        ),
    ],
)
def test_hsts_lasts_a_year_in_production_and_is_configurable(env, expected):
    result = production("shell", "-c", HSTS, **env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == expected
