"""Helpers for reading responses as a reader would, and for running the site as a server does."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from defusedxml import ElementTree

ROOT = Path(__file__).resolve().parent.parent
SITEMAP_NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9"}


def soup(response) -> BeautifulSoup:
    """The response's HTML, parsed."""
    return BeautifulSoup(response.content, "html.parser")


def text_of(element) -> str:
    """An element's text as a reader sees it: whitespace collapsed."""
    return " ".join(element.get_text().split())


def listed_titles(response) -> list[str]:
    """Titles of the post cards on a listing, home or search page, in display order.

    The home page's separate "upcoming webinars" box is not a list of posts.
    """
    return [
        link.get_text(strip=True)
        for link in soup(response).select("main .card__title a")
        if not link.find_parent(class_="upcoming")
    ]


def path_of(url: str) -> str:
    return urlsplit(url).path


def sitemap_entries(response) -> list[dict[str, str]]:
    """The ``<url>`` entries of a sitemap, parsed with (defused) ``xml.etree``."""
    root = ElementTree.fromstring(response.content)
    return [
        {child.tag.split("}")[1]: child.text for child in url}
        for url in root.iterfind("sm:url", SITEMAP_NS)
    ]


def sitemap_index(response) -> list[str]:
    """The addresses of the sitemap pages a sitemap index lists, in order."""
    root = ElementTree.fromstring(response.content)
    return [loc.text for loc in root.iterfind("sm:sitemap/sm:loc", SITEMAP_NS)]


def all_sitemap_entries(client) -> list[dict[str, str]]:
    """Every ``<url>`` entry a crawler finds from /sitemap.xml, following the index."""
    entries = []
    for url in sitemap_index(client.get("/sitemap.xml")):
        split = urlsplit(url)
        response = client.get(f"{split.path}?{split.query}" if split.query else split.path)
        assert response.status_code == 200, url
        entries += sitemap_entries(response)
    return entries


def production_process(
    argv: list[str], *, drop: tuple[str, ...] = (), **env: str
) -> subprocess.CompletedProcess:
    """``python ARGV`` run as on a server: the production settings, a real secret key and
    an e-mail host, none of the variables starting with ``drop`` (nor what the browser
    tests set for themselves), then ``env``."""
    dropped = ("DJANGO_ALLOW_ASYNC_UNSAFE", *drop)
    environment = {
        **{k: v for k, v in os.environ.items() if not k.startswith(dropped)},
        "DJANGO_SETTINGS_MODULE": "cgmsite.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_HOST": "localhost",
        **env,
    }
    return subprocess.run(  # noqa: S603
        [sys.executable, *argv],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
