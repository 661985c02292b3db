"""Site-wide views: search and robots.txt."""

import hashlib

from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from cgmsite import page_cache
from news.models import listed_posts, paginate

MAX_QUERY_LENGTH = 200


class CappedPaginator(Paginator):
    """Counts matches only up to ``SEARCH_MAX_RESULTS``: a word most posts contain would
    otherwise cost a count of all of them on every search (100 ms for 9,142 matches at
    10,000 posts, 21 ms capped at 1,000; docs/benchmarks.md). Pages beyond the cap are not
    offered; the page says "more than 1,000 results" and the newest come first.

    With ``count_key`` (the words searched) the count is kept under the page cache's
    version of the search page, which every post published or withdrawn renews
    (``cgmsite.cache_map.common_paths``): the next pages of a search, and the same search
    by another reader, do not count again (13 of a search's 40 ms at 10,000 posts).
    """

    def __init__(self, object_list, per_page, *, count_key="", **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_key = count_key

    @property
    def count(self):
        if not hasattr(self, "_capped_count"):
            limit = settings.SEARCH_MAX_RESULTS
            found = self.kept_count()
            if found is None:
                found = self.object_list[: limit + 1].count()
                if self.count_key:
                    cache.set(self.cache_key(), found, timeout=24 * 3600)
            self.capped = found > limit
            self._capped_count = min(found, limit)
        return self._capped_count

    def cache_key(self) -> str:
        words = hashlib.sha256(self.count_key.encode()).hexdigest()
        path = reverse("search")
        return f"search-count:{settings.SEARCH_MAX_RESULTS}:{words}:{page_cache.path_version(path)}"

    def kept_count(self) -> int | None:
        if not self.count_key:
            return None
        found = cache.get(self.cache_key())
        return found if isinstance(found, int) else None


@require_GET
def search(request):
    """Full-text search over posts (title, standfirst, body, categories), newest first.

    An empty query shows the form; an over-long one is cut to ``MAX_QUERY_LENGTH``
    characters rather than refused, so pasting a paragraph still finds something.
    """
    # NUL characters are refused by PostgreSQL and end an SQLite FTS5 string early.
    query = " ".join(request.GET.get("q", "").replace("\x00", " ").split())[:MAX_QUERY_LENGTH]
    results = None
    if query:
        # The SQLite backend wraps each word in double quotes for FTS5 without
        # escaping the ones inside it, so a stray quote would be a syntax error.
        words = query.replace('"', " ").strip()
        # Newest first, like the rest of the newsroom. Ranking by relevance made
        # Wagtail's SQLite backend score every match in a correlated subquery:
        # seconds per search on 10,000 posts (docs/benchmarks.md).
        posts = (
            listed_posts().search(words, order_by_relevance=False)
            if words
            else listed_posts().none()
        )
        results = paginate(
            request, posts, settings.SEARCH_PAGE_SIZE, CappedPaginator, count_key=words
        )
    query_string = urlencode({"q": query})
    canonical_url = request.build_absolute_uri(reverse("search"))
    if query:
        canonical_url += f"?{query_string}"
    context = {
        "query": query,
        "results": results,
        "query_string": query_string,
        "canonical_url": canonical_url,
    }
    return TemplateResponse(request, "search/search.html", context)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /cerca/",
        "Disallow: /attestati/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
