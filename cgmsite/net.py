"""The address of the person behind a request, through the proxies the site trusts.

Behind a TLS proxy or load balancer every request comes from the proxy's address,
so ``REMOTE_ADDR`` cannot tell visitors apart. Each trusted proxy appends the
address it received the request from to ``X-Forwarded-For``; with
``TRUSTED_PROXY_COUNT`` = N proxies in front of the site, the client is the N-th
entry from the right. Entries further left were written by the client itself and
can be anything, so they are never used.
"""

import ipaddress

from django.conf import settings


def client_ip(request) -> str:
    """The client's IP address as text (also django-ratelimit's ``RATELIMIT_IP_META_KEY``)."""
    remote = request.META.get("REMOTE_ADDR", "") or "0.0.0.0"  # noqa: S104 (a unix socket)
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        return remote
    chain = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    chain = [entry for entry in chain if entry]
    if not chain:
        return remote
    candidate = chain[-proxies] if len(chain) >= proxies else chain[0]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # A proxy that writes something else (a port, "unknown"): fall back on the
        # address that connected, never on text the client may have chosen.
        return remote
