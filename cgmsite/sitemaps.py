"""The sitemap: an index at /sitemap.xml pointing at pages of at most SITEMAP_PAGE_SIZE URLs.

One file with every page of a large newsroom took seconds and weighed hundreds of
kilobytes (docs/benchmarks.md), because Wagtail's own sitemap loads each page's specific
object and asks it for its URL. Here each section is Django's sitemap framework over plain
rows: a page's address is its ``url_path`` under the site's root, read with ``values()``,
so a sitemap page costs the same four queries whatever it lists. The sections:

- ``pages`` (/sitemap-pages.xml?p=N): every live, public page of the request's site, in
  tree order;
- ``categories`` (/sitemap-categories.xml): one category page per category.

``robots.txt`` points crawlers at the index (``cgmsite.views.robots_txt``).
"""

from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.contrib.sitemaps import views as sitemap_views
from django.contrib.sites.shortcuts import get_current_site
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Max
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import iri_to_uri
from django.utils.functional import cached_property
from django.utils.http import http_date

from wagtail.models import Page, Site

NOT_FOR_SEARCH_RESULTS = "noindex, noodp, noarchive"  # Django's sitemap views say the same


def request_site(request) -> Site | None:
    """The Wagtail site answering this request, or the default one."""
    site = Site.find_for_request(request)
    if site is None:
        site = Site.objects.select_related("root_page").filter(is_default_site=True).first()
    return site


def path_in_site(site: Site, url_path: str, serve_prefix: str | None = None) -> str:
    """A page's address on its own site from its row, as ``Page.get_url_parts`` gives it.

    ``serve_prefix`` is ``reverse("wagtail_serve", args=[""])``, worked out once by a
    caller that asks for thousands of addresses.
    """
    if serve_prefix is None:
        serve_prefix = reverse("wagtail_serve", args=[""])
    path = serve_prefix + url_path[len(site.root_page.url_path) :]
    return path if path.isascii() else iri_to_uri(path)


class PageSitemap(Sitemap):
    """Every live, public page of the site, ``SITEMAP_PAGE_SIZE`` to a sitemap page."""

    def __init__(self, request):
        self.request = request
        self.limit = settings.SITEMAP_PAGE_SIZE

    @cached_property
    def site(self) -> Site | None:
        return request_site(self.request)

    def pages(self):
        if self.site is None:
            return Page.objects.none()
        return self.site.root_page.get_descendants(inclusive=True).live().public()

    def items(self):
        # Rows, not pages: the address and the date are all a sitemap needs.
        return (
            self.pages()
            .order_by("path")
            .values_list("url_path", "last_published_at", "latest_revision_created_at")
        )

    def _urls(self, page, protocol, domain):
        """The page's entries, without Django's per-item attribute lookups and reversing."""
        base = f"{protocol}://{domain}"
        serve_prefix = reverse("wagtail_serve", args=[""])
        urls = [
            {
                "location": base + path_in_site(self.site, url_path, serve_prefix),
                "lastmod": published or revised,
            }
            for url_path, published, revised in self.paginator.page(page).object_list
        ]
        dates = [url["lastmod"] for url in urls]
        if dates and None not in dates:
            self.latest_lastmod = max(dates)
        return urls

    def get_latest_lastmod(self):
        """One aggregate, not a walk through every page as Django's default does."""
        return self.pages().aggregate(
            latest=Max(Coalesce("last_published_at", "latest_revision_created_at"))
        )["latest"]


class CategorySitemap(Sitemap):
    """One category page per category, under the site's news index."""

    def __init__(self, request):
        self.request = request

    @cached_property
    def news_index_path(self) -> str | None:
        from news.models import NewsIndexPage

        site = request_site(self.request)
        news_index = (
            NewsIndexPage.objects.descendant_of(site.root_page, inclusive=True)
            .live()
            .public()
            .first()
            if site
            else None
        )
        if news_index is None:
            return None
        return path_in_site(site, news_index.url_path)

    def items(self):
        from news.models import Category

        if self.news_index_path is None:
            return Category.objects.none()
        return Category.objects.order_by("slug").values_list("slug", flat=True)

    def location(self, slug):
        from news.models import NewsIndexPage

        # What NewsIndexPage.reverse_subpage gives; the routes belong to the class.
        return self.news_index_path + NewsIndexPage.get_resolver().reverse("category", slug)


def sections(request) -> dict[str, Sitemap]:
    return {"pages": PageSitemap(request), "categories": CategorySitemap(request)}


def index(request):
    """/sitemap.xml: one entry per sitemap page of each section (Django's index view)."""
    return sitemap_views.index(request, sections(request), sitemap_url_name="sitemap_section")


def section(request, section):
    """/sitemap-<section>.xml?p=N: one page of a section.

    Written out directly: Django's sitemap template costs about 50 µs an address, a
    tenth of a second for a page of 2,000.
    """
    sitemap = sections(request).get(section)
    if sitemap is None:
        raise Http404("No such sitemap.")
    try:
        urls = sitemap.get_urls(
            page=request.GET.get("p", 1), site=get_current_site(request), protocol=request.scheme
        )
    except (EmptyPage, PageNotAnInteger) as error:
        raise Http404("No such sitemap page.") from error
    response = HttpResponse(urlset(urls), content_type="application/xml")
    latest = getattr(sitemap, "latest_lastmod", None)
    if latest is not None:
        response["Last-Modified"] = http_date(latest.timestamp())
    response["X-Robots-Tag"] = NOT_FOR_SEARCH_RESULTS
    return response


def urlset(urls) -> str:
    """The ``<urlset>`` document of these entries; dates in the site's time zone."""
    entries = []
    for url in urls:
        lastmod = url.get("lastmod")
        if lastmod is not None and hasattr(lastmod, "hour"):
            lastmod = timezone.localtime(lastmod)
        entries.append(
            f"<url><loc>{escape(url['location'])}</loc>"
            + (f"<lastmod>{lastmod:%Y-%m-%d}</lastmod>" if lastmod else "")
            + "</url>\n"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        + "".join(entries)
        + "</urlset>\n"
    )
