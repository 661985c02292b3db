"""The anonymous page cache: one place decides what may be kept, and for how long.

Anonymous readers' GET and HEAD requests of pages, listings, feeds, calendars and the
sitemap are answered from the cache (Redis in production, local memory elsewhere) with
no SQL query. What may be stored is decided here (``cacheable_request``,
``cacheable_response``); what a change makes stale is decided in ``cgmsite.cache_map``.

Never stale, without listing keys: every entry is stored with the current *version* of
its URL path and of the whole site (``SITE``), and served only while both are still
current (read with the entry, in one round trip). Purging a path gives it a new version,
so every entry stored for it (``/notizie/?page=2`` as well as ``/notizie/``) is out of
reach at once, in every process sharing the cache. Versions are random tokens kept without
expiry; one that is lost (evicted, a Redis restart) is replaced by a new one, never
reused, so a lost version can only cause misses. The versions are read before the view
runs: a purge while a page is being rendered leaves that render under the old version,
out of reach.

Never stale across an outage either: the cache is reached through ``Store``, which tells
a failed command from a miss (django-redis hides failures when ``IGNORE_EXCEPTIONS`` is
on). A purge that cannot reach the cache is recorded in the database (``PendingPurge``)
and made as soon as the cache answers again: by the first request of a process that saw
the cache fail, and by every process at most ``PAGE_CACHE_RECHECK_SECONDS`` after it (a
process that saw nothing of a short outage). While the cache is down a request stops
asking it after the first failure, so a silent Redis costs one timeout, not one per
command, and nothing that a backend returned is ever changed in place (django-redis
answers every failed ``get_many`` with one shared ``{}``).

Never shared: a request with a session or messages cookie (editors, anyone signed in),
a path under ``PAGE_CACHE_EXCLUDED_PATHS`` (admin, registrations, token links, documents)
or with a query parameter the site does not read is passed through; a response is kept
only if it is a plain 200 that sets no cookie, allows caching, used no CSP nonce and
carries no filled-in CSRF token.
"""

import hashlib
import logging
import re
import secrets
import time
from contextvars import ContextVar
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import caches
from django.db import DatabaseError
from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers

PREFIX = "pagecache"
# The version every entry depends on besides its path's: what every page shows (the
# navigation's categories, the footer's site settings, images) changes it.
SITE = "*"
# Query parameters no view reads (campaign tags in the links of a newsletter): left out
# of the key, so an announcement's tagged links are served from the same entry.
IGNORED_QUERY_PARAMETERS = ("utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "_ga")
# Response headers that belong to one answer, not to the stored page.
UNSTORED_HEADERS = {"set-cookie", "content-security-policy", "date", "x-page-cache"}
FILLED_CSRF_FIELD = re.compile(rb'name="csrfmiddlewaretoken" value="[^"]')
# Where the versions made while the cache was unreachable are kept for this request.
DOWN = "down"

logger = logging.getLogger("cgmsite.page_cache")

try:  # django-redis: its client raises what the cache object would hide
    from django_redis.cache import RedisCache as DjangoRedisCache
    from django_redis.exceptions import ConnectionInterrupted
except ImportError:  # pragma: no cover - a deployment without Redis
    DjangoRedisCache = ConnectionInterrupted = None


# The versions this request has read, read once: the middleware starts it empty for each
# request; code run outside a request (tasks, commands) reads them from the cache each time.
request_versions: ContextVar[dict | None] = ContextVar("page_cache_versions", default=None)


class CacheDown(Exception):
    """The page cache did not answer (refused, timed out)."""


class Store:
    """The page cache's commands, with a failure raised as ``CacheDown`` (never a miss).

    Only a backend that can fail (django-redis) is called through its client; a
    process's own memory cannot lose a write.
    """

    def __init__(self, backend):
        self.backend = backend
        self.can_fail = DjangoRedisCache is not None and isinstance(backend, DjangoRedisCache)

    def call(self, command: str, *args, **kwargs):
        if not self.can_fail:
            return getattr(self.backend, command)(*args, **kwargs)
        try:
            return getattr(self.backend.client, command)(*args, **kwargs)
        except ConnectionInterrupted as error:
            outage.seen()
            logger.warning(
                "Cache delle pagine non raggiungibile (%s): pagine servite dal database.",
                type(error.__cause__).__name__,
            )
            raise CacheDown from error

    def get_many(self, keys) -> dict:
        return dict(self.call("get_many", keys))

    def get(self, key):
        return self.call("get", key)

    def add(self, key, value, timeout) -> bool:
        return bool(self.call("add", key, value, timeout=timeout))

    def set(self, key, value, timeout) -> None:
        self.call("set", key, value, timeout=timeout)

    def set_many(self, mapping, timeout) -> None:
        self.call("set_many", mapping, timeout=timeout)


class Outage:
    """What this process knows of the cache's outages: whether purges recorded in the
    database (``PendingPurge``) may be waiting, and when it last looked."""

    def __init__(self):
        self.suspect = True  # a new process has not looked yet
        self.checked_at = 0.0

    def seen(self) -> None:
        self.suspect = True

    def due(self) -> bool:
        recheck = settings.PAGE_CACHE_RECHECK_SECONDS
        return self.suspect or time.monotonic() - self.checked_at >= recheck

    def checked(self) -> None:
        self.suspect = False
        self.checked_at = time.monotonic()


outage = Outage()


def cache():
    return caches[settings.PAGE_CACHE_ALIAS]


def store() -> Store:
    return Store(cache())


def new_version() -> str:
    return secrets.token_hex(6)


def version_key(path: str) -> str:
    return f"{PREFIX}:v:{path}"


def cache_is_down() -> bool:
    """Whether this request already found the cache unreachable (it asks no more)."""
    known = request_versions.get()
    return known is not None and DOWN in known


def note_cache_down() -> None:
    if (known := request_versions.get()) is not None:
        known[DOWN] = True


def versions(paths: list[str], found: dict | None = None) -> list[str]:
    """The current version of each path, making one where there is none (``found``:
    what a read of the version keys already gave). Within a request each is read once.

    With the cache unreachable each path gets a new version (which nothing stored has):
    everything is rendered afresh, nothing old is served.
    """
    keys = [version_key(path) for path in paths]
    known = request_versions.get()
    found = dict(found) if found is not None else None  # never the backend's own object
    try:
        if cache_is_down():
            raise CacheDown
        if found is None:
            found = {key: known[key] for key in keys if key in known} if known else {}
            missing = [key for key in keys if key not in found]
            if missing:
                found.update(store().get_many(missing))
        for key in keys:
            if key not in found:
                value = new_version()
                # Another process may have made it a moment ago: theirs wins.
                if not store().add(key, value, timeout=None):
                    value = store().get(key) or value
                found[key] = value
    except CacheDown:
        note_cache_down()
        found = {key: (known or {}).get(key) or new_version() for key in keys}
    if known is not None:
        known.update((key, found[key]) for key in keys)
    return [found[key] for key in keys]


def site_version() -> str:
    """A token that changes whenever something shown on every page changes.

    Fragment caches (a card, an article's body) put it in their key, beside the
    object's own version, so that a renamed category or a replaced image is never
    shown from an old fragment.
    """
    return versions([SITE])[0]


def path_version(path: str) -> str:
    """The versions of ``path`` and of the site as one token, for what a page shows of
    other pages (a listing's total, an article's related posts): kept under it, such a
    fragment is stale exactly when the page cache's entries of ``path`` are."""
    return ":".join(versions([path, SITE]))


def purge_paths(paths) -> None:
    """Make every stored entry of these paths (any query string) stale, everywhere.

    If the cache cannot be reached, the purge is kept in the database and made when it
    answers again (``replay_pending``).
    """
    paths = sorted(set(paths))
    if not paths:
        return
    renewed = {version_key(path): new_version() for path in paths}
    if (known := request_versions.get()) is not None:
        known.update(renewed)
    try:
        if cache_is_down():
            raise CacheDown
        store().set_many(renewed, timeout=None)
    except CacheDown:
        note_cache_down()
        pending_purges().objects.create(paths=paths, front=False)


def pending_purges():
    # Looked up by name: the site's models import this module (the page cache is below them).
    return apps.get_model("cgmsite", "PendingPurge")


def replay_pending() -> bool:
    """Make the purges that could not reach the cache; whether the cache may be trusted.

    Run by a request before it trusts what the cache holds, when this process saw the
    cache fail or has not looked for ``PAGE_CACHE_RECHECK_SECONDS``. Two processes
    replaying the same purge at once only renew a version twice.
    """
    if not Store(cache()).can_fail:
        return True
    try:
        rows = pending_purges().objects.filter(front=False)
        pending = list(rows.values_list("pk", "paths")[:1000])
    except DatabaseError:
        # No database: no edit can be made either; what the cache holds is served.
        logger.warning("Impossibile leggere le pulizie della cache in sospeso.")
        return True
    if pending:
        paths = sorted({path for _pk, row in pending for path in row})
        renewed = {version_key(path): new_version() for path in paths}
        try:
            store().set_many(renewed, timeout=None)
        except CacheDown:
            note_cache_down()
            return False
        pending_purges().objects.filter(pk__in=[pk for pk, _paths in pending]).delete()
        if (known := request_versions.get()) is not None:
            known.update(renewed)
        logger.info("Cache delle pagine di nuovo raggiungibile: %d pulizie rifatte.", len(paths))
    outage.checked()
    return True


def purge_everything() -> None:
    purge_paths([SITE])


# What may be stored ------------------------------------------------------------------


def cache_query(request) -> str | None:
    """The query string of the key, or None when the request must not be stored.

    Parameters the site reads are kept in order; campaign tags are dropped; any other
    parameter means a request nobody else sends: passed through rather than stored,
    so that random query strings cannot fill the cache.
    """
    kept = []
    for name, values in sorted(request.GET.lists()):
        if name.startswith(IGNORED_QUERY_PARAMETERS):
            continue
        if name not in settings.PAGE_CACHE_QUERY_PARAMETERS:
            return None
        kept += [(name, value) for value in values]
    return "&".join(f"{name}={value}" for name, value in kept)


def cacheable_request(request) -> bool:
    if not settings.PAGE_CACHE_ENABLED or request.method not in ("GET", "HEAD"):
        return False
    if request.path_info.startswith(settings.PAGE_CACHE_EXCLUDED_PATHS):
        return False
    cookies = request.COOKIES
    return settings.SESSION_COOKIE_NAME not in cookies and "messages" not in cookies


def cacheable_response(request, response) -> bool:
    if response.status_code != 200 or response.streaming or response.cookies:
        return False
    cache_control = response.get("Cache-Control", "").lower()
    if any(word in cache_control for word in ("private", "no-store", "no-cache", "max-age=0")):
        return False
    # A nonce in the page would be the same for every reader: the policy's point lost.
    if isinstance(getattr(request, "_csp_nonce", None), str):
        return False
    # A form's token is one visitor's: rendering one flags the cookie for renewal, and a
    # filled-in token field in the body is refused even if something cleared that flag.
    if request.META.get("CSRF_COOKIE_NEEDS_UPDATE"):
        return False
    return FILLED_CSRF_FIELD.search(response.content) is None


def seconds_to_keep(now=None) -> int:
    """``PAGE_CACHE_TIMEOUT``, cut short at the next moment a page changes by itself.

    A webinar's registration opening or closing, its start and its end change what
    its page, the listings and the calendars show with no edit to purge them.
    """
    from events.models import next_transition

    now = now or timezone.now()
    timeout = settings.PAGE_CACHE_TIMEOUT
    upcoming = next_transition(now, within=timedelta(seconds=timeout))
    if upcoming is not None:
        timeout = min(timeout, max(1, int((upcoming - now).total_seconds()) + 1))
    return timeout


def public_cache_control(response, keep: int | None = None) -> None:
    """What a CDN or Varnish in front may do with a page the site itself caches.

    Browsers revalidate every time (``max-age=0``; the ETag makes that a 304); a shared
    cache keeps the page for ``PAGE_CACHE_SHARED_MAX_AGE`` seconds, which is only safe
    when the site purges it (``WAGTAILFRONTENDCACHE``): 0 otherwise. Never longer than
    the site keeps it itself (``keep``, ``seconds_to_keep``): no purge comes when a
    webinar's registration opens, the page just changes.
    """
    shared = settings.PAGE_CACHE_SHARED_MAX_AGE
    if keep is not None:
        shared = min(shared, keep)
    patch_cache_control(response, public=True, max_age=0, s_maxage=shared)
    patch_vary_headers(response, ["Cookie"])


class PageCacheMiddleware:
    """Answers anonymous readers from the cache; stores what ``cacheable_response`` allows.

    It sits after the CSP middleware (which adds a fresh header to every answer, a
    stored one included) and before the session, CSRF and authentication middleware,
    so that it sees the cookies they set.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = request_versions.set({})
        try:
            return self.respond(request)
        finally:
            request_versions.reset(token)

    def respond(self, request):
        query = cache_query(request) if cacheable_request(request) else None
        if query is None:
            return self.get_response(request)
        path = request.path
        digest = hashlib.sha256(f"{request.get_host()}{path}?{query}".encode()).hexdigest()
        key = f"{PREFIX}:e:{digest}"
        try:
            # One round trip: the entry with the versions it must have been stored under.
            found = store().get_many([version_key(SITE), version_key(path), key])
        except CacheDown:
            note_cache_down()
            return self.get_response(request)  # rendered afresh, nothing stored
        if outage.due() and not replay_pending():
            return self.get_response(request)
        if request_versions.get():  # a purge was just replayed: its versions are newer
            found.update(request_versions.get())
        current = tuple(versions([SITE, path], found))
        stored = found.get(key)
        if stored is not None and stored[0] == current:
            return self.replay(request, stored[1:])
        response = self.get_response(request)
        if cacheable_response(request, response) and not cache_is_down():
            keep = seconds_to_keep()
            public_cache_control(response, keep)
            if not response.has_header("ETag"):
                response["ETag"] = f'"{hashlib.md5(response.content).hexdigest()}"'  # noqa: S324
            headers = [
                (name, value)
                for name, value in response.items()
                if name.lower() not in UNSTORED_HEADERS
            ]
            entry = (current, response.status_code, headers, response.content, time.time())
            try:
                store().set(key, entry, keep)
            except CacheDown:
                note_cache_down()
            response["X-Page-Cache"] = "miss"
            if settings.PAGE_CACHE_SHARED_MAX_AGE and not self.still_current(path, current):
                # Purged while it was rendered: what it read may be the old content. Stored
                # here under the old versions, out of reach; a shared cache in front, which
                # has no versions, must not keep it either (the purge may be there first).
                patch_cache_control(response, s_maxage=0)
            if request.method == "HEAD":
                length = len(response.content)
                response.content = b""
                response["Content-Length"] = str(length)
        return response

    @staticmethod
    def still_current(path: str, current: tuple) -> bool:
        found = cache().get_many([version_key(SITE), version_key(path)])
        return (found.get(version_key(SITE)), found.get(version_key(path))) == current

    @staticmethod
    def replay(request, stored):
        status, headers, content, *rest = stored
        etag = {name.lower(): value for name, value in headers}.get("etag")
        if etag and etag in request.headers.get("If-None-Match", ""):
            response = HttpResponse(status=304)
            content = b""
        else:
            response = HttpResponse(content, status=status)
        for name, value in headers:
            if response.status_code == 304 and name.lower() in ("content-length", "content-type"):
                continue
            response[name] = value
        if request.method == "HEAD":
            response.content = b""
            response["Content-Length"] = str(len(stored[2]))
        if rest:
            # How long it has been kept: a shared cache in front counts its s-maxage from
            # when the page was rendered, not from now, so it drops the page when the site
            # does (the next moment a webinar changes by itself).
            response["Age"] = str(max(0, int(time.time() - rest[0])))
        response["X-Page-Cache"] = "hit"
        return response
