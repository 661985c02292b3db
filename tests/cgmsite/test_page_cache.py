"""The anonymous page cache: hits cost no query, a change shows on the very next request,
unrelated pages stay cached, and nothing of one visitor is kept for another.

Purges run when the change commits (``transaction.on_commit``): each change here is made
inside ``committed()``, which runs those callbacks as a real commit would.
"""

from datetime import timedelta
from types import SimpleNamespace

from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from wagtail.models import PageViewRestriction

import pytest
import time_machine

from cgmsite.models import SiteSettings
from news.models import Category
from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
from tests.factories import ArticlePageFactory, CategoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


@pytest.fixture
def news(site_tree, committed):
    """Two categories, an article in each, a webinar index with one webinar."""
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    finanza = CategoryFactory(name="Finanza", slug="finanza")
    with committed():
        article = ArticlePageFactory(
            parent=site_tree.news_index, title="Welfare di comunità", categories=[welfare]
        )
        other = ArticlePageFactory(
            parent=site_tree.news_index, title="Finanza etica", categories=[finanza]
        )
        webinar_index = WebinarIndexPageFactory(parent=site_tree.home)
        webinar = WebinarPageFactory(
            parent=webinar_index, title="Bilancio sociale", categories=[welfare]
        )
    return SimpleNamespace(
        welfare=welfare, finanza=finanza, article=article, other=other, webinar=webinar
    )


def get(client, path, **headers):
    response = client.get(path, headers=headers)
    text = b"".join(response.streaming_content if response.streaming else [response.content])
    return response.status_code, response.get("X-Page-Cache"), text.decode()


def cached(client, path) -> bool:
    """Whether ``path`` would be answered from the cache now (after a first request)."""
    return get(client, path)[1] == "hit"


LISTINGS = [
    "/",
    "/notizie/",
    "/notizie/categoria/welfare/",
    "/notizie/feed/",
    "/notizie/categoria/welfare/feed/",
    "/webinar/",
    "/webinar/calendario.ics",
    "/sitemap-pages.xml",
    "/cerca/?q=comunit%C3%A0",
]


def test_a_second_request_is_a_hit_with_no_query(client, news, django_assert_num_queries):
    paths = [
        *LISTINGS,
        news.article.url,
        news.webinar.url,
        f"/webinar/{news.webinar.slug}/calendario.ics",
    ]
    for path in paths:
        status, header, first = get(client, path)
        assert (status, header) == (200, "miss"), path
        with django_assert_num_queries(0):
            status, header, second = get(client, path)
        assert (status, header) == (200, "hit"), path
        assert second == first, path


def test_hit_headers_let_a_cdn_keep_and_browsers_revalidate(client, news):
    client.get(news.article.url)
    response = client.get(news.article.url)
    assert response["X-Page-Cache"] == "hit"
    assert "public" in response["Cache-Control"]
    assert "max-age=0" in response["Cache-Control"]
    assert "Cookie" in response["Vary"]
    assert "Content-Security-Policy" in response  # a fresh one, with every answer
    again = client.get(news.article.url, headers={"If-None-Match": response["ETag"]})
    assert again.status_code == 304
    assert again.content == b""


def test_head_is_answered_without_a_body_and_stores_the_page(client, news):
    first = client.head(news.article.url)
    assert (first.status_code, first["X-Page-Cache"], first.content) == (200, "miss", b"")
    length = first["Content-Length"]
    response = client.head(news.article.url)
    assert (response.status_code, response["X-Page-Cache"], response.content) == (200, "hit", b"")
    assert response["Content-Length"] == length
    page = client.get(news.article.url)
    assert page["X-Page-Cache"] == "hit"
    assert str(len(page.content)) == length


def test_campaign_tags_share_the_entry_other_parameters_are_not_stored(client, news):
    client.get(news.article.url)
    assert get(client, news.article.url + "?utm_source=newsletter&fbclid=x")[1] == "hit"
    status, header, _ = get(client, news.article.url + "?nocache=12345")
    assert (status, header) == (200, None)


def test_publishing_a_new_article_shows_everywhere_at_once(client, news, committed):
    for path in [*LISTINGS, news.other.url, "/notizie/categoria/finanza/"]:
        get(client, path)
    with committed():
        ArticlePageFactory(
            parent=news.article.get_parent(),
            title="Comunità educanti e welfare",
            categories=[news.welfare],
        )
    webinar_listings = ("/webinar/", "/webinar/calendario.ics")
    for path in LISTINGS:
        if path not in webinar_listings:
            status, header, text = get(client, path)
            assert header == "miss", path
            assert "Comunità educanti e welfare" in text or "comunita-educanti" in text, path
    # What does not show it is still served from the cache.
    for path in (news.other.url, "/notizie/categoria/finanza/", *webinar_listings):
        assert cached(client, path), path


def test_a_new_revision_shows_on_its_page_others_stay_cached(client, news, committed):
    get(client, news.article.url)
    get(client, news.other.url)
    page = news.article
    page.title = "Welfare di comunità, seconda edizione"
    with committed():
        page.save_revision().publish()
    assert "seconda edizione" in get(client, page.url)[2]
    assert "seconda edizione" in get(client, "/notizie/")[2]
    assert cached(client, news.other.url)


def test_unpublishing_removes_the_page_and_its_card(client, news, committed):
    url = news.article.url
    for path in (url, "/notizie/categoria/welfare/", news.other.url):
        get(client, path)
    with committed():
        news.article.unpublish()
    assert get(client, url)[0] == 404
    assert "Welfare di comunità" not in get(client, "/notizie/categoria/welfare/")[2]
    assert cached(client, news.other.url)


def test_a_new_slug_frees_the_old_address(client, news, committed):
    old_url = news.article.url
    get(client, old_url)
    page = news.article
    page.slug = "welfare-di-comunita-nuovo"
    with committed():
        page.save_revision().publish()
    # Wagtail leaves a redirect at the old address: no stale copy answers there.
    assert client.get(old_url).headers["Location"] == "/notizie/welfare-di-comunita-nuovo/"
    assert get(client, "/notizie/welfare-di-comunita-nuovo/")[0] == 200
    assert "/notizie/welfare-di-comunita-nuovo/" in get(client, "/notizie/")[2]


def test_moving_a_page_frees_the_old_address(client, news, committed, site_tree):
    from cgmsite.models import StandardPage

    with committed():
        about = StandardPage(title="Chi siamo", slug="chi-siamo")
        site_tree.home.add_child(instance=about)
        about.save_revision().publish()
        other = StandardPage(title="La rete", slug="la-rete")
        site_tree.home.add_child(instance=other)
        other.save_revision().publish()
    get(client, "/chi-siamo/")
    get(client, news.other.url)
    with committed():
        about.move(other, pos="last-child")
    assert client.get("/chi-siamo/").headers["Location"] == "/la-rete/chi-siamo/"
    assert get(client, "/la-rete/chi-siamo/")[0] == 200
    assert cached(client, news.other.url)


def test_changed_categories_leave_the_old_category_page(client, news, committed):
    for path in ("/notizie/categoria/welfare/", "/notizie/categoria/finanza/"):
        get(client, path)
    page = news.article
    page.categories.set([news.finanza])
    with committed():
        page.save_revision().publish()
    assert "Welfare di comunità" not in get(client, "/notizie/categoria/welfare/")[2]
    assert "Welfare di comunità" in get(client, "/notizie/categoria/finanza/")[2]


def test_deleting_a_page_removes_it_from_listings(client, news, committed):
    url = news.article.url
    for path in (url, "/notizie/", "/sitemap-pages.xml", news.other.url):
        get(client, path)
    with committed():
        news.article.delete()
    assert get(client, url)[0] == 404
    assert "Welfare di comunità" not in get(client, "/notizie/")[2]
    assert url not in get(client, "/sitemap-pages.xml")[2]
    assert cached(client, news.other.url)


def test_a_scheduled_page_goes_live_on_the_listings(client, news, committed):
    page = ArticlePageFactory(
        parent=news.article.get_parent(), title="Pubblicato più tardi", live=False
    )
    page.go_live_at = timezone.now() + timedelta(hours=1)
    with committed():
        page.save_revision().publish()  # scheduled: not live yet
    assert "Pubblicato più tardi" not in get(client, "/notizie/")[2]
    assert cached(client, "/notizie/")
    with time_machine.travel(timezone.now() + timedelta(hours=2)), committed():
        call_command("run_periodic_jobs")
    assert "Pubblicato più tardi" in get(client, "/notizie/")[2]


def test_a_renamed_category_shows_on_every_page(client, news, committed):
    get(client, news.other.url)
    with committed():
        Category.objects.filter(pk=news.welfare.pk).update(name="x")  # no signal: no purge
    assert cached(client, news.other.url)
    category = Category.objects.get(pk=news.welfare.pk)
    category.name = "Welfare e comunità"
    with committed():
        category.save()
    assert "Welfare e comunità" in get(client, news.other.url)[2]


def test_site_settings_show_on_every_page(client, news, committed):
    get(client, news.other.url)
    settings = SiteSettings.for_site(news.other.get_site())
    settings.organisation_name = "Consorzio CGM Nazionale"
    with committed():
        settings.save()
    assert "Consorzio CGM Nazionale" in get(client, news.other.url)[2]


def test_a_page_made_private_is_no_longer_served_from_the_cache(client, news, committed):
    """Privacy is set on a live page without publishing it: the page and the pages below
    it stop being served to readers at once, and are shown again once it is lifted."""
    assert "Welfare di comunità" in get(client, news.article.url)[2]
    assert cached(client, news.article.url)
    with committed():
        restriction = PageViewRestriction.objects.create(
            page=news.article, restriction_type=PageViewRestriction.PASSWORD, password="x"
        )
    status, hit, text = get(client, news.article.url)
    assert hit != "hit"
    assert "password" in text.lower() and "Welfare di comunità" not in text
    with committed():
        restriction.delete()
    assert "Welfare di comunità" in get(client, news.article.url)[2]


def test_an_entry_is_not_kept_past_a_webinar_change_in_time(client, news, committed):
    webinar = news.webinar
    webinar.registration_closes_at = timezone.now() + timedelta(hours=3)
    with committed():
        webinar.save_revision().publish()
    assert cached(client, webinar.url) is False  # the first request after the change
    assert cached(client, webinar.url)
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=1)):
        status, header, text = get(client, webinar.url)
    assert header == "miss"
    assert "Le iscrizioni sono chiuse." in text


def s_maxage(response) -> int:
    return int(response["Cache-Control"].split("s-maxage=")[1].split(",")[0])


def test_a_shared_cache_keeps_a_page_no_longer_than_the_site_does(
    client, news, committed, settings
):
    """Varnish in front counts s-maxage from the page's render (``Age`` on a hit) and it
    never runs past the next moment a webinar changes by itself: no purge comes then."""
    settings.PAGE_CACHE_SHARED_MAX_AGE = 86400
    webinar = news.webinar
    webinar.registration_closes_at = timezone.now() + timedelta(hours=3)
    with committed():
        webinar.save_revision().publish()
    first = client.get(webinar.url)
    assert first["X-Page-Cache"] == "miss"
    assert 3 * 3600 - 60 <= s_maxage(first) <= 3 * 3600 + 1
    with time_machine.travel(timezone.now() + timedelta(minutes=10)):
        hit = client.get(webinar.url)
    assert hit["X-Page-Cache"] == "hit"
    assert s_maxage(hit) == s_maxage(first)
    assert 599 <= int(hit["Age"]) <= 660
    # As the site's own entries, every page is (the listings and the home show webinars).
    assert s_maxage(client.get(news.other.url)) <= 3 * 3600 + 1


def test_a_page_purged_while_it_was_rendered_is_not_for_shared_caches(
    client, news, settings, monkeypatch
):
    """The render may have read the old content: Varnish, which has no versions, must not
    keep it (the purge may have reached Varnish before the answer did)."""
    from cgmsite import page_cache

    settings.PAGE_CACHE_SHARED_MAX_AGE = 86400
    check = page_cache.cacheable_response

    def purged_meanwhile(request, response):
        page_cache.purge_paths([request.path])  # an editor publishing, in another process
        return check(request, response)

    monkeypatch.setattr(page_cache, "cacheable_response", purged_meanwhile)
    response = client.get(news.article.url)
    assert response.status_code == 200
    assert s_maxage(response) == 0
    monkeypatch.setattr(page_cache, "cacheable_response", check)
    assert s_maxage(client.get(news.article.url)) == 86400


# Never shared ---------------------------------------------------------------------------


def test_editors_bypass_the_cache_both_ways(client, news, admin_user):
    editor = Client()
    editor.force_login(admin_user)
    status, header, text = get(editor, news.article.url)
    assert (status, header) == (200, None)
    # Nothing the editor saw was stored: the first anonymous request renders.
    assert get(client, news.article.url)[1] == "miss"
    assert get(editor, news.article.url)[1] is None


def test_post_admin_and_previews_are_never_stored(client, news, admin_user):
    assert client.post("/notizie/").get("X-Page-Cache") is None
    editor = Client()
    editor.force_login(admin_user)
    preview = editor.get(f"/admin/pages/{news.article.pk}/edit/preview/")
    assert preview.get("X-Page-Cache") is None
    assert get(client, "/admin/login/")[1] is None


def test_a_response_setting_a_cookie_is_not_stored(client, news):
    response = client.get("/iscrizioni/csrf/")
    assert response.cookies
    assert response.get("X-Page-Cache") is None
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]


def test_a_cache_that_is_turned_off_stores_nothing(client, news, settings):
    settings.PAGE_CACHE_ENABLED = False
    assert get(client, news.article.url)[1] is None
    assert get(client, news.article.url)[1] is None


def test_a_link_follows_the_new_address_of_the_page_it_points_to(client, news, committed):
    link = f'<p>Vedi <a linktype="page" id="{news.other.pk}">finanza etica</a>.</p>'
    with committed():
        linking = ArticlePageFactory(
            parent=news.article.get_parent(), title="Rimandi", body=[("text", link)]
        )
    assert f'href="{news.other.url}"' in get(client, linking.url)[2]
    assert cached(client, linking.url)
    page = news.other
    page.slug = "finanza-etica-seconda"
    with committed():
        page.save_revision().publish()
    assert 'href="/notizie/finanza-etica-seconda/"' in get(client, linking.url)[2]


# A CDN or Varnish in front ----------------------------------------------------------------


@pytest.fixture
def varnish(settings):
    """A local HTTP server that records the PURGE requests Wagtail's frontend cache sends
    (its HTTPBackend, as for Varnish), configured as the site's frontend cache."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    purged = []

    class Handler(BaseHTTPRequestHandler):
        def do_PURGE(self):
            purged.append((self.headers["Host"], self.path))
            self.send_response(200)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.WAGTAILFRONTENDCACHE = {
        "varnish": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": f"http://127.0.0.1:{server.server_port}",
        }
    }
    yield purged
    server.shutdown()
    server.server_close()


def test_the_cdn_is_purged_of_the_same_addresses_with_each_listing_page(
    news, committed, varnish, settings
):
    settings.FRONTEND_CACHE_EXACT_URLS = True  # a CDN purging exact URLs
    settings.NEWS_PAGE_SIZE = 1  # three posts: listings have a ?page=2 and a ?page=3
    page = news.article
    page.title = "Welfare di comunità, aggiornato"
    with committed():
        page.save_revision().publish()
    paths = {path for host, path in varnish}
    assert {host for host, path in varnish} == {"testserver"}
    for path in (
        page.url,
        "/",
        "/notizie/",
        "/notizie/?page=2",
        "/notizie/?page=3",
        "/notizie/categoria/welfare/",
        "/notizie/categoria/welfare/?page=3",
        "/notizie/feed/",
        "/notizie/categoria/welfare/feed/",
        "/sitemap-pages.xml",
    ):
        assert path in paths, path
    assert news.other.url not in paths
    assert "/notizie/categoria/finanza/" not in paths

    varnish.clear()
    category = news.finanza
    category.name = "Finanza etica"
    with committed():
        category.save()
    # A CDN keeps no versions: every address the site serves is purged.
    paths = {path for host, path in varnish}
    for path in (news.other.url, news.article.url, news.webinar.url, "/notizie/categoria/finanza/"):
        assert path in paths, path


def test_varnish_is_purged_once_a_path_whatever_its_query_strings_and_at_once_for_all(
    news, committed, varnish, settings
):
    """The committed Varnish drops every query string of a purged path, as the site's own
    cache does: no ?page=N requests (thousands a publication on a big site)."""
    settings.NEWS_PAGE_SIZE = 1
    page = news.article
    with committed():
        page.save_revision().publish()
    paths = [path for _host, path in varnish]
    assert "/notizie/" in paths
    assert page.url in paths
    assert not [path for path in paths if "?" in path]

    varnish.clear()
    category = news.finanza
    category.name = "Finanza etica"
    with committed():
        category.save()
    # Everything, in one request (twice: as the change is made, and once committed).
    assert {path for _host, path in varnish} == {"/*"}


def test_a_page_with_an_accented_address_is_purged_as_browsers_ask_for_it(
    news, committed, varnish, site_tree
):
    page = ArticlePageFactory(parent=site_tree.news_index, title="Attività", slug="attività")
    with committed():
        page.save_revision().publish()
    paths = {path for _host, path in varnish}
    assert "/notizie/attivit%C3%A0/" in paths
    # urllib refused the raw address (UnicodeEncodeError), which ended the purge there:
    # every address after it in the list was left in the cache.
    assert {"/notizie/feed/", "/sitemap.xml"} <= paths
