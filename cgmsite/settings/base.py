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
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
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
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Take the write lock when a transaction starts, so that two requests counting free
    # seats can't both read before either writes (PostgreSQL uses row locks instead).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Cache: Redis when REDIS_URL is set, else per-process memory.
if env("REDIS_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("REDIS_URL"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000

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

# Frontend cache purging (CDN or Varnish) on publish, when configured.
if env("FRONTEND_CACHE_VARNISH_URL"):
    WAGTAILFRONTENDCACHE = {
        "varnish": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": env("FRONTEND_CACHE_VARNISH_URL"),
        }
    }

# Background work (django-tasks). Wagtail's own tasks (search index, reference index)
# run inline; e-mail goes through the database queue, drained by
# `manage.py db_worker --backend email` (started by `make run`).
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "email": {"BACKEND": "django_tasks_db.DatabaseBackend"},
}

# Registrations
REGISTRATION_TOKEN_MAX_AGE = 48 * 3600  # seconds a confirmation link stays valid
REGISTRATION_RESEND_INTERVAL = 5 * 60  # seconds before the same e-mail is sent again
# How long before the start each reminder goes out (``manage.py send_reminders``).
REGISTRATION_REMINDERS = [timedelta(hours=24), timedelta(hours=1)]
# Personal data (``manage.py purge_registrations``): requests never confirmed are deleted
# after REGISTRATION_UNCONFIRMED_HOURS; attendees are anonymised this many days after the
# webinar ends.
REGISTRATION_UNCONFIRMED_HOURS = 48
REGISTRATION_RETENTION_DAYS = int(env("REGISTRATION_RETENTION_DAYS", "30"))
REGISTRATION_RATE_PER_IP = env("REGISTRATION_RATE_PER_IP", "20/h")
REGISTRATION_RATE_PER_ADDRESS = env("REGISTRATION_RATE_PER_ADDRESS", "5/h")
PRIVACY_NOTICE_VERSION = env("PRIVACY_NOTICE_VERSION", "2026-11")
RATELIMIT_USE_CACHE = "default"

NEWS_PAGE_SIZE = 12
SEARCH_PAGE_SIZE = 10

# Every handler hides tokens in paths and Teams join URLs (cgmsite/log_filters.py); the
# development server's request lines go through the same filter.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact_secrets": {"()": "cgmsite.log_filters.RedactSecrets"}},
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
        "django_tasks": {"level": "WARNING"},
        "wagtail": {"level": "WARNING"},
    },
}
