"""A Varnish that hangs or is down never holds up a publish, and misses no purge for good.

Wagtail's HTTP purger had no timeout: with Varnish hung, an editor's publish waited
until gunicorn killed the worker. Each PURGE now has ``FRONTEND_CACHE_TIMEOUT``; what
was not reached is kept and sent again by ``run_periodic_jobs``.
"""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.core.management import call_command

import pytest

from cgmsite.models import PendingPurge
from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db


class PurgeRecorder(BaseHTTPRequestHandler):
    """A cache in front that answers PURGE as Varnish's VCL does (200), noting each path."""

    def do_PURGE(self):
        self.server.purged.append(self.path)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


@pytest.fixture
def front(settings):
    """The site's front cache settings, pointed at ``front.port``: a silent socket first."""
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(64)
    port = silent.getsockname()[1]
    settings.WAGTAILFRONTENDCACHE = {
        "varnish": {
            "BACKEND": "cgmsite.frontend_cache.TimelyHTTPBackend",
            "LOCATION": f"http://127.0.0.1:{port}",
        }
    }
    settings.FRONTEND_CACHE_TIMEOUT = 0.3
    state = {"silent": silent, "port": port, "server": None}
    yield state
    silent.close()
    if state["server"] is not None:
        state["server"].shutdown()
        state["server"].server_close()


def answer_again(front) -> ThreadingHTTPServer:
    """The cache in front is back on its address, answering PURGE."""
    front["silent"].close()
    ThreadingHTTPServer.allow_reuse_address = True
    server = ThreadingHTTPServer(("127.0.0.1", front["port"]), PurgeRecorder)
    server.purged = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    front["server"] = server
    return server


def test_a_hung_front_cache_neither_blocks_a_publish_nor_loses_its_purge(
    front, site_tree, category, django_capture_on_commit_callbacks
):
    article = ArticlePageFactory(
        parent=site_tree.news_index, title="Welfare di comunità", categories=[category]
    )
    PendingPurge.objects.all().delete()  # what creating it missed: not this test's
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    elapsed = time.monotonic() - started
    kept = PendingPurge.objects.filter(front=True)
    assert kept.exists()
    assert any(article.slug in path for row in kept for path in row.paths)
    # Not a timing test: without a timeout the publish would never have come back.
    assert elapsed < 60

    server = answer_again(front)
    call_command("run_periodic_jobs")

    assert not PendingPurge.objects.filter(front=True).exists()
    assert any(article.slug in path for path in server.purged), (article.slug, server.purged)
    assert "/notizie/" in server.purged
