"""Issue 21, finding 3: a stranger's name must not stick to a person's registration.

Anyone can type anyone's address into the form. The details a confirmed registration
keeps are those typed in the sign-up whose link the mailbox's owner followed: each
sign-up keeps its own (``SignupAttempt``), its link names it, and a later sign-up by
someone else does not invalidate an earlier link.
"""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

import pytest

from registrations import retention, services
from registrations.models import EmailMessage, Registration, SignupAttempt
from registrations.outbox import outbox_sweep
from tests.registrations.conftest import (
    ACCESS_LINK,
    CONFIRM_LINK,
    only_token,
    sent,
    service_data,
)
from tests.utils import soup

Kind = EmailMessage.Kind
Status = Registration.Status

VICTIM = "vera.vittima@cgm.coop"
OUTSIDER = "vera.vittima@gmail.com"
ATTACKER = {
    "first_name": "Attacker",
    "last_name": "Chosen",
    "organisation_name": "Evil Corp",
    "role": "Impostore",
    "answers": [{"id": "q1", "kind": "text", "question": "Perché?", "answer": "Perché sì"}],
}
HERS = {
    "first_name": "Vera",
    "last_name": "Vittima",
    "organisation_name": "Cooperativa Sociale La Rete",
    "role": "Educatrice",
    "answers": [{"id": "q1", "kind": "text", "question": "Perché?", "answer": "Formazione"}],
}


@pytest.fixture
def sign_up(sends_mail):
    """``sign_up(webinar, address, details, now=...)``: the service, e-mails sent."""

    def call(webinar, address, details, **kwargs):
        with sends_mail():
            return services.registration_create(
                webinar=webinar, **service_data(address, **details, **kwargs)
            )

    return call


@pytest.fixture
def act(sends_mail):
    def call(service, **kwargs):
        with sends_mail():
            return service(**kwargs)

    return call


def links(address: str, pattern=CONFIRM_LINK) -> list[str]:
    return [only_token(message, pattern) for message in mail.outbox if message.to == [address]]


def assert_hers(registration: Registration):
    registration.refresh_from_db()
    assert registration.first_name == "Vera"
    assert registration.last_name == "Vittima"
    assert registration.full_name == "Vera Vittima"
    assert registration.organisation_name == "Cooperativa Sociale La Rete"
    assert registration.role == "Educatrice"
    assert registration.get_answers_display() == "Perché?: Formazione"


def test_the_details_of_the_link_followed_are_kept_not_an_earlier_strangers(
    open_webinar, sign_up, act
):
    """The finding: "Attacker Chosen" stuck, though Vera confirmed her own sign-up."""
    start = timezone.now()
    sign_up(open_webinar, VICTIM, ATTACKER, now=start)
    sign_up(open_webinar, VICTIM, HERS, now=start + timedelta(minutes=6))
    attackers_link, her_link = links(VICTIM)

    registration = act(services.registration_confirm, token=her_link)

    assert registration.status == Status.CONFIRMED
    assert_hers(registration)
    assert Registration.objects.count() == 1
    # The stranger's sign-up is gone with its link; no typed details are left over.
    assert not SignupAttempt.objects.exists()
    with pytest.raises(services.RegistrationError) as error:
        act(services.registration_confirm, token=attackers_link)
    assert error.value.code == "used"
    assert_hers(registration)


def test_a_strangers_later_sign_up_does_not_lock_out_an_earlier_link(open_webinar, sign_up, act):
    start = timezone.now()
    sign_up(open_webinar, VICTIM, HERS, now=start)
    sign_up(open_webinar, VICTIM, ATTACKER, now=start + timedelta(minutes=6))
    her_link, _attackers_link = links(VICTIM)

    registration = act(services.registration_confirm, token=her_link)

    assert registration.status == Status.CONFIRMED
    assert_hers(registration)


def test_signing_up_within_the_resend_interval_still_gets_her_own_link(
    open_webinar, sign_up, act, sends_mail
):
    """The anti-flood interval holds the second message back to its end (one message
    per interval), and then it links to the latest sign-up: hers."""
    start = timezone.now() - timedelta(minutes=10)
    sign_up(open_webinar, VICTIM, ATTACKER, now=start)
    sign_up(open_webinar, VICTIM, HERS, now=start + timedelta(minutes=1))
    sign_up(open_webinar, VICTIM, HERS, now=start + timedelta(minutes=2))
    assert len(links(VICTIM)) == 1  # nothing more within the interval

    with sends_mail():
        outbox_sweep()  # the interval is over: the held-back message is due

    assert [m.to for m in sent(Kind.CONFIRMATION)] == [[VICTIM], [VICTIM]]
    _attackers_link, her_link = links(VICTIM)
    registration = act(services.registration_confirm, token=her_link)
    assert_hers(registration)


def test_an_outsider_asking_for_access_sends_staff_the_details_of_her_own_link(
    open_webinar, sign_up, act
):
    start = timezone.now()
    sign_up(open_webinar, OUTSIDER, ATTACKER, now=start)
    sign_up(open_webinar, OUTSIDER, HERS, now=start + timedelta(minutes=6))
    _attackers_link, her_link = links(OUTSIDER, ACCESS_LINK)

    registration = act(services.registration_request_access, token=her_link)

    assert registration.status == Status.PENDING_REVIEW
    assert_hers(registration)


def test_the_confirmation_page_shows_whose_details_it_confirms(open_webinar, sign_up, client):
    start = timezone.now()
    sign_up(open_webinar, VICTIM, ATTACKER, now=start)
    sign_up(open_webinar, VICTIM, HERS, now=start + timedelta(minutes=6))
    attackers_link, her_link = links(VICTIM)

    def shown(token):
        page = soup(client.get(reverse("registrations:confirm", args=[token])))
        return page.select_one(".link-details").get_text(" ", strip=True)

    assert "V••• V••••••" in shown(her_link)
    assert "E••• C•••" not in shown(her_link)
    assert "A••••••• C•••••" in shown(attackers_link)
    assert "Evil" not in shown(attackers_link)  # first letters only: no lure on the site
    assert "I dati che confermerai" in shown(her_link)


def test_unconfirmed_sign_ups_are_purged_with_unconfirmed_requests(open_webinar, sign_up):
    start = timezone.now() - timedelta(hours=72)
    sign_up(open_webinar, VICTIM, ATTACKER, now=start)
    sign_up(open_webinar, VICTIM, HERS, now=start + timedelta(minutes=6))
    assert SignupAttempt.objects.count() == 2

    report = retention.registrations_purge()

    assert report.signup_attempts_deleted == 2
    assert not SignupAttempt.objects.exists()


def test_a_sign_up_left_without_a_registration_is_purged_too(open_webinar):
    services.signup_attempt_record(
        webinar=open_webinar,
        **service_data(VICTIM, **HERS),
        now=timezone.now() - timedelta(hours=72),
    )

    retention.registrations_purge()

    assert not SignupAttempt.objects.exists()


def test_erasing_a_person_erases_her_sign_ups(open_webinar):
    services.signup_attempt_record(webinar=open_webinar, **service_data(VICTIM, **HERS))

    retention.person_erase(email=VICTIM)

    assert not SignupAttempt.objects.exists()


def test_a_sign_up_whose_task_was_lost_is_enqueued_again_once(open_webinar, sends_mail):
    """A worker died with the task: the periodic sweep enqueues it again; a second sweep,
    or a late duplicate of the task, sends nothing more."""
    attempt = services.signup_attempt_record(
        webinar=open_webinar,
        **service_data(VICTIM, **HERS),
        now=timezone.now() - timedelta(minutes=30),
    )

    with sends_mail():
        assert services.signup_attempts_sweep() == 1
    with sends_mail():
        assert services.signup_attempts_sweep() == 0
        services.signup_attempt_process(attempt_id=attempt.pk)

    assert [m.to for m in sent(Kind.CONFIRMATION)] == [[VICTIM]]


def test_the_same_form_sent_again_within_the_interval_adds_nothing(open_webinar, sign_up):
    """A double click is no new sign-up: its details are those of the link already sent."""
    start = timezone.now() - timedelta(minutes=10)
    sign_up(open_webinar, VICTIM, HERS, now=start)
    sign_up(open_webinar, VICTIM, HERS, now=start + timedelta(minutes=1))

    assert SignupAttempt.objects.count() == 1
    assert EmailMessage.objects.filter(kind=Kind.CONFIRMATION).count() == 1
