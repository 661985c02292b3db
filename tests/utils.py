"""Helpers for reading responses as a reader would."""

from urllib.parse import urlsplit

from bs4 import BeautifulSoup
from defusedxml import ElementTree

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
