"""The cancellation page says what cancelling does for this registration: only a person
who holds a seat hears that it frees one; nobody is promised a seat they never had."""

from django.core import mail
from django.urls import reverse

import pytest

from registrations import services, tokens
from registrations.models import Registration
from tests.registrations.conftest import ACCESS_LINK, only_token, service_data
from tests.utils import soup, text_of

pytestmark = pytest.mark.django_db

Status = Registration.Status
SEAT_PROMISES = ("prossima persona", "prima persona", "il tuo posto", "posto andrà")


@pytest.fixture
def in_status(small_webinar, confirmed, sends_mail):
    """``in_status(status)``: a registration for the two-seat webinar, in that status."""

    def make(status):
        if status == Status.PENDING_CONFIRMATION:
            with sends_mail():
                return services.registration_create(
                    webinar=small_webinar, **service_data("attesa.conferma@cgm.coop")
                )
        if status == Status.PENDING_REVIEW:
            with sends_mail():
                services.registration_create(
                    webinar=small_webinar, **service_data("esterna@gmail.com")
                )
            with sends_mail():
                return services.registration_request_access(
                    token=only_token(mail.outbox[-1], ACCESS_LINK)
                )
        if status == Status.WAITLISTED:
            confirmed(small_webinar, "uno@cgm.coop")
            confirmed(small_webinar, "due@cgm.coop")
        registration = confirmed(small_webinar, "maria.bianchi@cgm.coop")
        assert registration.status == status
        return registration

    return make


def cancel_url(registration) -> str:
    return reverse("registrations:cancel", args=[tokens.make_token(registration, tokens.CANCEL)])


def lead(response) -> str:
    assert response.status_code == 200
    return text_of(soup(response).select_one("main .lead"))


ASKED = {
    Status.CONFIRMED: "Vuoi annullare la tua iscrizione? Il tuo posto si libererà: se c’è una "
    "lista d’attesa, andrà alla prima persona in lista.",
    Status.WAITLISTED: "Vuoi annullare la tua iscrizione? Uscirai dalla lista d’attesa e non "
    "riceverai l’invito se si libera un posto.",
    Status.PENDING_CONFIRMATION: "Vuoi annullare la tua iscrizione? Non è ancora confermata: il "
    "suo link di conferma smetterà di funzionare.",
    Status.PENDING_REVIEW: "Vuoi annullare la tua iscrizione? La tua richiesta di accesso sarà "
    "ritirata.",
}
DONE = {
    Status.CONFIRMED: "La tua iscrizione è stata annullata e il tuo posto è di nuovo libero.",
    Status.WAITLISTED: "La tua iscrizione è stata annullata: non sei più in lista d’attesa.",
    Status.PENDING_CONFIRMATION: "La tua iscrizione è stata annullata. Puoi iscriverti",
    Status.PENDING_REVIEW: "La tua iscrizione è stata annullata e la tua richiesta di accesso "
    "ritirata.",
}


@pytest.mark.parametrize("status", list(ASKED), ids=str)
def test_each_status_is_told_what_cancelling_does(client, in_status, sends_mail, status):
    registration = in_status(status)
    url = cancel_url(registration)

    asked = lead(client.get(url))
    assert asked == ASKED[status]
    with sends_mail():
        done = lead(client.post(url))
    assert done.startswith(DONE[status])
    registration.refresh_from_db()
    assert registration.status == Status.CANCELLED
    if status != Status.CONFIRMED:
        for promise in SEAT_PROMISES:
            assert promise not in asked.lower() and promise not in done.lower()


def test_without_a_seat_limit_a_confirmed_person_hears_of_the_join_link(
    client, open_webinar, confirmed
):
    registration = confirmed(open_webinar)
    asked = lead(client.get(cancel_url(registration)))
    assert "link personale per partecipare" in asked
    assert "lista d’attesa" not in asked
