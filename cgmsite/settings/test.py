"""Tests: fast password hashing, in-memory mail, deterministic settings.

DATABASE_URL still applies, so the same suite runs on SQLite and PostgreSQL.
"""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-only-secret-key"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SITE_BASE_URL = "http://testserver"
WAGTAILADMIN_BASE_URL = SITE_BASE_URL
ALLOWED_HOSTS = ["*"]
STORAGES["staticfiles"]["BACKEND"] = (  # noqa: F405
    "django.contrib.staticfiles.storage.StaticFilesStorage"
)
MEDIA_ROOT = VAR_DIR / "test-media"  # noqa: F405
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Serve static files straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# E-mail tasks run as soon as the transaction that queued them commits; the database
# queue and its worker are exercised by the tests that start a worker themselves.
TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
    "email": {
        "BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "QUEUES": TASKS_QUEUES,  # noqa: F405
    },
}
# Microsoft Graph stays off unless a test points the site at its local stand-in
# (the ``graph`` fixture, ``tests/graph_server.py``), whatever the environment says.
TEAMS_GRAPH_TENANT_ID = TEAMS_GRAPH_CLIENT_ID = TEAMS_GRAPH_CLIENT_SECRET = ""
TEAMS_ORGANIZER_USER_ID = ""
