"""Settings shared by every environment.

Everything that differs between deployments is read from the environment
(12-factor), with defaults that are safe for a developer's machine: no
``DATABASE_URL`` means an SQLite file under ``var/``, no ``REDIS_URL`` means
the local-memory cache. ``.env.example`` lists every variable.
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

import dj_database_url
from csp.constants import NONCE, NONE, SELF, UNSAFE_INLINE
from redis.backoff import NoBackoff
from redis.retry import Retry

from cgmsite.redis_breaker import BreakerConnection

PROJECT_DIR = Path(__file__).resolve().parent.parent
BASE_DIR = PROJECT_DIR.parent
VAR_DIR = BASE_DIR / "var"


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


SECRET_KEY = env("SECRET_KEY", "django-insecure-dev-only-change-me")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")
# An Italian page inside the site's layout instead of Django's English one.
CSRF_FAILURE_VIEW = "cgmsite.error_views.csrf_failure"

INSTALLED_APPS = [
    "cgmsite",
    "news",
    "events",
    "registrations",
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.routable_page",
    "wagtail.contrib.settings",
    "wagtail.contrib.sitemaps",
    "wagtail.contrib.frontend_cache",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "wagtail_modeladmin",
    "django_tasks",
    "django_tasks_db",
    "anymail",
    "axes",
    "csp",
    "modelcluster",
    "taggit",
    "django_filters",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
]

MIDDLEWARE = [
    # Before anything reads a body: one over its path's limit is refused unread.
    "cgmsite.body_limit.BodyLimitMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "cgmsite.csp.CSPMiddleware",
    # Anonymous readers' pages from the cache (cgmsite/page_cache.py): after the CSP
    # header is added, before the middleware that set cookies, so that it sees them.
    "cgmsite.page_cache.PageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # Last, as django-axes requires: turns a locked-out sign-in into its page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "cgmsite.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "cgmsite.context_processors.site_shell",
            ],
        },
    },
]

WSGI_APPLICATION = "cgmsite.wsgi.application"

# Database: DATABASE_URL (e.g. postgres://user@127.0.0.1:5432/cgmsite), else SQLite.
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(env("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # The planner's price of a random read (PostgreSQL's default, 4, is for spinning
    # disks). On SSDs or a database held in memory, 1.1 is the usual figure; at 4 the
    # planner prefers scanning the whole search index to its GIN index for a common word,
    # which is 10x slower (docs/benchmarks.md).
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault(
        "options", f"-c random_page_cost={env('DB_RANDOM_PAGE_COST', '1.1')}"
    )
    # A server that takes the connection and never answers (hung, a full network) is given
    # up after this many seconds: the request answers 503 (cgmsite/error_views.py) instead
    # of holding its worker until gunicorn kills it.
    DATABASES["default"]["OPTIONS"].setdefault(
        "connect_timeout", int(env("DB_CONNECT_TIMEOUT") or "5")
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so that two requests counting free
    # seats can't both read before either writes (PostgreSQL uses row locks instead).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


def redis_cache(url: str) -> dict:
    """A Redis cache the site can live without (django-redis).

    Redis down, or up but silent, must not take the pages with it: every command
    gives up after ``REDIS_TIMEOUT`` seconds and a failure reads as a miss (writes
    are dropped), so pages are served from the database, slower. The rate limits
    then let requests through (``RATELIMIT_FAIL_OPEN``).
    """
    timeout = float(env("REDIS_TIMEOUT", "0.25"))
    return {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": url,
        "OPTIONS": {
            "SOCKET_CONNECT_TIMEOUT": timeout,
            "SOCKET_TIMEOUT": timeout,
            "IGNORE_EXCEPTIONS": True,
            # After a failure, commands fail at once for REDIS_RETRY_AFTER seconds
            # (cgmsite/redis_breaker.py), and a failed command is not tried again: a
            # silent Redis costs a page one timeout, not one per cache command.
            "CONNECTION_POOL_KWARGS": {
                "connection_class": BreakerConnection,
                "retry": Retry(NoBackoff(), 0),
            },
        },
        # Several sites (or a staging copy) sharing one Redis database keep apart.
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", ""),
    }


# Seconds a process leaves Redis alone after a command failed (cgmsite/redis_breaker.py).
REDIS_RETRY_AFTER = float(env("REDIS_RETRY_AFTER") or "5")

# Cache: Redis when REDIS_URL is set, else per-process memory.
if env("REDIS_URL"):
    CACHES = {"default": redis_cache(env("REDIS_URL"))}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# The anonymous page cache (cgmsite/page_cache.py, cgmsite/cache_map.py): pages, listings,
# feeds, calendars and the sitemap, for readers with no session. Entries are purged exactly
# when what they show changes; PAGE_CACHE_TIMEOUT only bounds how long an unread one stays.
PAGE_CACHE_ENABLED = env_bool("PAGE_CACHE_ENABLED", True)
PAGE_CACHE_ALIAS = "default"
PAGE_CACHE_TIMEOUT = int(env("PAGE_CACHE_TIMEOUT") or "86400")
# A purge that could not reach Redis is kept in the database and made when Redis answers
# again: by a process that saw the outage at its next request, by every other one within
# this many seconds (one small query per process and period; cgmsite/page_cache.py).
PAGE_CACHE_RECHECK_SECONDS = float(env("PAGE_CACHE_RECHECK_SECONDS") or "1")
# Never stored: the admin, forms and their answers, token links, private documents.
PAGE_CACHE_EXCLUDED_PATHS = (
    "/admin/",
    "/django-admin/",
    "/iscrizioni/",
    "/webinar/entra/",
    "/attestati/",
    "/documenti/",
    "/anymail/",
    "/media/",
    "/static/",
)
# The query parameters views read; a request with any other is served but not stored.
PAGE_CACHE_QUERY_PARAMETERS = ("page", "p", "q", "categoria")
# Each failed cache command is logged as an error by django-redis (logger "django_redis"),
# at most once a minute (LOGGING below).
DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
DJANGO_REDIS_LOGGER = "django_redis"

# django-axes first: it refuses a locked-out sign-in before any password is checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Italian first.
LANGUAGE_CODE = "it"
LANGUAGES = [("it", "Italiano")]
WAGTAIL_CONTENT_LANGUAGES = LANGUAGES
WAGTAILADMIN_PERMITTED_LANGUAGES = [("it", "Italiano"), ("en", "English")]
TIME_ZONE = "Europe/Rome"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "media")))
# Uploaded files under MEDIA_URL from Django itself, with DEBUG off too: for `make serve-prod`,
# which has no proxy in front. On a server the proxy serves them, or object storage does.
SERVE_MEDIA = env_bool("SERVE_MEDIA", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
# Request bodies (cgmsite/body_limit.py): the public forms take no files, so 1 MB is many
# times the largest form; the admin uploads documents (WAGTAILDOCS_MAX_UPLOAD_SIZE) and
# images, the e-mail provider posts batches of delivery events.
PUBLIC_BODY_MAX_BYTES = int(env("PUBLIC_BODY_MAX_BYTES") or 1024 * 1024)
LARGE_BODY_PATHS = ("/admin/", "/django-admin/", "/anymail/")
LARGE_BODY_MAX_BYTES = int(env("LARGE_BODY_MAX_BYTES") or 25 * 1024 * 1024)

# E-mail. ANYMAIL_ESP (brevo, mailgun, amazon_ses, postmark) sends through that provider's
# API with django-anymail; otherwise EMAIL_HOST sends over SMTP (e.g. a Microsoft 365 mailbox:
# smtp.office365.com, port 587, TLS); with neither, mail is printed on the console.
EMAIL_HOST = env("EMAIL_HOST")
EMAIL_PORT = int(env("EMAIL_PORT", "25"))
EMAIL_HOST_USER = env("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
# Seconds an SMTP conversation may hang: well below EMAIL_SENDING_TIMEOUT_MINUTES.
EMAIL_TIMEOUT = int(env("EMAIL_TIMEOUT", "30"))
ANYMAIL_ESP = env("ANYMAIL_ESP")
ANYMAIL_SUPPORTED_ESPS = ("brevo", "mailgun", "amazon_ses", "postmark")
ANYMAIL = {
    # "user:password" for the delivery-status webhooks at /anymail/<esp>/tracking/.
    "WEBHOOK_SECRET": env("ANYMAIL_WEBHOOK_SECRET") or None,
    "BREVO_API_KEY": env("BREVO_API_KEY"),
    "MAILGUN_API_KEY": env("MAILGUN_API_KEY"),
    "MAILGUN_SENDER_DOMAIN": env("MAILGUN_SENDER_DOMAIN") or None,
    "MAILGUN_API_URL": env("MAILGUN_API_URL", "https://api.eu.mailgun.net/v3"),
    "MAILGUN_WEBHOOK_SIGNING_KEY": env("MAILGUN_WEBHOOK_SIGNING_KEY") or None,
    "POSTMARK_SERVER_TOKEN": env("POSTMARK_SERVER_TOKEN"),
    # Amazon SES reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and AWS_DEFAULT_REGION
    # through boto3; the configuration set carries the delivery notifications.
    "AMAZON_SES_CONFIGURATION_SET_NAME": env("AMAZON_SES_CONFIGURATION_SET_NAME") or None,
}
ANYMAIL = {key: value for key, value in ANYMAIL.items() if value is not None}
if ANYMAIL_ESP:
    if ANYMAIL_ESP not in ANYMAIL_SUPPORTED_ESPS:
        raise ImproperlyConfigured(
            f"ANYMAIL_ESP must be one of {', '.join(ANYMAIL_SUPPORTED_ESPS)}, not {ANYMAIL_ESP!r}."
        )
    EMAIL_BACKEND = f"anymail.backends.{ANYMAIL_ESP}.EmailBackend"
elif EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "CGM <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# The outbox (registrations/outbox.py): a temporary failure is retried after 1, 2, 4 ...
# minutes (at most EMAIL_RETRY_MAX_MINUTES) up to EMAIL_MAX_ATTEMPTS attempts; a row left
# "sending" longer than EMAIL_SENDING_TIMEOUT_MINUTES (a dead worker) is queued again by
# `manage.py sweep_outbox`. Optional caps of the provider: messages a minute and
# simultaneous connections over all workers (Exchange Online: 30 and 3); 0 = no cap.
EMAIL_MAX_ATTEMPTS = int(env("EMAIL_MAX_ATTEMPTS", "10"))
EMAIL_RETRY_MAX_MINUTES = 60
EMAIL_SENDING_TIMEOUT_MINUTES = int(env("EMAIL_SENDING_TIMEOUT_MINUTES", "10"))
EMAIL_RATE_PER_MINUTE = int(env("EMAIL_RATE_PER_MINUTE", "0"))
EMAIL_MAX_CONNECTIONS = int(env("EMAIL_MAX_CONNECTIONS", "0"))

# Absolute links in feeds and e-mails.
SITE_BASE_URL = env("SITE_BASE_URL", "http://127.0.0.1:8000").rstrip("/")

# Wagtail
WAGTAIL_SITE_NAME = "CGM – Gruppo Cooperativo"
WAGTAILADMIN_BASE_URL = SITE_BASE_URL
WAGTAIL_I18N_ENABLED = False
WAGTAILSEARCH_BACKENDS = {
    "default": {
        "BACKEND": "wagtail.search.backends.database",
        "SEARCH_CONFIG": "italian",
    }
}
WAGTAILDOCS_EXTENSIONS = ["csv", "docx", "odt", "pdf", "pptx", "rtf", "txt", "xlsx", "zip"]
WAGTAILDOCS_MAX_UPLOAD_SIZE = 20 * 1024 * 1024
WAGTAILIMAGES_FORMAT_CONVERSIONS = {"avif": "webp", "bmp": "webp"}
WAGTAILEMBEDS_RESPONSIVE_HTML = True
# The admin loads nothing from other sites (CONTENT_SECURITY_POLICY_ADMIN): no avatars from
# Gravatar, which would send a hash of each editor's e-mail address there on every page
# (editors can upload a picture under "Account"), and no check for new Wagtail releases
# from editors' browsers (upgrades come through requirements.txt).
WAGTAIL_GRAVATAR_PROVIDER_URL = None
WAGTAIL_ENABLE_UPDATE_CHECK = False

# Frontend cache purging (CDN or Varnish), when configured: the same URLs as the site's own
# page cache (cgmsite/cache_map.py). Only then may a shared cache keep pages
# (PAGE_CACHE_SHARED_MAX_AGE seconds, "s-maxage"); without purging it must ask every time.
if env("FRONTEND_CACHE_VARNISH_URL"):
    WAGTAILFRONTENDCACHE = {
        "varnish": {
            # Wagtail's HTTPBackend with a timeout, that never raises (cgmsite/frontend_cache.py).
            "BACKEND": "cgmsite.frontend_cache.TimelyHTTPBackend",
            "LOCATION": env("FRONTEND_CACHE_VARNISH_URL"),
        }
    }
# Seconds a PURGE may take; one that fails is kept and sent again by run_periodic_jobs.
FRONTEND_CACHE_TIMEOUT = float(env("FRONTEND_CACHE_TIMEOUT") or "2")
PAGE_CACHE_SHARED_MAX_AGE = int(
    env("PAGE_CACHE_SHARED_MAX_AGE") or ("86400" if env("FRONTEND_CACHE_VARNISH_URL") else "0")
)
# The committed Varnish (deploy/varnish/cgmsite.vcl) drops every stored answer of a purged
# path, whatever its query string, as the site's own cache does, and everything on a PURGE
# of "/*": one request a path, one for the whole site. A CDN that purges exact URLs only
# (FRONTEND_CACHE_EXACT_URLS=true) gets each listing's ?page=N and, for a site-wide change,
# every page's URL: with 10,000 posts some 800 pages a listing, thousands of requests.
FRONTEND_CACHE_EXACT_URLS = env_bool("FRONTEND_CACHE_EXACT_URLS", False)

# Background work (django-tasks). Wagtail's own tasks (search index, reference index)
# run inline; e-mail goes through the database queue, drained by
# `manage.py db_worker --backend email`, and the Teams meeting sync through its "teams"
# queue, drained by its own worker (`--queue-name teams`), so that a slow or hanging
# Microsoft Graph never holds e-mail back. `make run` starts both.
TASKS_QUEUES = ["default", "teams"]
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "email": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": TASKS_QUEUES},
}

# Microsoft Teams through Microsoft Graph (docs/teams.md): off unless the four are set.
# The two addresses can point at another server (a test double, a national cloud).
TEAMS_GRAPH_TENANT_ID = env("TEAMS_GRAPH_TENANT_ID")
TEAMS_GRAPH_CLIENT_ID = env("TEAMS_GRAPH_CLIENT_ID")
TEAMS_GRAPH_CLIENT_SECRET = env("TEAMS_GRAPH_CLIENT_SECRET")
TEAMS_ORGANIZER_USER_ID = env("TEAMS_ORGANIZER_USER_ID")
TEAMS_GRAPH_API_URL = env("TEAMS_GRAPH_API_URL", "https://graph.microsoft.com/v1.0")
TEAMS_GRAPH_LOGIN_URL = env("TEAMS_GRAPH_LOGIN_URL", "https://login.microsoftonline.com")
TEAMS_GRAPH_TIMEOUT = float(env("TEAMS_GRAPH_TIMEOUT", "20"))  # seconds per request
# Who skips the lobby: "everyone" so that guests joining by link are not left waiting;
# "organization", "organizationAndFederated", "invited", "organizer" are Graph's others.
TEAMS_LOBBY_BYPASS_SCOPE = env("TEAMS_LOBBY_BYPASS_SCOPE", "everyone")
# Who may present: "organizer" (and the co-organisers), or "everyone", "organization".
TEAMS_ALLOWED_PRESENTERS = env("TEAMS_ALLOWED_PRESENTERS", "organizer")

# Registrations
REGISTRATION_TOKEN_MAX_AGE = 48 * 3600  # seconds a confirmation link stays valid
REGISTRATION_RESEND_INTERVAL = 5 * 60  # seconds before the same e-mail is sent again
# "Le mie iscrizioni": how long the e-mailed link to a person's registrations works.
MY_REGISTRATIONS_LINK_HOURS = 4
# From when before the start a confirmed registrant's page offers the join link.
MY_REGISTRATIONS_JOIN_BEFORE = timedelta(
    minutes=int(env("MY_REGISTRATIONS_JOIN_BEFORE_MINUTES", "30"))
)
# How long before the start each reminder goes out (``manage.py send_reminders``).
REGISTRATION_REMINDERS = [timedelta(hours=24), timedelta(hours=1)]
# Personal data (``manage.py purge_registrations``): requests never confirmed are deleted
# after REGISTRATION_UNCONFIRMED_HOURS; attendees are anonymised this many days after the
# webinar ends.
REGISTRATION_UNCONFIRMED_HOURS = 48
REGISTRATION_RETENTION_DAYS = int(env("REGISTRATION_RETENTION_DAYS", "30"))
# Rate limits of the registration forms (django-ratelimit syntax, "600/10m" = 600 every ten
# minutes). Per client address: high enough for a whole organisation behind one NAT signing
# up after an announcement (300 in ten minutes), low enough to stop a flood. Per actor: the
# address typed into the sign-up form, or the registration a confirm/cancel link is for.
REGISTRATION_RATE_PER_IP = env("REGISTRATION_RATE_PER_IP", "600/10m")
REGISTRATION_RATE_PER_ADDRESS = env("REGISTRATION_RATE_PER_ADDRESS", "5/10m")
REGISTRATION_RATE_PER_REGISTRATION = env("REGISTRATION_RATE_PER_REGISTRATION", "10/h")
PRIVACY_NOTICE_VERSION = env("PRIVACY_NOTICE_VERSION", "2026-11")
RATELIMIT_USE_CACHE = "default"
# With the cache unreachable the limits let requests through rather than refuse everyone:
# a Redis outage must not stop members from signing up. E-mail volume stays bounded by the
# database (one message per address and webinar every REGISTRATION_RESEND_INTERVAL, the
# outbox's send-rate cap), and the admin login lockout (django-axes) is kept in the database.
RATELIMIT_FAIL_OPEN = True
# Proxies in front of the site that append the client's address to X-Forwarded-For
# (cgmsite/net.py). 0: the address that connects is the client's (no proxy).
TRUSTED_PROXY_COUNT = int(env("TRUSTED_PROXY_COUNT", "0"))
RATELIMIT_IP_META_KEY = "cgmsite.net.client_ip"

# Admin sign-in (django-axes, attempts kept in the database): after AXES_FAILURE_LIMIT wrong
# passwords for one username from one client address (cgmsite/net.py), that pair is locked
# out for AXES_COOLOFF_TIME, the right password included; each attempt while locked starts
# the wait again. Another address, or another username, is not affected, so nobody can lock
# staff out from elsewhere. Staff unlock with `manage.py axes_reset_username USERNAME` or
# by deleting the attempt under /django-admin/axes/accessattempt/.
AXES_FAILURE_LIMIT = int(env("ADMIN_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(env("ADMIN_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "cgmsite.net.client_ip"
AXES_LOCKOUT_CALLABLE = "cgmsite.admin_access.login_locked"
AXES_RESET_ON_SUCCESS = True
# No record of successful sign-ins (address, browser) kept for ever: only failed attempts,
# which expire with the cool-off.
AXES_DISABLE_ACCESS_LOG = True
# Wagtail admin password reset (cgmsite/admin_access.py): requests per client address and
# per address typed (django-ratelimit syntax); over either, no e-mail, the same answer.
ADMIN_PASSWORD_RESET_RATE_PER_IP = env("ADMIN_PASSWORD_RESET_RATE_PER_IP", "10/h")
ADMIN_PASSWORD_RESET_RATE_PER_ADDRESS = env("ADMIN_PASSWORD_RESET_RATE_PER_ADDRESS", "3/h")

# Content-Security-Policy (django-csp; cgmsite/csp.py). The site's pages run only the
# site's own scripts, and any inline one must carry the request's nonce
# (``nonce="{{ request.csp_nonce }}"``); styles come from the site's files only, with no
# inline style at all. Embedded videos play in frames from the providers below
# (EMBED_FRAME_SOURCES; another provider's embed shows an empty frame until added here).
EMBED_FRAME_SOURCES = env_list(
    "EMBED_FRAME_SOURCES",
    "https://www.youtube.com,https://www.youtube-nocookie.com,https://player.vimeo.com",
)
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF],
        "img-src": [SELF],
        "font-src": [SELF],
        "connect-src": [SELF],
        "frame-src": EMBED_FRAME_SOURCES,
        "media-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        # The admin's preview panel shows pages in a frame of the site's own.
        "frame-ancestors": [SELF],
    }
}
# The Wagtail admin (and Django's, /django-admin/) has inline scripts and style attributes
# of its own, without nonces: under those paths this policy applies instead
# (cgmsite/csp.py). Still nothing from other sites but the video providers' frames.
CONTENT_SECURITY_POLICY_ADMIN_PREFIXES = ("/admin/", "/django-admin/")
CONTENT_SECURITY_POLICY_ADMIN = {
    "default-src": [SELF],
    "script-src": [SELF, UNSAFE_INLINE],
    "style-src": [SELF, UNSAFE_INLINE],
    # Previews of images being uploaded (blob:), a picture in Wagtail's own CSS (data:).
    "img-src": [SELF, "data:", "blob:"],
    "font-src": [SELF],
    "connect-src": [SELF],
    "frame-src": [SELF, *EMBED_FRAME_SOURCES],
    "media-src": [SELF],
    "object-src": [NONE],
    "base-uri": [SELF],
    "form-action": [SELF],
    "frame-ancestors": [SELF],
}

NEWS_PAGE_SIZE = 12
SEARCH_PAGE_SIZE = 10
# Matches counted (and paged through) at most; a search beyond it says "more than".
SEARCH_MAX_RESULTS = 1000
# Addresses per sitemap page (/sitemap-pages.xml?p=N); the protocol allows 50,000, a few
# thousand keep each page quick to build and to cache.
SITEMAP_PAGE_SIZE = int(env("SITEMAP_PAGE_SIZE", "1000"))

# Every handler hides tokens in paths and Teams join URLs (cgmsite/log_filters.py); the
# development server's request lines go through the same filter.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "redact_secrets": {"()": "cgmsite.log_filters.RedactSecrets"},
        "once_per_minute": {"()": "cgmsite.log_filters.OncePerMinute"},
    },
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
        "django.server": {
            "class": "logging.StreamHandler",
            "formatter": "django.server",
            "filters": ["redact_secrets"],
        },
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {
        # Without Django's own handlers (console when DEBUG, mail_admins), which would
        # bypass the filter: its records go up to the root's handler.
        "django": {"handlers": [], "level": "INFO"},
        "django.server": {"handlers": ["django.server"], "level": "INFO", "propagate": False},
        "django.db.backends": {"level": "WARNING"},
        # Redis out: one line a minute, not a traceback for every cache command.
        "django_redis": {"filters": ["once_per_minute"]},
        "cgmsite.page_cache": {"filters": ["once_per_minute"]},
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
        # fpdf2's font subsetting writes ~130 INFO lines for each certificate drawn.
        "fontTools": {"level": "WARNING"},
        # How long each confirmation holds its webinar's lock (``bench/burst.py`` sets INFO).
        "registrations.lock_timing": {"level": env("LOCK_TIMING_LOG_LEVEL", "WARNING")},
    },
}
