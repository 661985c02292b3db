"""The personal join link ``/webinar/entra/<token>/``: a redirect for a confirmed
registrant, a clear page otherwise, and never the meeting URL in a page."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

import pytest

from registrations import services
from tests.events.factories import days_from_now
from tests.registrations.conftest import CANCEL_LINK, only_token

MEMBER = "maria.bianchi@cgm.coop"


def join_url(registration) -> str:
    return reverse("join", args=[registration.join_token])


def italian(message: str) -> str:
    with translation.override("it"):
        return gettext(message)


def assert_private(response):
    assert response["Cache-Control"] == "no-store"
    assert response["Referrer-Policy"] == "no-referrer"


@pytest.mark.django_db
def test_the_join_link_redirects_to_teams_and_counts(client, open_webinar, confirmed):
    registration = confirmed(open_webinar)
    assert join_url(registration) == f"/webinar/entra/{registration.join_token}/"

    first = client.get(join_url(registration))
    registration.refresh_from_db()
    first_used = registration.join_first_used_at
    second = client.get(join_url(registration))

    for response in (first, second):
        assert response.status_code == 302
        assert response["Location"] == open_webinar.teams_join_url
        assert open_webinar.teams_join_url not in response.content.decode()
        assert_private(response)
    registration.refresh_from_db()
    assert registration.join_count == 2
    assert first_used is not None
    assert registration.join_first_used_at == first_used


@pytest.mark.django_db
def test_a_head_request_is_not_counted(client, open_webinar, confirmed):
    registration = confirmed(open_webinar)

    response = client.head(join_url(registration))

    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.join_count == 0
    assert registration.join_first_used_at is None


@pytest.mark.django_db
def test_after_cancellation_the_link_shows_a_page(client, open_webinar, confirmed, sends_mail):
    registration = confirmed(open_webinar)
    with sends_mail():
        services.registration_cancel_by_token(token=only_token(mail.outbox[-1], CANCEL_LINK))

    response = client.get(join_url(registration))

    assert response.status_code == 410
    assert "Location" not in response
    body = response.content.decode()
    assert (
        italian("Your registration has been cancelled, so this link no longer opens the webinar.")
        in body
    )
    assert open_webinar.teams_join_url not in body
    assert_private(response)
    registration.refresh_from_db()
    assert registration.join_count == 0


@pytest.mark.django_db
def test_a_cancelled_webinar_shows_a_page(client, open_webinar, confirmed):
    registration = confirmed(open_webinar)
    open_webinar.status = open_webinar.Status.CANCELLED
    open_webinar.save_revision().publish()

    response = client.get(join_url(registration))

    assert response.status_code == 410
    body = response.content.decode()
    assert italian("This webinar has been cancelled.") in body
    assert open_webinar.teams_join_url not in body


@pytest.mark.django_db
def test_the_link_ends_with_the_webinar(open_webinar, confirmed):
    registration = confirmed(open_webinar)
    later = open_webinar.end + timedelta(minutes=1)

    with pytest.raises(services.RegistrationError) as error:
        services.registration_join(token=registration.join_token, now=later)

    assert error.value.code == "webinar_past"


@pytest.mark.django_db
def test_an_ended_webinar_page(client, make_webinar, member_org, confirmed):
    webinar = make_webinar(start=days_from_now(1))
    registration = confirmed(webinar)
    webinar.start = timezone.now() - timedelta(hours=3)
    webinar.end = timezone.now() - timedelta(hours=1)
    webinar.save_revision().publish()

    response = client.get(join_url(registration))

    assert response.status_code == 410
    assert italian("This webinar has already ended.") in response.content.decode()
    assert webinar.teams_join_url not in response.content.decode()


@pytest.mark.django_db
def test_an_unknown_link_is_not_found(client, open_webinar, confirmed):
    confirmed(open_webinar)

    response = client.get(reverse("join", args=["no-such-token"]))

    assert response.status_code == 404
    assert open_webinar.teams_join_url not in response.content.decode()
    assert_private(response)


@pytest.mark.django_db
def test_the_join_link_refuses_post(client, open_webinar, confirmed):
    registration = confirmed(open_webinar)

    response = client.post(join_url(registration))

    assert response.status_code == 405
    registration.refresh_from_db()
    assert registration.join_count == 0
