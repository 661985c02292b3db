"""The client address through trusted proxies (``cgmsite.net.client_ip``)."""

from django.test import RequestFactory

import pytest

from cgmsite.net import client_ip

PROXY = "10.0.0.2"


def request(forwarded_for: str | None = None, remote: str = PROXY):
    headers = {} if forwarded_for is None else {"HTTP_X_FORWARDED_FOR": forwarded_for}
    return RequestFactory().get("/", REMOTE_ADDR=remote, **headers)


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        # No proxy: whatever the client writes in the header is ignored.
        (0, "203.0.113.7", PROXY),
        # One proxy appends the address it saw: that is the client.
        (1, "203.0.113.7", "203.0.113.7"),
        # A client that forges the header only adds entries to the left.
        (1, "198.18.0.1, 203.0.113.7", "203.0.113.7"),
        (1, "198.18.0.1,203.0.113.7", "203.0.113.7"),
        # Two proxies (a CDN, then the load balancer): the second entry from the right.
        (2, "198.18.0.1, 203.0.113.7, 172.16.0.9", "203.0.113.7"),
        # Fewer entries than proxies: the leftmost is the best the proxies wrote.
        (2, "203.0.113.7", "203.0.113.7"),
        (1, "2001:db8::1", "2001:db8::1"),
        # Nothing usable: the address that connected, never the client's own text.
        (1, "", PROXY),
        (1, "unknown", PROXY),
        (1, "203.0.113.7:4711", PROXY),
    ],
)
def test_client_ip_through_trusted_proxies(settings, proxies, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = proxies

    assert client_ip(request(forwarded_for)) == expected


def test_without_the_header_the_connecting_address_is_the_client(settings):
    settings.TRUSTED_PROXY_COUNT = 1

    assert client_ip(request(None, remote="192.0.2.44")) == "192.0.2.44"
