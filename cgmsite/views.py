"""Site-wide views: search and robots.txt."""

from django.conf import settings
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.http import urlencode
from django.views.decorators.http import require_GET

from news.models import listed_posts, paginate

MAX_QUERY_LENGTH = 200


@require_GET
def search(request):
    """Full-text search over posts (title, standfirst, body, categories), paginated.

    An empty query shows the form; an over-long one is cut to ``MAX_QUERY_LENGTH``
    characters rather than refused, so pasting a paragraph still finds something.
    """
    query = " ".join(request.GET.get("q", "").split())[:MAX_QUERY_LENGTH]
    results = None
    if query:
        results = paginate(request, listed_posts().search(query), settings.SEARCH_PAGE_SIZE)
    context = {"query": query, "results": results, "query_string": urlencode({"q": query})}
    return TemplateResponse(request, "search/search.html", context)


@require_GET
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Disallow: /admin/",
        "Disallow: /cerca/",
        f"Sitemap: {request.build_absolute_uri('/sitemap.xml')}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
