"""RSS 2.0 feeds of the news stream and of each category.

Built on Django's syndication framework. Links are absolute, taken from the
Wagtail site (kept in step with ``SITE_BASE_URL`` by the set-up), so feed
readers can follow them from anywhere.
"""

from datetime import datetime, time

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.utils import timezone
from django.utils.feedgenerator import Rss201rev2Feed
from django.utils.translation import gettext as _

from news.models import listed_posts

FEED_LENGTH = 30


class PostFeed(Feed):
    """The latest posts, optionally of one category."""

    feed_type = Rss201rev2Feed

    def __init__(self, index_page, category=None):
        super().__init__()
        self.index_page = index_page
        self.category = category

    def __call__(self, request, *args, **kwargs):
        self.request = request
        response = super().__call__(request, *args, **kwargs)
        response["Content-Type"] = "application/rss+xml; charset=utf-8"
        return response

    def title(self):
        site_name = settings.WAGTAIL_SITE_NAME
        if self.category:
            return _("%(site)s – %(category)s") % {"site": site_name, "category": self.category}
        return _("%(site)s – News") % {"site": site_name}

    def link(self):
        url = self.index_page.get_full_url(self.request)
        if self.category:
            url += self.index_page.reverse_subpage("category", args=[self.category.slug])
        return url

    def description(self):
        if self.category and self.category.description:
            return self.category.description
        return _("Articles and webinars of the CGM network.")

    def feed_url(self):
        name, args = ("category_feed", [self.category.slug]) if self.category else ("feed", [])
        return self.index_page.get_full_url(self.request) + self.index_page.reverse_subpage(
            name, args=args
        )

    def items(self):
        posts = listed_posts(images=False)
        if self.category:
            posts = posts.filter(categories=self.category)
        return posts[:FEED_LENGTH]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_full_url(self.request)

    def item_guid(self, item):
        return item.get_full_url(self.request)

    def item_pubdate(self, item):
        return timezone.make_aware(datetime.combine(item.date, time.min))

    def item_updateddate(self, item):
        return item.last_published_at

    def item_categories(self, item):
        return [category.name for category in item.categories.all()]
