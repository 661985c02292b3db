"""Shared fixtures: an isolated media folder, a clean cache and the site tree."""

from django.core.cache import caches
from django.utils import translation

import factory.random
import pytest

from cgmsite.redis_breaker import breaker
from tests.factories import (
    CategoryFactory,
    ImageFactory,
    build_site_tree,
    ensure_wagtail_root_rows,
)
from tests.graph_server import GraphServer

# The same fake data on every run, so a failure can be reproduced.
factory.random.reseed_random("cgmsite-tests")

# Our own UI strings that tests assert in Italian, with the translation they expect.
ITALIAN_UI = {
    "By": "Di",
    "Page not found": "Pagina non trovata",
    "All news": "Tutte le notizie",
    "Search": "Cerca",
    "Choose a page of this site or give an address.": (
        "Scegli una pagina di questo sito o indica un indirizzo."
    ),
}


@pytest.fixture(scope="session", autouse=True)
def italian_catalogue(django_test_environment):
    """Some assertions read our own UI strings in Italian: the compiled catalogue must have them."""
    with translation.override("it"):
        missing = [msgid for msgid, it in ITALIAN_UI.items() if translation.gettext(msgid) != it]
    if missing:
        pytest.fail(f"locale/it/LC_MESSAGES/django.mo lacks {missing}: run `make messages` first.")


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path_factory):
    """Uploaded images and their renditions go to a throwaway folder."""
    settings.MEDIA_ROOT = tmp_path_factory.getbasetemp() / "media"


@pytest.fixture(autouse=True)
def _clear_caches():
    """Wagtail caches site root paths and renditions; the database is rolled back per test."""
    for cache in caches.all():
        cache.clear()
    yield
    for cache in caches.all():
        cache.clear()


@pytest.fixture
def site_tree(db):
    """root → HomePage (default site, testserver:80) → NewsIndexPage "notizie"."""
    return build_site_tree()


@pytest.fixture
def category(db):
    return CategoryFactory(name="Welfare", slug="welfare", description="Welfare territoriale.")


@pytest.fixture
def image(db):
    return ImageFactory(title="Bambini al parco", description="Bambini che giocano in un parco")


@pytest.fixture
def redis_cache(settings):
    """The default cache on a real Redis (``TEST_REDIS_URL``, database 15 by default), as in
    production. Skipped where no Redis runs, unless ``REQUIRE_REDIS`` is set (CI sets it)."""
    import os
    import uuid

    import redis

    from cgmsite.settings.base import redis_cache as redis_cache_settings

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as error:
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but Redis at {url} does not answer: {error}")
        pytest.skip(f"No Redis at {url}: tests of the Redis cache skipped.")
    settings.CACHES = {
        "default": {**redis_cache_settings(url), "KEY_PREFIX": f"test-{uuid.uuid4().hex}"}
    }
    return url


@pytest.fixture(scope="session")
def graph_server():
    """A local Microsoft Graph and login service (``tests.graph_server``), one per run."""
    server = GraphServer().start()
    yield server
    server.stop()


@pytest.fixture
def graph(graph_server, settings):
    """The site pointed at the local Graph, which starts each test empty."""
    from events.teams import client

    graph_server.reset()
    client._tokens.clear()
    for name, value in graph_server.settings.items():
        setattr(settings, name, value)
    settings.TEAMS_GRAPH_TIMEOUT = 2
    yield graph_server
    client._tokens.clear()


@pytest.fixture
def wagtail_root_rows(transactional_db):
    """The rows Wagtail's migrations create, for a transactional test (``factories``)."""
    ensure_wagtail_root_rows()


@pytest.fixture(autouse=True)
def redis_breaker_closed():
    """Each test starts with Redis trusted again: a test that broke it leaves this
    process's breaker (cgmsite/redis_breaker.py) open for a few seconds otherwise."""
    breaker.close()
    yield
    breaker.close()
