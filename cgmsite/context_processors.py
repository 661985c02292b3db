"""Template context every page of the site shell needs."""

from django.utils.functional import SimpleLazyObject


def site_shell(request):
    """Categories for the navigation and the news index they link to, loaded only if used."""
    from events.models import WebinarIndexPage
    from news.models import Category, NewsIndexPage

    return {
        "nav_categories": SimpleLazyObject(lambda: list(Category.objects.all())),
        "nav_news_index": SimpleLazyObject(lambda: NewsIndexPage.objects.live().first()),
        "nav_webinar_index": SimpleLazyObject(lambda: WebinarIndexPage.objects.live().first()),
    }
