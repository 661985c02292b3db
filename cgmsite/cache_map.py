"""What a change makes stale: the one map from an edit to the URL paths that show it.

The site's page cache (``cgmsite.page_cache``) and, when one is configured, the CDN or
Varnish in front (Wagtail's frontend cache, ``WAGTAILFRONTENDCACHE``) are purged of the
same paths, as the change is made and again once it is committed: a reader who loads a
page right after an editor publishes sees the new version, never the one a concurrent
request was still rendering.

- A post (article or webinar) published, unpublished, moved or deleted: its page (old
  and new address), the home page, the news index with every category it had or has,
  their feeds and calendars, the pages of its authors, the articles sharing one of
  those categories (their related posts), the webinar index and calendars, search, the
  sitemap, and
  the pages that link to it (Wagtail's reference index); when those links change
  address or break (a move, a new slug, unpublishing, deleting), everything, since the
  linking pages' bodies are cached as fragments of their own.
- Any other page: its own paths, the pages that link to it, search and the sitemap; an
  index or home page (the navigation, every card's link) or the privacy page (the
  footer, every form) or the accessibility statement (the footer): everything.
- A category, a snippet (an author: their page and every byline naming them), the site
  settings, an image, a document, a site: everything (the navigation, the footer, any
  card).
- A registration that changes a webinar's seats or state ("posti esauriti"): that
  webinar's page, only when what it shows changed.
"""

import math
from urllib.parse import quote, unquote, urlsplit

from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save, pre_delete, pre_save
from django.dispatch import receiver
from django.urls import NoReverseMatch, reverse

from wagtail.models import Page, PageViewRestriction, ReferenceIndex, Site
from wagtail.signals import page_published, page_unpublished, post_page_move
from wagtail.snippets.models import get_snippet_models

from cgmsite import frontend_cache, page_cache
from cgmsite.models import PendingPurge

# The sitemap's pages listing pages (cgmsite/sitemaps.py), besides its index "sitemap".
SITEMAP_PAGES = [("sitemap_section", {"section": "pages"})]


def relative_paths(url_path: str) -> set[str]:
    """The addresses of a page tree path (``/home/notizie/x/``) on each site showing it."""
    found = set()
    for root in Site.get_site_root_paths():
        if url_path.startswith(root.root_path):
            found.add("/" + url_path[len(root.root_path) :])
    return found


def page_paths(url_path: str, page=None) -> set[str]:
    """A page's own addresses, with the routes it serves below them (feeds, categories)."""
    base = relative_paths(url_path)
    routes = page.get_cached_paths() if page is not None else ["/"]
    return {prefix.rstrip("/") + route for prefix in base for route in routes}


def linking_paths(page) -> set[str]:
    """The pages whose body links to ``page`` (a rich-text link shows its address)."""
    paths = set()
    references = ReferenceIndex.get_references_to(page).group_by_source_object()
    for source, _references in references:
        if isinstance(source, Page) and source.live:
            paths |= relative_paths(source.url_path)
    return paths


def common_paths() -> set[str]:
    """What lists pages or searches them: the sitemap and the search results."""
    paths = {reverse("search"), reverse("sitemap")}
    for name, kwargs in SITEMAP_PAGES:
        try:
            paths.add(reverse(name, kwargs=kwargs))
        except NoReverseMatch:
            continue
    return paths


def post_listing_paths(category_slugs, webinar_slugs, author_slugs=()) -> set[str]:
    """Every listing, feed and calendar a post with these categories (and authors)
    appears in."""
    from events.models import WebinarIndexPage
    from news.models import NewsIndexPage

    paths = {"/"} | common_paths()  # the home page lists the latest posts and webinars
    for index in NewsIndexPage.objects.live():
        for prefix in relative_paths(index.url_path):
            paths |= {prefix, prefix + index.reverse_subpage("feed")}
            for slug in category_slugs:
                category = prefix + index.reverse_subpage("category", args=[slug])
                paths |= {category, category + "feed/", category + "calendario.ics"}
            for slug in author_slugs:
                paths.add(prefix + index.reverse_subpage("author", args=[slug]))
    if webinar_slugs is not None:
        for index in WebinarIndexPage.objects.live():
            paths |= relative_paths(index.url_path)
        paths.add(reverse("webinars_ics"))
        paths |= {reverse("webinar_ics", args=[slug]) for slug in webinar_slugs}
    return paths


# Purging ------------------------------------------------------------------------------


def purge(paths) -> None:
    """These paths, here and in the CDN: now, and again once the transaction commits.

    The second purge drops what a reader's request rendered from the database between
    the first and the commit (the old content, under the new version).
    """
    paths = set(paths)
    if paths:
        purge_now(paths)
        transaction.on_commit(lambda: purge_now(paths))


def purge_all() -> None:
    purge_everything_now()
    transaction.on_commit(purge_everything_now)


def purge_now(paths: set[str]) -> None:
    page_cache.purge_paths(paths)
    if getattr(settings, "WAGTAILFRONTENDCACHE", None):
        purge_frontend_cache(paths)


def purge_everything_now() -> None:
    page_cache.purge_everything()
    if getattr(settings, "WAGTAILFRONTENDCACHE", None) and not settings.FRONTEND_CACHE_EXACT_URLS:
        purge_frontend_everything()
    elif getattr(settings, "WAGTAILFRONTENDCACHE", None):
        # A CDN has no version to bump: every address the site serves, once.
        paths = set()
        for url_path in Page.objects.live().public().values_list("url_path", flat=True):
            paths |= relative_paths(url_path)
        from news.models import Author

        authors = set(Author.objects.values_list("slug", flat=True))
        listings = post_listing_paths(category_slugs(), webinar_slugs=(), author_slugs=authors)
        purge_frontend_cache(paths | listings)


# Varnish's "every page" (deploy/varnish/cgmsite.vcl).
EVERYTHING = "/*"


def purge_frontend_cache(paths: set[str]) -> None:
    """Full URLs of every site for the CDN; listings with each of their ``?page=N`` for a
    CDN that purges exact URLs (``FRONTEND_CACHE_EXACT_URLS``; the committed Varnish
    drops every query string of a purged path by itself)."""
    pages = 1
    if settings.FRONTEND_CACHE_EXACT_URLS:
        from news.models import listed_posts

        pages = math.ceil(listed_posts().count() / settings.NEWS_PAGE_SIZE)
    listings = {path for path in paths if path.endswith("/") and "feed" not in path}
    # As browsers send them: a slug may have accents ("attività"), which a request line
    # carries percent-encoded (urllib would not send it at all: UnicodeEncodeError).
    paths, listings = {quote(path) for path in paths}, {quote(path) for path in listings}
    urls = []
    for root in Site.get_site_root_paths():
        base = root.root_url.rstrip("/")
        urls += [base + path for path in sorted(paths)]
        urls += [f"{base}{path}?page={n}" for path in sorted(listings) for n in range(2, pages + 1)]
    send_front_purges(urls)


def purge_frontend_everything() -> None:
    """The committed Varnish drops every stored answer on a PURGE of "/*"."""
    send_front_purges(
        [root.root_url.rstrip("/") + EVERYTHING for root in Site.get_site_root_paths()]
    )


def send_front_purges(urls: list[str]) -> None:
    """PURGE each address in front; the paths of those not reached (down, hung) are kept,
    and sent again each minute until they are (``replay_front_purges``)."""
    from wagtail.contrib.frontend_cache.utils import purge_urls_from_cache

    frontend_cache.failed.clear()
    purge_urls_from_cache(urls)
    if frontend_cache.failed:
        unreached = sorted({unquote(urlsplit(url).path) for url in frontend_cache.failed})
        frontend_cache.failed.clear()
        PendingPurge.objects.create(paths=unreached, front=True)


def replay_front_purges() -> int:
    """Send again the purges the HTTP cache in front missed (``run_periodic_jobs``); how
    many paths were sent. Those it misses again are kept again."""
    rows = list(PendingPurge.objects.filter(front=True).values_list("pk", "paths")[:1000])
    if not rows:
        return 0
    PendingPurge.objects.filter(pk__in=[pk for pk, _paths in rows]).delete()
    paths = {path for _pk, row in rows for path in row}
    if not getattr(settings, "WAGTAILFRONTENDCACHE", None):
        return 0
    if EVERYTHING in paths:
        purge_frontend_everything()
    else:
        purge_frontend_cache(paths)
    return len(paths)


def related_article_paths(category_slugs, post) -> set[str]:
    """The articles that may show ``post`` among their related posts: every live article
    sharing one of its categories (those it had or has)."""
    from news.models import ArticlePage

    paths = set()
    articles = ArticlePage.objects.live().filter(categories__slug__in=category_slugs)
    for url_path in articles.exclude(pk=post.pk).values_list("url_path", flat=True).distinct():
        paths |= relative_paths(url_path)
    return paths


def author_slugs(post) -> set[str]:
    from news.models import ArticlePage, Author

    if not isinstance(post, ArticlePage):
        return set()
    return set(Author.objects.filter(bylines__page=post).values_list("slug", flat=True))


def category_slugs(post=None) -> set[str]:
    from news.models import Category

    categories = Category.objects.all() if post is None else Category.objects.filter(posts=post)
    return set(categories.values_list("slug", flat=True))


# The map ------------------------------------------------------------------------------


def is_post(page) -> bool:
    from news.models import PostPage

    return isinstance(page, PostPage)


def is_webinar(page) -> bool:
    from events.models import WebinarPage

    return isinstance(page, WebinarPage)


def shows_everywhere(page) -> bool:
    """Index and home pages are in the navigation and in every card's address; the
    privacy page is in the footer and every form, the accessibility statement in the
    footer."""
    from django.db.models import Q

    from cgmsite.models import SiteSettings, StandardPage

    if not isinstance(page, StandardPage):
        return True
    linked = Q(privacy_page_id=page.pk) | Q(accessibility_page_id=page.pk)
    return SiteSettings.objects.filter(linked).exists()


def before_change(page) -> dict:
    """What the page showed before this change: its address and its categories."""
    stored = Page.objects.filter(pk=page.pk).values_list("url_path", "slug").first()
    if stored is None:
        return {}
    before = {"url_path": stored[0], "slug": stored[1]}
    if is_post(page):
        before["categories"] = category_slugs(page)
        before["authors"] = author_slugs(page)
    return before


def page_changed(page, before=None) -> None:
    """The paths ``page`` showed before (``before``) and shows now."""
    page = page.specific
    before = before or getattr(page, "_cache_map_before", None) or {}
    if not is_post(page) and shows_everywhere(page):
        purge_all()
        return
    url_paths = {page.url_path, before.get("url_path", page.url_path)}
    linking = linking_paths(page)
    if linking and (len(url_paths) > 1 or not page.live or before.get("deleted")):
        # The links to it change address (or break): their pages' bodies are cached as
        # fragments keyed on their own versions, so only a new site version reaches them.
        purge_all()
        return
    paths = set().union(*(page_paths(url_path, page) for url_path in url_paths))
    paths |= linking | common_paths()
    if is_post(page):
        slugs = before.get("categories", set()) | category_slugs(page)
        webinars = {page.slug, before.get("slug", page.slug)} if is_webinar(page) else None
        authors = before.get("authors", set()) | author_slugs(page)
        paths |= post_listing_paths(slugs, webinars, authors)
        paths |= related_article_paths(slugs, page)
    purge(paths)


@receiver(pre_save)
def remember_page_before_save(sender, instance, update_fields=None, **kwargs):
    """The address and categories a page had, read before a save changes them.

    A draft save names its fields and changes neither: nothing to read then.
    """
    if not isinstance(instance, Page) or instance.pk is None:
        return
    if update_fields is not None and not {"url_path", "slug", "live"} & set(update_fields):
        return
    if not hasattr(instance, "_cache_map_before"):
        instance._cache_map_before = before_change(instance)


@receiver(page_published)
@receiver(page_unpublished)
def page_published_or_unpublished(sender, instance, **kwargs):
    page_changed(instance)
    instance.__dict__.pop("_cache_map_before", None)


@receiver(post_page_move)
def page_moved(sender, instance, url_path_before, url_path_after, **kwargs):
    if instance.live and url_path_before != url_path_after:
        page_changed(instance, {**before_change(instance), "url_path": url_path_before})


@receiver(pre_delete)
def page_deleted(sender, instance, **kwargs):
    # Before the rows go: the categories and links are still there to read.
    if isinstance(instance, Page) and sender is instance.specific_class and instance.live:
        page_changed(instance, {**before_change(instance), "deleted": True})


@receiver(post_save)
@receiver(post_delete)
def shown_everywhere_changed(sender, instance, created=False, **kwargs):
    """Categories, snippets, settings, images, documents and sites show on every page.

    A new image or document shows nowhere yet, and new settings hold the defaults that
    pages already showed (Wagtail makes them on the first page that reads them); a new
    category is in the navigation at once.
    """
    from wagtail.documents import get_document_model
    from wagtail.images import get_image_model

    from cgmsite.models import SiteSettings

    if sender in (get_image_model(), get_document_model(), SiteSettings):
        if not created:
            purge_all()
    elif sender in (Site, PageViewRestriction) or sender in get_snippet_models():
        # A page made private (or public again) is not published: its stored copies, and
        # those of the pages below it, are dropped with the site's version, which also
        # renews each worker's list of restrictions (cgmsite.restrictions).
        purge_all()
    elif created and isinstance(instance, Page) and instance.alias_of_id:
        purge_all()


def webinar_seats_changed(webinar_id: int) -> None:
    """Purge a webinar's page when a registration changed what it shows: its state
    (open, full …) or its seats left. Called once the change has committed.

    After the commit is enough: a render that read the versions before this purge is
    stored under the old ones, out of reach; one that read them after sees the new
    count. (Page edits purge before the commit too, which costs nothing there; a
    sign-up holds the webinar's lock until it commits, so it does no work it can leave
    to after.)
    """
    from events.models import WebinarPage

    webinar = WebinarPage.objects.live().filter(pk=webinar_id).first()
    if webinar is None:
        return
    taken = webinar.seats_taken()
    state = webinar.registration_state(seats_taken=taken)
    left = webinar.seats_left(seats_taken=taken)  # what the page shows: "ancora 12 posti"
    shown = f"{state}:{left}"
    key = f"{page_cache.PREFIX}:shown:{webinar.pk}"
    store = page_cache.cache()
    if store.get(key) == shown:
        return
    store.set(key, shown, timeout=None)
    purge_now(page_paths(webinar.url_path, webinar))


def registration_changed(registration, update_fields=None) -> None:
    """A registration saved or deleted: its webinar's seats may show differently.

    A save naming its fields without the status (an e-mail sent, a token renewed)
    changes no seat.
    """
    if update_fields is not None and "status" not in update_fields:
        return
    webinar_id = registration.webinar_id
    transaction.on_commit(lambda: webinar_seats_changed(webinar_id))
