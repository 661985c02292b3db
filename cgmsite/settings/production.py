"""Production: refuses to start without a real secret key and an e-mail provider."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = False

if not env("SECRET_KEY") or env("SECRET_KEY").startswith("django-insecure"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production.")
if not env("EMAIL_HOST") and not env("ANYMAIL_ESP"):
    raise ImproperlyConfigured("Configure EMAIL_HOST (SMTP) or ANYMAIL_ESP in production.")
if env("ANYMAIL_ESP") and ":" not in env("ANYMAIL_WEBHOOK_SECRET"):
    # Without it anyone could mark addresses bounced through /anymail/<esp>/tracking/.
    raise ImproperlyConfigured("Set ANYMAIL_WEBHOOK_SECRET (user:password) with ANYMAIL_ESP.")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", "3600"))
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
