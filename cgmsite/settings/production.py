"""Production: refuses to start without a real secret key and an e-mail provider."""

import copy

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, LOGGING, STORAGES, env, env_bool

DEBUG = False

if not env("SECRET_KEY") or env("SECRET_KEY").startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not env("EMAIL_HOST") and not env("ANYMAIL_ESP"):
    raise ImproperlyConfigured("Configure EMAIL_HOST (SMTP) or ANYMAIL_ESP in production.")
if env("ANYMAIL_ESP") and ":" not in env("ANYMAIL_WEBHOOK_SECRET"):
    # Without it anyone could mark addresses bounced through /anymail/<esp>/tracking/.
    raise ImproperlyConfigured("Set ANYMAIL_WEBHOOK_SECRET (user:password) with ANYMAIL_ESP.")

# Each gunicorn worker keeps its database connection between requests: opening one costs
# more than serving an article from its fragments (29 ms against 11 ms a request, measured
# under gunicorn; docs/benchmarks.md). Checked before reuse, so a restarted PostgreSQL costs
# one reconnect. DB_CONN_MAX_AGE=0 behind PgBouncer in transaction mode (docs/deploy.md).
DATABASES["default"]["CONN_MAX_AGE"] = int(env("DB_CONN_MAX_AGE", "60"))
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True

# The page cache is shared by every process only through Redis: with each worker's own
# memory, a purge would reach one worker and the others would serve the old page. Without
# REDIS_URL it is off unless PAGE_CACHE_ENABLED says otherwise (one single process).
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", bool(env("REDIS_URL")))

# Template fragments (a card, an article's body, the navigation) in each worker's own
# memory: their keys name every version they depend on (the object's, the site's, the
# address's), so an entry never changes once written and a purge reaches them by changing
# the versions, which are read from Redis. Fetching a dozen fragments from Redis was about
# a third of an uncached article (docs/benchmarks.md); the cost is one render per worker.
CACHES = {
    **CACHES,
    "template_fragments": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "template-fragments",
        "TIMEOUT": 24 * 3600,
        "OPTIONS": {"MAX_ENTRIES": int(env("FRAGMENT_CACHE_ENTRIES", "3000"))},
    },
}

# Behind a TLS proxy (the HTTPS header above): the client's address is the one that proxy
# appends to X-Forwarded-For (cgmsite/net.py). Set 0 without a proxy, 2 behind a CDN too.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "1"))
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
# HSTS: browsers keep to HTTPS for a year. Subdomains too unless SECURE_HSTS_INCLUDE_SUBDOMAINS
# is false (served at the bare domain with a subdomain still on plain HTTP). Preloading is
# the domain owner's decision: it binds the whole registrable domain and its subdomains to
# HTTPS in every browser, and takes months to undo; until SECURE_HSTS_PRELOAD is true,
# Django's reminder that it is off (security.W021) is silenced, knowingly.
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", False)
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# Logs on stdout, one JSON object a line (time, level, logger, message, request, exception:
# cgmsite.log_filters.JsonLines) for a log collector to read, through the same filters
# that hide tokens and Teams links. LOG_FORMAT=text: plain lines, as in development.
LOGGING = copy.deepcopy(LOGGING)
LOGGING["handlers"]["console"]["stream"] = "ext://sys.stdout"
if env("LOG_FORMAT", "json") != "text":
    LOGGING["formatters"]["json"] = {"()": "cgmsite.log_filters.JsonLines"}
    LOGGING["handlers"]["console"]["formatter"] = "json"

# Uploaded images and documents on S3-compatible object storage (django-storages) when
# AWS_STORAGE_BUCKET_NAME is set, so that every web process on every machine sees the same
# files; else files under MEDIA_ROOT, served by the proxy in front (docs/deploy.md). Keys:
# AWS_S3_ACCESS_KEY_ID / AWS_S3_SECRET_ACCESS_KEY, else AWS_ACCESS_KEY_ID / ... or the
# machine's role (boto3). Image URLs go into cached pages (PAGE_CACHE_TIMEOUT), so they are
# plain public URLs by default (a public-read bucket, or AWS_S3_CUSTOM_DOMAIN for a CDN);
# with AWS_QUERYSTRING_AUTH=true (a private bucket) they are signed for a week instead.
if env("AWS_STORAGE_BUCKET_NAME"):
    AWS_QUERYSTRING_AUTH = env_bool("AWS_QUERYSTRING_AUTH", False)
    STORAGES = {
        **STORAGES,
        "default": {
            "BACKEND": "storages.backends.s3.S3Storage",
            "OPTIONS": {
                "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
                "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
                "region_name": env("AWS_S3_REGION_NAME") or None,
                "custom_domain": env("AWS_S3_CUSTOM_DOMAIN") or None,
                "location": env("AWS_LOCATION"),
                "addressing_style": env("AWS_S3_ADDRESSING_STYLE") or None,
                "signature_version": "s3v4",
                "querystring_auth": AWS_QUERYSTRING_AUTH,
                "querystring_expire": int(env("AWS_QUERYSTRING_EXPIRE", "604800")),
                # Two uploads named alike keep both files (Wagtail's advice).
                "file_overwrite": False,
            },
        },
    }
    # /documenti/<id>/<name> checks the document's privacy, then redirects to the file's
    # URL (signed with AWS_QUERYSTRING_AUTH) instead of streaming it through a web worker.
    # Documents in a private collection need a private bucket.
    WAGTAILDOCS_SERVE_METHOD = env("WAGTAILDOCS_SERVE_METHOD", "redirect")
