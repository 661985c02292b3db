"""«Le mie iscrizioni»: a person's registrations behind a short-lived e-mailed link."""

import base64
import contextlib
import io
import re
import zlib
from datetime import timedelta

from django.conf import settings
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import dateformat, timezone

import pytest
import time_machine
from icalendar import Calendar

from registrations import services
from registrations.models import EmailMessage, PersonLink, Registration
from tests.registrations.conftest import message_text, sent, service_data

MINE = reverse("registrations:mine")
PAGE_LINK = re.compile(r"http://testserver(/iscrizioni/le-mie/[^/\s\"<>]+/)")
Kind = EmailMessage.Kind


def ask(client, email, sends_mail):
    with sends_mail():
        return client.post(MINE, {"email": email})


@pytest.mark.django_db
def test_the_same_answer_for_everyone_and_a_link_only_to_registrants(
    client, small_webinar, confirmed, sends_mail
):
    confirmed(small_webinar, "anna.verdi@cgm.coop")
    mail.outbox.clear()
    known = ask(client, "Anna.Verdi@cgm.coop", sends_mail)
    unknown = ask(client, "nessuno@cgm.coop", sends_mail)
    assert known.status_code == unknown.status_code == 200

    def main_without_address(response) -> str:
        page = response.content.decode().split("<main")[1]
        return page.replace("Anna.Verdi@cgm.coop", "").replace("nessuno@cgm.coop", "")

    assert main_without_address(known) == main_without_address(unknown)
    assert [m.to for m in sent(Kind.MY_REGISTRATIONS)] == [["anna.verdi@cgm.coop"]]
    assert known["Cache-Control"] == "no-store"

    # Asking again at once sends nothing more (one message per address and interval).
    ask(client, "anna.verdi@cgm.coop", sends_mail)
    assert len(sent(Kind.MY_REGISTRATIONS)) == 1


@pytest.mark.django_db
def test_a_bad_address_is_refused_with_a_clear_error(client):
    response = client.post(MINE, {"email": "non un indirizzo"})
    assert response.status_code == 400
    assert "indirizzo e-mail valido" in response.content.decode()
    assert "aria-describedby" in response.content.decode() or "_error" in response.content.decode()


@pytest.mark.django_db
def test_the_page_lists_each_state_with_what_it_allows_now(
    client, small_webinar, make_webinar, confirmed, sends_mail
):
    mine = "anna.verdi@cgm.coop"
    confirmed(small_webinar, mine)
    confirmed(small_webinar, "due@cgm.coop")
    other = make_webinar(title="Bilancio sociale", capacity=1)
    confirmed(other, "uno@cgm.coop")
    waiting = confirmed(other, mine)  # the second on a one-seat webinar: waiting list
    assert waiting.status == Registration.Status.WAITLISTED
    mail.outbox.clear()
    ask(client, mine, sends_mail)
    (message,) = sent(Kind.MY_REGISTRATIONS)
    path = PAGE_LINK.search(message_text(message))[1]

    page = client.get(path)
    text = " ".join(page.content.decode().split())
    assert page.status_code == 200
    assert page["Cache-Control"] == "no-store" and page["X-Robots-Tag"] == "noindex"
    assert "Confermata: hai un posto." in text
    assert "lista d’attesa, posizione 1" in text
    assert "due@cgm.coop" not in text  # nobody else's registrations
    # Too early for the join link: it shows from 30 minutes before the start.
    registration = Registration.objects.get(email=mine, webinar=small_webinar)
    assert reverse("join", args=[registration.join_token]) not in text
    with time_machine.travel(small_webinar.start - timedelta(minutes=20)):
        mail.outbox.clear()
        ask(client, mine, sends_mail)  # a link of the day (one works for a few hours)
        (fresh,) = sent(Kind.MY_REGISTRATIONS)
        later = client.get(PAGE_LINK.search(message_text(fresh))[1]).content.decode()
    assert reverse("join", args=[registration.join_token]) in later

    ics = client.get(reverse("registrations:mine_ics", args=[path.split("/")[-2], registration.pk]))
    (event,) = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["UID"]).startswith(f"registration-{registration.pk}") or event["UID"]
    # Someone else's registration is not reachable with this link.
    theirs = Registration.objects.get(email="due@cgm.coop")
    refused = client.get(reverse("registrations:mine_ics", args=[path.split("/")[-2], theirs.pk]))
    assert refused.status_code == 400

    # Cancelling still takes the cancellation page's button.
    assert reverse("registrations:cancel", args=["x"]).rsplit("x", 1)[0] in text
    assert Registration.objects.get(pk=registration.pk).status == Registration.Status.CONFIRMED


@pytest.mark.django_db
def test_the_link_expires_and_a_forged_one_does_nothing(
    client, small_webinar, confirmed, sends_mail, settings
):
    confirmed(small_webinar, "anna.verdi@cgm.coop")
    mail.outbox.clear()
    ask(client, "anna.verdi@cgm.coop", sends_mail)
    path = PAGE_LINK.search(message_text(sent(Kind.MY_REGISTRATIONS)[0]))[1]
    with time_machine.travel(timedelta(hours=settings.MY_REGISTRATIONS_LINK_HOURS, minutes=1)):
        expired = client.get(path)
    assert expired.status_code == 400
    assert "scaduto" in expired.content.decode()
    forged = client.get(path[:-5] + "XXXX/")
    assert forged.status_code == 400 and "anna" not in forged.content.decode()


@pytest.mark.django_db
def test_every_message_to_a_registrant_links_to_the_page(small_webinar, sends_mail):
    with sends_mail():
        services.registration_create(webinar=small_webinar, **service_data("anna@cgm.coop"))
    (confirmation,) = mail.outbox
    assert f"http://testserver{MINE}" in message_text(confirmation)
    assert f"http://testserver{MINE}" in confirmation.alternatives[0][0]


@pytest.mark.django_db
def test_nobody_can_lock_a_person_out_of_her_link_by_naming_her_address(
    client, small_webinar, confirmed, sends_mail, settings
):
    """Five posts naming the victim's address, from anywhere, refused her own request
    for an hour (429); the limit is per address and client, as on the sign-up form."""
    settings.REGISTRATION_RATE_PER_ADDRESS = "5/h"
    confirmed(small_webinar, "anna.verdi@cgm.coop")
    mail.outbox.clear()
    for n in range(6):
        with sends_mail():
            client.post(MINE, {"email": "anna.verdi@cgm.coop"}, REMOTE_ADDR=f"10.9.9.{n}")

    with sends_mail():
        response = client.post(MINE, {"email": "anna.verdi@cgm.coop"}, REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 200
    # From one client, the same address is still limited.
    for _ in range(5):
        client.post(MINE, {"email": "anna.verdi@cgm.coop"}, REMOTE_ADDR="192.0.2.10")
    assert (
        client.post(MINE, {"email": "anna.verdi@cgm.coop"}, REMOTE_ADDR="192.0.2.10").status_code
        == 429
    )


@pytest.mark.django_db
def test_when_the_join_link_appears_is_written_in_lowercase_italian(
    client, small_webinar, confirmed, sends_mail
):
    """«dal 3 Gennaio alle 14:30»: Django's catalogue capitalises the month, as for a
    heading; in running text Italian writes «dal 3 gennaio» (as every other date here)."""
    confirmed(small_webinar, "anna.verdi@cgm.coop")
    mail.outbox.clear()
    ask(client, "anna.verdi@cgm.coop", sends_mail)
    path = PAGE_LINK.search(message_text(sent(Kind.MY_REGISTRATIONS)[0]))[1]

    text = " ".join(client.get(path).content.decode().split())

    opens = timezone.localtime(small_webinar.start - timedelta(minutes=30))
    month = dateformat.format(opens, "F")
    assert f"dal {opens.day} {month.lower()} alle" in text
    assert f"{opens.day} {month} alle" not in text


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["a@[127.0.0.1]", "a@xn--zz.com"])
def test_an_address_no_mailbox_can_have_is_refused_like_any_bad_one(client, address):
    """Django's EmailField lets these through; the site's own check of an address
    refuses them (a 500 before, where the sign-up form answered 400)."""
    response = client.post(MINE, {"email": address})
    assert response.status_code == 400
    assert "Inserisci un indirizzo e-mail valido." in response.content.decode()


def readable_in(token: str) -> bytes:
    """Whatever a curious reader can decode from a link's token: each part of it read as
    URL-safe base64, inflated where it is compressed (Django's signed values are)."""
    found = [token.encode()]
    for part in re.split(r"[:.]", token):
        try:
            raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        except ValueError:
            continue
        found.append(raw)
        with contextlib.suppress(zlib.error):
            found.append(zlib.decompress(raw))
    return b" ".join(found)


@pytest.mark.django_db
def test_the_link_says_nothing_of_the_person_and_ends_with_her_data(
    client, small_webinar, confirmed, sends_mail
):
    mine = "anna.verdi@cgm.coop"
    confirmed(small_webinar, mine)
    mail.outbox.clear()
    ask(client, mine, sends_mail)
    path = PAGE_LINK.search(message_text(sent(Kind.MY_REGISTRATIONS)[0]))[1]
    token = path.rstrip("/").rsplit("/", 1)[1]
    assert b"anna" not in readable_in(token).lower()
    assert b"cgm" not in readable_in(token).lower()
    assert client.get(path).status_code == 200

    # The link lasts its hours, then opens nothing; the purge then drops what it named.
    later = timezone.now() + timedelta(hours=settings.MY_REGISTRATIONS_LINK_HOURS, minutes=1)
    with time_machine.travel(later):
        assert client.get(path).status_code == 400
        call_command("purge_registrations", stdout=io.StringIO())
    assert not PersonLink.objects.exists()

    # Erasing the person ends her links at once.
    ask(client, mine, sends_mail)
    path = PAGE_LINK.search(message_text(sent(Kind.MY_REGISTRATIONS)[-1]))[1]
    call_command("erase_person", mine, stdout=io.StringIO())
    assert client.get(path).status_code == 400
