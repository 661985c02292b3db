"""Template context every page of the site shell needs."""

from django.utils.functional import SimpleLazyObject


def site_shell(request):
    """Categories for the navigation and the news index they link to, loaded only if used.

    ``site_version`` goes into the key of every cached fragment (a card, an article's
    body) beside the object's own version: a renamed category, a replaced image or new
    site settings make every fragment showing them stale (``cgmsite.page_cache``). It is
    read once a request, when the first fragment needs it.
    """
    from cgmsite.page_cache import site_version
    from events.models import WebinarIndexPage
    from news.models import Category, NewsIndexPage

    return {
        "nav_categories": SimpleLazyObject(lambda: list(Category.objects.all())),
        "nav_news_index": SimpleLazyObject(lambda: NewsIndexPage.objects.live().first()),
        "nav_webinar_index": SimpleLazyObject(lambda: WebinarIndexPage.objects.live().first()),
        "site_version": SimpleLazyObject(site_version),
    }
