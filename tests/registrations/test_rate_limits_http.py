"""The registration limits over real HTTP, from many client addresses and behind a proxy.

A test client sends every request from one address and shares one process's memory;
these tests use a live server, real sockets bound to different loopback addresses,
``X-Forwarded-For`` as a TLS proxy writes it, and the Redis cache production uses.
"""

import re

from django.core import mail
from django.urls import reverse

import pytest

from registrations import services
from registrations.models import EmailMessage, Registration
from tests.registrations.conftest import form_data, only_token, service_data
from tests.visitors import Visitor

pytestmark = pytest.mark.django_db(transaction=True)

Status = Registration.Status
# The links point at the live server.
CONFIRM_LINK = re.compile(r"/iscrizioni/conferma/([^/\s\"<>]+)/")
CANCEL_LINK = re.compile(r"/iscrizioni/annulla/([^/\s\"<>]+)/")


def press_button(live_server, source: str, path: str) -> int:
    """Open an e-mailed link from ``source`` and press its button, as the person would."""
    visitor = Visitor(live_server.url, source=source)
    visitor.get(path)
    return visitor.post(path, {}).status


@pytest.fixture
def live_webinar(wagtail_root_rows, live_server, settings, member_org, make_webinar):
    settings.SITE_BASE_URL = live_server.url
    return make_webinar(capacity=20)


def test_members_confirming_and_cancelling_from_their_own_addresses_are_not_throttled(
    live_webinar, live_server
):
    """200 members from 200 addresses confirming were 5 confirmed and 195 × 429."""
    members = [f"socio{n}@cgm.coop" for n in range(30)]
    for address in members:
        services.registration_create(webinar=live_webinar, **service_data(address))
    confirm_tokens = [only_token(message, CONFIRM_LINK) for message in mail.outbox]
    mail.outbox.clear()

    statuses = [
        press_button(live_server, f"127.0.0.{10 + n}", reverse("registrations:confirm", args=[t]))
        for n, t in enumerate(confirm_tokens)
    ]

    assert statuses == [200] * 30
    assert Registration.objects.filter(status=Status.CONFIRMED).count() == 20
    assert Registration.objects.filter(status=Status.WAITLISTED).count() == 10

    # Eight seat holders cancel, each from home: every one is taken, and eight people
    # move up from the waiting list.
    seat_holders = Registration.objects.filter(status=Status.CONFIRMED).order_by("pk")[:8]
    cancellations = []
    for n, registration in enumerate(seat_holders):
        [invitation] = [m for m in mail.outbox if m.to == [registration.email]]
        path = reverse("registrations:cancel", args=[only_token(invitation, CANCEL_LINK)])
        cancellations.append(press_button(live_server, f"127.0.1.{10 + n}", path))

    assert cancellations == [200] * 8
    assert Registration.objects.filter(status=Status.CANCELLED).count() == 8
    assert Registration.objects.filter(status=Status.CONFIRMED).count() == 20


def test_an_organisation_behind_one_address_signs_up_and_a_flood_is_stopped(
    live_webinar, live_server, settings, redis_cache
):
    """Behind the TLS proxy every request arrives from the proxy's address, and a
    cooperative's 300 members share their NAT's: each must count as its own client,
    the burst must pass, and one client sending thousands must be stopped."""
    settings.TRUSTED_PROXY_COUNT = 1
    organisation = Visitor(live_server.url, forwarded_for="203.0.113.7")
    register = reverse("registrations:register", args=[live_webinar.pk])
    organisation.get(live_webinar.url)

    answers = [
        organisation.post(register, form_data(f"collega{n}@cgm.coop")).status for n in range(300)
    ]

    assert answers == [302] * 300
    confirmations = EmailMessage.objects.filter(kind=EmailMessage.Kind.CONFIRMATION)
    assert confirmations.filter(status=EmailMessage.Status.SENT).count() == 300
    assert len({message.to[0] for message in mail.outbox}) == 300

    # The same client goes on sending, and forges the left part of the header (which
    # only the client wrote): it is still the same client, and it is stopped.
    flood = Visitor(
        live_server.url, forwarded_for="198.18.0.1, 203.0.113.7", cookies=organisation.cookies
    )
    flood.csrf_token = organisation.csrf_token
    refused_after = None
    # Two windows of the limit at most, should the test run across a window's end.
    for n in range(1300):
        if flood.post(register, {"email": f"x{n}"}).status == 429:
            refused_after = n
            break
    assert refused_after is not None and refused_after <= 1200
    assert flood.post(register, form_data("ancora@cgm.coop")).status == 429
    assert not Registration.objects.filter(email="ancora@cgm.coop").exists()

    # Another organisation behind the same proxy is not affected.
    other = Visitor(live_server.url, forwarded_for="198.51.100.9")
    other.get(live_webinar.url)
    assert other.post(register, form_data("socia@cgm.coop")).status == 302
