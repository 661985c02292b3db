"""Redis down, or up but silent: pages are still served, and members can still sign up.

Wagtail keeps site root paths in the default cache, so with Django's own Redis backend
every page was a 500 as soon as Redis stopped. These tests point the cache at a port
where nothing listens, and at a server that accepts connections and never answers.
"""

import socket

from django.core import mail
from django.urls import reverse

import pytest

from cgmsite.settings.base import redis_cache
from registrations.models import MemberDomain, MemberOrganisation, Registration
from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
from tests.factories import ArticlePageFactory
from tests.registrations.conftest import form_data


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
def content(site_tree, category):
    organisation = MemberOrganisation.objects.create(name="Gruppo Cooperativo CGM")
    MemberDomain.objects.create(organisation=organisation, domain="cgm.coop")
    article = ArticlePageFactory(
        parent=site_tree.news_index, title="Welfare di comunità", categories=[category]
    )
    index = WebinarIndexPageFactory(parent=site_tree.home)
    return article, WebinarPageFactory(parent=index, title="Accogliere nei servizi educativi")


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
