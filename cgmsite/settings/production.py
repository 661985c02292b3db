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
