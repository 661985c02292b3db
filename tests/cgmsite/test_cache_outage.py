"""Redis down, or up but silent: pages are still served, and members can still sign up.

Wagtail keeps site root paths in the default cache, so with Django's own Redis backend
every page was a 500 as soon as Redis stopped. These tests point the cache at a port
where nothing listens, and at a server that accepts connections and never answers.
"""

import contextlib
import socket
from urllib.parse import urlsplit

from django.core import mail
from django.urls import reverse

import pytest

from cgmsite import page_cache
from cgmsite.models import PendingPurge
from cgmsite.redis_breaker import breaker
from cgmsite.settings.base import redis_cache
from cgmsite.settings.base import redis_cache as redis_settings
from registrations.models import MemberDomain, MemberOrganisation, Registration
from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
from tests.factories import ArticlePageFactory
from tests.registrations.conftest import form_data
from tests.relay import Relay


@pytest.fixture
def stopped_redis(settings):
    """A Redis address where nothing listens any more (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{port}/0")}


@pytest.fixture
def silent_redis(settings):
    """A Redis that takes connections and never answers (a hung server, a full network)."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(512)
        settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{server.getsockname()[1]}/0")}
        yield


@pytest.fixture
def content(site_tree, category, image):
    """An article and a webinar with a picture: a rendition is looked up in the cache
    (Wagtail's ``find_existing_renditions``), which is where an outage once broke pages."""
    organisation = MemberOrganisation.objects.create(name="Gruppo Cooperativo CGM")
    MemberDomain.objects.create(organisation=organisation, domain="cgm.coop")
    article = ArticlePageFactory(
        parent=site_tree.news_index,
        title="Welfare di comunità",
        categories=[category],
        hero_image=image,
    )
    index = WebinarIndexPageFactory(parent=site_tree.home)
    webinar = WebinarPageFactory(
        parent=index, title="Accogliere nei servizi educativi", hero_image=image
    )
    return article, webinar


def visit_everything(client, article, webinar):
    paths = [
        "/",
        "/notizie/",
        "/notizie/categoria/welfare/",
        "/notizie/feed/",
        article.url,
        "/webinar/",
        webinar.url,
        "/webinar/calendario.ics",
        "/cerca/?q=welfare",
        "/sitemap.xml",
        "/sitemap-pages.xml",
    ]
    statuses = {path: client.get(path).status_code for path in paths}
    assert statuses == dict.fromkeys(paths, 200)
    # Signing up still works: the rate limits let requests through when the cache is
    # unreachable (RATELIMIT_FAIL_OPEN, a documented choice).
    response = client.post(
        reverse("registrations:register", args=[webinar.pk]), form_data("socia@cgm.coop")
    )
    assert response.status_code == 302
    assert Registration.objects.get().email == "socia@cgm.coop"


@pytest.mark.parametrize("outage", ["stopped_redis", "silent_redis"])
def test_pages_are_served_while_redis_is_out(
    request, outage, client, content, django_capture_on_commit_callbacks, caplog
):
    request.getfixturevalue(outage)

    with django_capture_on_commit_callbacks(execute=True):
        visit_everything(client, *content)

    assert [message.to for message in mail.outbox] == [["socia@cgm.coop"]]
    # The outage is logged, but in one line a minute: a traceback for every cache
    # command (hundreds of lines a request) drowned every other line.
    cache_records = [record for record in caplog.records if record.name == "django_redis"]
    assert len(cache_records) <= 1
    assert all(record.exc_info is None for record in cache_records)


@pytest.fixture
def redis_behind_relay(redis_cache, settings):
    """The default cache on the real Redis through a relay the test can cut and restore:
    the server keeps its data, as after a network failure or a hung Redis."""
    url = urlsplit(redis_cache)
    relay = Relay(url.port or 6379, target_host=url.hostname)
    settings.CACHES = {
        "default": {
            **redis_settings(relay.url("redis", url.path or "/0")),
            "KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"],
        }
    }
    # Redis is asked again at once once it is back (the breaker's wait is tested apart).
    settings.REDIS_RETRY_AFTER = 0
    page_cache.outage.checked()
    yield relay
    relay.stop()


STALE_AFTER = [
    "/",
    "/notizie/",
    "/notizie/categoria/welfare/",
    "/notizie/feed/",
    "/cerca/?q=welfare",
]


@pytest.mark.parametrize("fault", ["refuse", "silence"])
def test_a_change_made_during_the_outage_shows_as_soon_as_redis_is_back(
    fault, redis_behind_relay, content, client, django_capture_on_commit_callbacks
):
    article, webinar = content
    paths = [*STALE_AFTER, article.url]
    for path in paths:
        client.get(path)
        assert client.get(path)["X-Page-Cache"] == "hit", path

    getattr(redis_behind_relay, fault)()
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    assert client.get(article.url).status_code == 404  # no cache: from the database
    redis_behind_relay.restore()

    assert client.get(article.url).status_code == 404
    for path in STALE_AFTER:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "Welfare di comunità" not in response.content.decode(), path
    assert not PendingPurge.objects.exists()
    # And the cache is trusted again: the next request of a page is a hit.
    assert client.get("/notizie/")["X-Page-Cache"] == "hit"


def test_a_process_that_saw_nothing_of_the_outage_looks_within_the_recheck_period(
    redis_behind_relay, content, client, settings, django_capture_on_commit_callbacks
):
    """Another web worker, idle during a short outage, has no failure of its own to go
    by: it looks for purges left undone every PAGE_CACHE_RECHECK_SECONDS."""
    article, _webinar = content
    client.get("/notizie/")
    assert client.get("/notizie/")["X-Page-Cache"] == "hit"
    redis_behind_relay.refuse()
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    redis_behind_relay.restore()
    page_cache.outage.checked()  # as if this process had seen nothing

    settings.PAGE_CACHE_RECHECK_SECONDS = 3600
    assert client.get("/notizie/")["X-Page-Cache"] == "hit"  # within the period: trusted
    settings.PAGE_CACHE_RECHECK_SECONDS = 0
    response = client.get("/notizie/")
    assert response["X-Page-Cache"] == "miss"
    assert "Welfare di comunità" not in response.content.decode()


def test_a_silent_redis_is_asked_once_not_at_every_command(settings, content, client):
    """Each cache command waits REDIS_TIMEOUT for a silent Redis, and a page asks the
    cache twenty to forty times: pages took 5 to 10 seconds. After one failure the
    process leaves Redis alone for REDIS_RETRY_AFTER seconds (cgmsite/redis_breaker.py)."""
    article, webinar = content
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(512)
        settings.CACHES = {"default": redis_cache(f"redis://127.0.0.1:{server.getsockname()[1]}/0")}
        breaker.close()
        for path in ["/", "/notizie/", article.url, webinar.url, "/webinar/"]:
            assert client.get(path).status_code == 200, path
        # Every connection the site opened waits in the backlog: count them.
        server.setblocking(False)
        opened = 0
        with contextlib.suppress(BlockingIOError):
            while True:
                server.accept()[0].close()
                opened += 1
    assert opened == 1
    assert breaker.is_open()
    breaker.close()
