"""Signing in to the admin and asking for a new password are limited.

Sign-in (django-axes): five wrong passwords for one username from one client address lock
that pair out for 15 minutes, the right password included; other usernames and other
addresses are unaffected. Password reset: three requests an hour per address typed, ten
per client; past that no e-mail goes out and the page answers as before.
"""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

import pytest
from axes.models import AccessAttempt

from tests.utils import soup, text_of

LOGIN = "/admin/login/"
RESET = "/admin/password_reset/"
PASSWORD = "una-password-lunga-e-giusta"

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(site_tree):
    users = get_user_model().objects
    users.create_superuser("redazione", "redazione@cgm.coop", PASSWORD)
    users.create_superuser("segreteria", "segreteria@cgm.coop", PASSWORD)


def sign_in(client, username, password, ip="203.0.113.7", **headers):
    return client.post(
        LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **headers
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and response["Location"] == "/admin/"


def fail(client, times, username="redazione", **kwargs):
    return [sign_in(client, username, "sbagliata", **kwargs).status_code for _ in range(times)]


def test_five_wrong_passwords_lock_the_username_even_for_the_right_one(client, staff):
    # Four failures: the form asks again.
    assert fail(client, 4) == [200] * 4
    locked = sign_in(client, "redazione", "sbagliata")

    assert locked.status_code == 429
    page = soup(locked)
    assert text_of(page.h1) == "Troppi tentativi di accesso"
    assert "bloccato per 15 minuti" in text_of(page.main)
    # Locked: the right password is refused too, and nobody is signed in.
    right = sign_in(client, "redazione", PASSWORD)
    assert right.status_code == 429
    assert text_of(soup(right).h1) == "Troppi tentativi di accesso"
    assert client.get("/admin/").status_code == 302  # to the login form


def test_the_lock_ends_after_the_cool_off(client, staff):
    fail(client, 5)
    assert sign_in(client, "redazione", PASSWORD).status_code == 429

    # Sixteen minutes later (the attempts are dated in the database).
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))

    assert signed_in(sign_in(client, "redazione", PASSWORD))


def test_staff_unlock_a_username_with_the_command(client, staff):
    fail(client, 5)
    assert sign_in(client, "redazione", PASSWORD).status_code == 429

    call_command("axes_reset_username", "redazione")

    assert signed_in(sign_in(client, "redazione", PASSWORD))


def test_the_lock_is_per_username_and_client_address(client, staff):
    fail(client, 5, ip="203.0.113.7")

    # Another username from the same address, the same username from another address.
    assert signed_in(sign_in(client, "segreteria", PASSWORD, ip="203.0.113.7"))
    client.logout()
    assert signed_in(sign_in(client, "redazione", PASSWORD, ip="198.51.100.20"))
    client.logout()
    assert sign_in(client, "redazione", PASSWORD, ip="203.0.113.7").status_code == 429


def test_behind_the_proxy_the_lock_follows_the_client_address(client, staff, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.2"
    fail(client, 5, ip=proxy, HTTP_X_FORWARDED_FOR="203.0.113.7")

    # A forged entry on the left changes nothing: the proxy's entry is the client.
    forged = sign_in(
        client, "redazione", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.7"
    )
    assert forged.status_code == 429
    # Another visitor behind the same proxy signs in.
    other = sign_in(client, "redazione", PASSWORD, ip=proxy, HTTP_X_FORWARDED_FOR="198.51.100.20")
    assert signed_in(other)


def test_a_right_password_clears_the_earlier_failures(client, staff):
    fail(client, 4)
    assert signed_in(sign_in(client, "redazione", PASSWORD))
    client.logout()

    assert fail(client, 4) == [200] * 4


def ask_reset(client, email, ip="203.0.113.7"):
    return client.post(RESET, {"email": email}, REMOTE_ADDR=ip)


def test_the_fourth_reset_for_one_address_in_an_hour_sends_nothing(client, staff):
    answers = [ask_reset(client, "redazione@cgm.coop") for _ in range(3)]
    assert [message.to for message in mail.outbox] == [["redazione@cgm.coop"]] * 3

    fourth = ask_reset(client, "redazione@cgm.coop")

    assert len(mail.outbox) == 3
    for answer in [*answers, fourth]:
        assert answer.status_code == 302
        assert answer["Location"] == "/admin/password_reset/done/"
    # From another connection too: the limit is the address's.
    ask_reset(client, "Redazione@CGM.coop", ip="198.51.100.20")
    assert len(mail.outbox) == 3
    # An address without an account gets the same answer (nothing tells them apart).
    unknown = ask_reset(client, "nessuno@cgm.coop", ip="198.51.100.21")
    assert (unknown.status_code, unknown["Location"]) == (302, "/admin/password_reset/done/")


def test_one_client_asking_for_many_addresses_is_stopped_after_ten(client, staff):
    for n in range(10):
        ask_reset(client, f"persona{n}@cgm.coop")
    assert mail.outbox == []  # none of them has an account

    eleventh = ask_reset(client, "redazione@cgm.coop")

    assert (eleventh.status_code, eleventh["Location"]) == (302, "/admin/password_reset/done/")
    assert mail.outbox == []
    # The same address from another connection is still served.
    ask_reset(client, "redazione@cgm.coop", ip="198.51.100.20")
    assert [message.to for message in mail.outbox] == [["redazione@cgm.coop"]]
