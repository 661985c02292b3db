"""Purging the HTTP cache in front (Varnish) without ever holding up the site.

Wagtail's ``HTTPBackend`` opens its PURGE requests with no timeout: a Varnish that hung
held the editor's publish (and its gunicorn worker) until gunicorn killed it mid-request.
This backend gives a PURGE ``FRONTEND_CACHE_TIMEOUT`` seconds and never raises; after one
fails, the rest of the batch is not tried. The addresses it could not purge are in
``failed`` for the caller (``cgmsite.cache_map``), which keeps them to try again
(``PendingPurge`` with ``front``).
"""

import logging
from urllib.error import HTTPError
from urllib.parse import urlsplit, urlunsplit
from urllib.request import urlopen

from django.conf import settings

from wagtail import __version__
from wagtail.contrib.frontend_cache.backends.http import HTTPBackend, PurgeRequest

logger = logging.getLogger("wagtail.frontendcache")

# Addresses this process could not purge since the caller last emptied the list.
failed: list[str] = []


class TimelyHTTPBackend(HTTPBackend):
    """``HTTPBackend`` with a timeout, recording what it could not reach."""

    def purge(self, url):
        if failed:
            # This batch already found the cache unreachable: one timeout, not one each.
            failed.append(url)
            return
        parts = urlsplit(url)
        host = parts.hostname + (f":{parts.port}" if parts.port else "")
        target = urlunsplit(
            [self.cache_scheme, self.cache_netloc, parts.path, parts.query, parts.fragment]
        )
        request = PurgeRequest(
            url=target, headers={"Host": host, "User-Agent": f"Wagtail-frontendcache/{__version__}"}
        )
        try:
            # The scheme is the configured LOCATION's (http or https).
            with urlopen(request, timeout=settings.FRONTEND_CACHE_TIMEOUT):  # noqa: S310
                pass
        except HTTPError as error:
            # Reached, and refused (a purge from an address it does not trust): a setting
            # to fix, not an outage to wait out.
            logger.error("Pulizia di %s rifiutata dalla cache HTTP: %s", url, error.code)
        except OSError as error:  # refused, timed out, no route (URLError is an OSError)
            failed.append(url)
            logger.error("Cache HTTP non raggiungibile per %s: %s", url, error)
