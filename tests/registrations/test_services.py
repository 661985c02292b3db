"""Signing up, confirming, the waiting list and cancelling, through ``registrations.services``."""

from datetime import timedelta

from django.core import mail, signing
from django.test import override_settings
from django.utils import timezone

import pytest

from events.models import WebinarPage
from registrations import emails, invitations, selectors, services, tokens
from registrations.models import EmailMessage, Registration
from tests.events.factories import days_from_now
from tests.registrations.conftest import (
    ACCESS_LINK,
    CANCEL_LINK,
    CONFIRM_LINK,
    CONTACT_EMAIL,
    only_token,
    sent,
    sent_kinds,
    service_data,
    tokens_in,
    tokens_signed_hours_ago,
)

Status = Registration.Status
Kind = EmailMessage.Kind

MEMBER = "maria.bianchi@cgm.coop"
OUTSIDER = "maria.bianchi@gmail.com"


@pytest.fixture
def register(sends_mail):
    """``register(webinar, email, now=None)``: sign up through the service, e-mails sent."""

    def sign_up(webinar, email, **kwargs):
        with sends_mail():
            return services.registration_create(webinar=webinar, **service_data(email, **kwargs))

    return sign_up


@pytest.fixture
def act(sends_mail):
    """``act(services.registration_confirm, token=...)``: call a service, e-mails sent."""

    def call(service, **kwargs):
        with sends_mail():
            return service(**kwargs)

    return call


@pytest.fixture
def confirmed(register, act):
    """``confirmed(webinar, email)``: a member who signed up and followed the link."""

    def sign_up_and_confirm(webinar, email):
        register(webinar, email)
        token = only_token(sent(Kind.CONFIRMATION, to=email)[-1], CONFIRM_LINK)
        return act(services.registration_confirm, token=token)

    return sign_up_and_confirm


def cancel_token_for(email: str) -> str:
    """The cancellation link of the latest message to ``email``."""
    return only_token(sent(to=email)[-1], CANCEL_LINK)


# Who gets what after signing up ------------------------------------------------------------


def test_a_member_address_gets_a_confirmation_link(open_webinar, member_org, register):
    registration = register(open_webinar, "Maria.Bianchi@CGM.coop")

    registration.refresh_from_db()
    assert registration.status == Status.PENDING_CONFIRMATION
    assert registration.email == MEMBER
    assert registration.member_organisation == member_org
    assert registration.consent_at is not None
    assert registration.consent_version == "2026-11"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [MEMBER]
    assert sent_kinds() == [Kind.CONFIRMATION]
    assert only_token(message, CONFIRM_LINK)
    assert not tokens_in(message, ACCESS_LINK)
    # Every e-mail carries a self-cancellation link.
    assert only_token(message, CANCEL_LINK)
    assert open_webinar.teams_join_url not in message.body


def test_any_other_address_gets_the_members_only_explanation(open_webinar, register):
    registration = register(open_webinar, OUTSIDER)

    registration.refresh_from_db()
    assert registration.status == Status.PENDING_CONFIRMATION
    assert registration.member_organisation is None
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [OUTSIDER]
    assert sent_kinds() == [Kind.MEMBERS_ONLY]
    assert only_token(message, ACCESS_LINK)
    assert not tokens_in(message, CONFIRM_LINK)
    assert open_webinar.teams_join_url not in message.body


def test_member_and_outsider_get_the_same_kind_of_answer(open_webinar, register):
    member = register(open_webinar, MEMBER)
    outsider = register(open_webinar, OUTSIDER)

    assert type(member) is type(outsider) is Registration
    assert member.status == outsider.status == Status.PENDING_CONFIRMATION


def test_an_outsiders_access_token_does_not_confirm(open_webinar, register, act):
    register(open_webinar, OUTSIDER)
    access_token = only_token(mail.outbox[0], ACCESS_LINK)

    with pytest.raises(tokens.InvalidToken) as error:
        act(services.registration_confirm, token=access_token)

    assert error.value.reason == "invalid"
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION
    assert len(mail.outbox) == 1


# Confirming --------------------------------------------------------------------------------


def test_confirming_takes_a_seat_and_sends_the_invitation(open_webinar, register, act):
    register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)

    registration = act(services.registration_confirm, token=token)

    registration.refresh_from_db()
    assert registration.status == Status.CONFIRMED
    assert registration.confirmed_at is not None
    assert registration.waitlist_position is None
    assert sent_kinds() == [Kind.CONFIRMATION, Kind.INVITATION]
    invitation = mail.outbox[1]
    assert invitation.to == [MEMBER]
    assert open_webinar.teams_join_url in invitation.body
    assert only_token(invitation, CANCEL_LINK)


def test_a_confirmation_link_works_once(open_webinar, register, act):
    register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)
    act(services.registration_confirm, token=token)

    with pytest.raises(services.RegistrationError) as error:
        act(services.registration_confirm, token=token)

    assert error.value.code == "used"
    assert Registration.objects.get().status == Status.CONFIRMED
    assert sent_kinds() == [Kind.CONFIRMATION, Kind.INVITATION]


@pytest.mark.parametrize(
    "damage",
    [
        lambda token: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token: token[:-5],
        lambda token: token.upper(),
        lambda token: "x" + token,
        lambda token: "",
        lambda token: "not-a-token",
    ],
    ids=["last-char", "truncated", "upper", "prefixed", "empty", "made-up"],
)
def test_a_damaged_or_forged_link_is_invalid(open_webinar, register, act, damage):
    register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)

    with pytest.raises(tokens.InvalidToken) as error:
        act(services.registration_confirm, token=damage(token))

    assert error.value.reason == "invalid"
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION
    assert len(mail.outbox) == 1


def test_a_token_signed_with_another_key_is_invalid(open_webinar, register, act):
    registration = register(open_webinar, MEMBER)
    forged = signing.dumps(
        [registration.pk, tokens.CONFIRM, registration.token_nonce],
        key="someone-elses-secret",
        salt=tokens.SALT,
        compress=True,
    )

    with pytest.raises(tokens.InvalidToken) as error:
        act(services.registration_confirm, token=forged)

    assert error.value.reason == "invalid"
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


def test_a_link_older_than_48_hours_has_expired(open_webinar, register, act, monkeypatch):
    with tokens_signed_hours_ago(monkeypatch, 49):
        register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)

    with pytest.raises(tokens.InvalidToken) as error:
        act(services.registration_confirm, token=token)

    assert error.value.reason == "expired"
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION
    assert len(mail.outbox) == 1


def test_a_link_younger_than_48_hours_still_works(open_webinar, register, act, monkeypatch):
    with tokens_signed_hours_ago(monkeypatch, 47):
        register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)

    assert act(services.registration_confirm, token=token).status == Status.CONFIRMED


def test_the_validity_of_links_follows_the_setting(open_webinar, register, act, monkeypatch):
    with tokens_signed_hours_ago(monkeypatch, 2):
        register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)

    with (
        override_settings(REGISTRATION_TOKEN_MAX_AGE=3600),
        pytest.raises(tokens.InvalidToken) as error,
    ):
        act(services.registration_confirm, token=token)

    assert error.value.reason == "expired"
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


def test_a_confirmation_token_is_not_a_cancellation_token(open_webinar, register, act):
    register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)

    with pytest.raises(tokens.InvalidToken) as error:
        act(services.registration_cancel_by_token, token=token)

    assert error.value.reason == "invalid"
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


def test_a_cancellation_token_is_not_a_confirmation_token(open_webinar, register, act):
    register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CANCEL_LINK)

    with pytest.raises(tokens.InvalidToken) as error:
        act(services.registration_confirm, token=token)

    assert error.value.reason == "invalid"
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


# Capacity, waiting list, cancellation --------------------------------------------------------


def test_beyond_capacity_confirmations_join_the_waiting_list_in_order(small_webinar, confirmed):
    people = [f"persona{n}@cgm.coop" for n in range(1, 5)]
    results = [confirmed(small_webinar, email) for email in people]

    assert [r.status for r in results] == [
        Status.CONFIRMED,
        Status.CONFIRMED,
        Status.WAITLISTED,
        Status.WAITLISTED,
    ]
    assert [r.waitlist_position for r in results] == [None, None, 1, 2]
    for email in people[:2]:
        assert sent_kinds(to=email) == [Kind.CONFIRMATION, Kind.INVITATION]
    for email in people[2:]:
        assert sent_kinds(to=email) == [Kind.CONFIRMATION, Kind.WAITLISTED]
        assert all(small_webinar.teams_join_url not in m.body for m in sent(to=email))
    assert small_webinar.seats_taken() == 2


def test_cancelling_a_seat_promotes_the_first_on_the_waiting_list(
    small_webinar, confirmed, act, register
):
    first, second, third, fourth = (f"persona{n}@cgm.coop" for n in range(1, 5))
    for email in (first, second, third, fourth):
        confirmed(small_webinar, email)
    cancel_token = cancel_token_for(first)
    mail.outbox.clear()

    cancelled = act(services.registration_cancel_by_token, token=cancel_token)

    cancelled.refresh_from_db()
    assert cancelled.status == Status.CANCELLED
    assert cancelled.cancelled_at is not None
    promoted = Registration.objects.get(email=third)
    assert promoted.status == Status.CONFIRMED
    assert promoted.waitlist_position is None
    still_waiting = Registration.objects.get(email=fourth)
    assert still_waiting.status == Status.WAITLISTED
    assert small_webinar.seats_taken() == 2
    assert sent_kinds(to=first) == [Kind.CANCELLATION]
    assert sent_kinds(to=third) == [Kind.PROMOTED, Kind.INVITATION]
    assert small_webinar.teams_join_url in sent(Kind.INVITATION, to=third)[0].body
    assert sent(to=second) == sent(to=fourth) == []

    # The cancelled person may sign up again: a new row, a new confirmation link.
    mail.outbox.clear()
    again = register(small_webinar, first)

    assert again.pk != cancelled.pk
    assert again.status == Status.PENDING_CONFIRMATION
    assert Registration.objects.filter(email=first).count() == 2
    assert sent_kinds(to=first) == [Kind.CONFIRMATION]
    token = only_token(mail.outbox[0], CONFIRM_LINK)
    rejoined = act(services.registration_confirm, token=token)
    assert rejoined.status == Status.WAITLISTED
    assert rejoined.waitlist_position == still_waiting.waitlist_position + 1


def test_cancelling_a_place_on_the_waiting_list_promotes_nobody(small_webinar, confirmed, act):
    for n in range(1, 4):
        confirmed(small_webinar, f"persona{n}@cgm.coop")
    token = cancel_token_for("persona3@cgm.coop")
    mail.outbox.clear()

    act(services.registration_cancel_by_token, token=token)

    assert sent_kinds() == [Kind.CANCELLATION]
    assert Registration.objects.filter(status=Status.CONFIRMED).count() == 2
    assert not Registration.objects.filter(status=Status.WAITLISTED).exists()


def test_a_cancellation_link_works_once(open_webinar, confirmed, act):
    confirmed(open_webinar, MEMBER)
    token = cancel_token_for(MEMBER)
    act(services.registration_cancel_by_token, token=token)
    mail.outbox.clear()

    with pytest.raises(services.RegistrationError) as error:
        act(services.registration_cancel_by_token, token=token)

    assert error.value.code == "already_cancelled"
    assert mail.outbox == []


def test_a_pending_registration_can_be_cancelled(open_webinar, register, act):
    register(open_webinar, MEMBER)
    token = cancel_token_for(MEMBER)
    confirm_token = only_token(mail.outbox[0], CONFIRM_LINK)

    act(services.registration_cancel_by_token, token=token)

    assert Registration.objects.get().status == Status.CANCELLED
    with pytest.raises(services.RegistrationError) as error:
        act(services.registration_confirm, token=confirm_token)
    assert error.value.code == "used"


# Signing up twice ---------------------------------------------------------------------------


def test_signing_up_twice_creates_one_row_and_sends_nothing_within_the_interval(
    open_webinar, register
):
    first = register(open_webinar, MEMBER)
    second = register(open_webinar, "  MARIA.BIANCHI@cgm.coop ", first_name="Mariella")

    assert second.pk == first.pk
    assert Registration.objects.count() == 1
    assert Registration.objects.get().first_name == "Maria"
    assert sent_kinds() == [Kind.CONFIRMATION]


def test_signing_up_again_later_resends_a_fresh_confirmation_link(open_webinar, register, act):
    register(open_webinar, MEMBER)
    old_token = only_token(mail.outbox[0], CONFIRM_LINK)
    later = timezone.now() + timedelta(minutes=6)

    register(open_webinar, MEMBER, now=later)

    assert Registration.objects.count() == 1
    assert sent_kinds() == [Kind.CONFIRMATION, Kind.CONFIRMATION]
    new_token = only_token(mail.outbox[1], CONFIRM_LINK)
    assert new_token != old_token
    # The new sign-up may be a stranger's: the earlier link still works (issue 21,
    # finding 3) until one of them is used; then the other is.
    assert act(services.registration_confirm, token=new_token).status == Status.CONFIRMED
    with pytest.raises(services.RegistrationError) as error:
        act(services.registration_confirm, token=old_token)
    assert error.value.code == "used"


def test_signing_up_again_once_confirmed_resends_the_invitation(open_webinar, confirmed, register):
    confirmed(open_webinar, MEMBER)
    mail.outbox.clear()

    register(open_webinar, MEMBER)
    assert mail.outbox == []

    register(open_webinar, MEMBER, now=timezone.now() + timedelta(minutes=6))

    assert Registration.objects.count() == 1
    assert Registration.objects.get().status == Status.CONFIRMED
    assert sent_kinds() == [Kind.INVITATION]
    assert open_webinar.teams_join_url in mail.outbox[0].body


def test_signing_up_again_on_the_waiting_list_resends_the_waiting_list_place(
    make_webinar, member_org, confirmed, register
):
    webinar = make_webinar(capacity=1)
    confirmed(webinar, "persona1@cgm.coop")
    confirmed(webinar, MEMBER)
    mail.outbox.clear()

    register(webinar, MEMBER, now=timezone.now() + timedelta(minutes=6))

    assert sent_kinds() == [Kind.WAITLISTED]
    assert all(webinar.teams_join_url not in m.body for m in mail.outbox)


def test_an_outsider_signing_up_again_later_gets_the_explanation_again(open_webinar, register):
    register(open_webinar, OUTSIDER)
    register(open_webinar, OUTSIDER, now=timezone.now() + timedelta(minutes=6))

    assert sent_kinds() == [Kind.MEMBERS_ONLY, Kind.MEMBERS_ONLY]
    assert not tokens_in(mail.outbox[1], CONFIRM_LINK)


def test_the_resend_interval_follows_the_setting(open_webinar, register, settings):
    settings.REGISTRATION_RESEND_INTERVAL = 3600
    register(open_webinar, MEMBER)

    register(open_webinar, MEMBER, now=timezone.now() + timedelta(minutes=30))
    assert sent_kinds() == [Kind.CONFIRMATION]

    register(open_webinar, MEMBER, now=timezone.now() + timedelta(minutes=61))
    assert sent_kinds() == [Kind.CONFIRMATION, Kind.CONFIRMATION]


# Access requests ----------------------------------------------------------------------------


@pytest.fixture
def access_request(open_webinar, register, act):
    """An outsider who followed the members-only link: a request for staff to review."""
    register(open_webinar, OUTSIDER)
    token = only_token(mail.outbox[0], ACCESS_LINK)
    registration = act(services.registration_request_access, token=token)
    mail.outbox.clear()
    return registration, token


def test_asking_for_access_notifies_the_webinar_contact(open_webinar, register, act):
    register(open_webinar, OUTSIDER)
    token = only_token(mail.outbox[0], ACCESS_LINK)

    registration = act(services.registration_request_access, token=token)

    registration.refresh_from_db()
    assert registration.status == Status.PENDING_REVIEW
    assert sent_kinds() == [Kind.MEMBERS_ONLY, Kind.ACCESS_REQUEST_NOTICE]
    notice = mail.outbox[1]
    assert notice.to == [CONTACT_EMAIL]
    assert OUTSIDER in notice.body
    assert open_webinar.teams_join_url not in notice.body


def test_an_access_link_works_once(access_request, act):
    _registration, token = access_request

    with pytest.raises(services.RegistrationError) as error:
        act(services.registration_request_access, token=token)

    assert error.value.code == "used"
    assert mail.outbox == []


def test_a_member_cannot_use_an_access_request(open_webinar, register, act):
    registration = register(open_webinar, MEMBER)
    token = tokens.make_token(registration, tokens.REQUEST_ACCESS)

    with pytest.raises(services.RegistrationError):
        act(services.registration_request_access, token=token)

    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


def test_approving_access_sends_a_confirmation_link_that_works(open_webinar, access_request, act):
    registration, _token = access_request

    approved = act(services.registration_approve, registration=registration)

    approved.refresh_from_db()
    assert approved.status == Status.PENDING_CONFIRMATION
    assert approved.approved_at is not None
    assert sent_kinds() == [Kind.ACCESS_APPROVED]
    message = mail.outbox[0]
    assert message.to == [OUTSIDER]
    token = only_token(message, CONFIRM_LINK)

    confirmed = act(services.registration_confirm, token=token)

    assert confirmed.status == Status.CONFIRMED
    assert sent_kinds(to=OUTSIDER) == [Kind.ACCESS_APPROVED, Kind.INVITATION]
    assert open_webinar.teams_join_url in mail.outbox[1].body


def test_rejecting_access_tells_the_person(open_webinar, access_request, act):
    registration, _token = access_request

    rejected = act(services.registration_reject, registration=registration)

    rejected.refresh_from_db()
    assert rejected.status == Status.REJECTED
    assert sent_kinds() == [Kind.ACCESS_REJECTED]
    assert mail.outbox[0].to == [OUTSIDER]
    assert not tokens_in(mail.outbox[0], CONFIRM_LINK)
    assert open_webinar.teams_join_url not in mail.outbox[0].body


def test_only_requests_under_review_are_approved_or_rejected(open_webinar, register, act):
    registration = register(open_webinar, MEMBER)
    mail.outbox.clear()

    for service in (services.registration_approve, services.registration_reject):
        with pytest.raises(services.RegistrationError) as error:
            act(service, registration=registration)
        assert error.value.code == "not_pending_review"

    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION
    assert mail.outbox == []


def test_a_request_under_review_is_not_resent_anything(open_webinar, access_request, register):
    register(open_webinar, OUTSIDER, now=timezone.now() + timedelta(hours=1))

    assert Registration.objects.get().status == Status.PENDING_REVIEW
    assert mail.outbox == []


# Registration windows -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "webinar_fields",
    [
        pytest.param({"registration_opens_at": days_from_now(2)}, id="not-yet-open"),
        pytest.param({"registration_closes_at": days_from_now(-1)}, id="closed"),
        pytest.param(
            {"start": timezone.now() - timedelta(minutes=10), "end": days_from_now(1)},
            id="started",
        ),
        pytest.param(
            {"start": days_from_now(-3), "end": days_from_now(-3) + timedelta(hours=1)},
            id="past",
        ),
        pytest.param({"status": WebinarPage.Status.CANCELLED}, id="cancelled"),
        pytest.param({"live": False}, id="unpublished"),
    ],
)
@pytest.mark.parametrize("email", [MEMBER, OUTSIDER])
def test_outside_the_registration_window_nothing_is_recorded(
    make_webinar, member_org, sends_mail, webinar_fields, email
):
    webinar = make_webinar(**webinar_fields)

    with sends_mail(), pytest.raises(services.RegistrationError) as error:
        services.registration_create(webinar=webinar, **service_data(email))

    assert error.value.code == "closed"
    assert not Registration.objects.exists()
    assert not EmailMessage.objects.exists()
    assert mail.outbox == []


def test_a_link_followed_after_registration_closed_changes_nothing(
    make_webinar, member_org, register, act
):
    webinar = make_webinar()
    register(webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)
    WebinarPage.objects.filter(pk=webinar.pk).update(registration_closes_at=days_from_now(-1))

    with pytest.raises(services.RegistrationError) as error:
        act(services.registration_confirm, token=token)

    assert error.value.code == "closed"
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION
    assert sent_kinds() == [Kind.CONFIRMATION]


def test_a_full_webinar_still_takes_sign_ups_for_the_waiting_list(
    make_webinar, member_org, confirmed, register
):
    webinar = make_webinar(capacity=1)
    confirmed(webinar, "persona1@cgm.coop")

    registration = register(webinar, MEMBER)

    assert registration.status == Status.PENDING_CONFIRMATION
    assert sent_kinds(to=MEMBER) == [Kind.CONFIRMATION]


# Invitations go to confirmed registrants only -----------------------------------------------


def test_an_invitation_is_never_queued_for_an_unconfirmed_registration(
    small_webinar, register, confirmed, act
):
    pending = register(small_webinar, MEMBER)
    with pytest.raises(ValueError):
        emails.queue_invitation(pending)
    with pytest.raises(services.RegistrationError) as error:
        act(services.registration_resend_invitation, registration=pending)
    assert error.value.code == "not_confirmed"

    for n in range(1, 4):
        confirmed(small_webinar, f"persona{n}@cgm.coop")
    waiting = Registration.objects.get(status=Status.WAITLISTED)
    with pytest.raises(services.RegistrationError):
        act(services.registration_resend_invitation, registration=waiting)

    invitations = EmailMessage.objects.filter(kind=Kind.INVITATION)
    assert invitations.count() == 2
    assert {m.registration.status for m in invitations} == {Status.CONFIRMED}
    assert not invitations.filter(registration=pending).exists()
    assert not invitations.filter(registration=waiting).exists()


def test_the_waiting_list_place_told_is_the_place_in_line_today(small_webinar, confirmed, act):
    """``waitlist_position`` orders the list and is never renumbered: with the first two
    people waiting moved to a seat or gone, the next one was told «sei al numero 4» while
    second in line, on the page, in the e-mail and in the console."""
    for n in range(1, 6):
        confirmed(small_webinar, f"persona{n}@cgm.coop")  # 2 seats, 3 waiting
    act(services.registration_cancel_by_token, token=cancel_token_for("persona1@cgm.coop"))
    act(services.registration_cancel_by_token, token=cancel_token_for("persona4@cgm.coop"))
    mail.outbox.clear()

    late = confirmed(small_webinar, "persona6@cgm.coop")

    assert [r.email for r in selectors.waiting_list(small_webinar)] == [
        "persona5@cgm.coop",
        "persona6@cgm.coop",
    ]
    assert Registration.objects.get(email="persona5@cgm.coop").waitlist_place == 1
    assert late.waitlist_place == 2
    (told,) = sent(Kind.WAITLISTED, to="persona6@cgm.coop")
    assert "numero 2 della lista" in told.body
    assert "numero 2 della lista" in told.alternatives[0][0]
    assert Registration.objects.get(email="persona1@cgm.coop").waitlist_place is None


# Confirming under a burst (issue 21, finding 10) -------------------------------------------


@pytest.mark.parametrize("seats, kind", [(None, Kind.INVITATION), (0, Kind.WAITLISTED)])
def test_confirming_renders_no_message_while_it_holds_the_webinars_lock(
    make_webinar, member_org, register, monkeypatch, django_capture_on_commit_callbacks, seats, kind
):
    """The webinar's lock is held for the seat decision only: the message it causes is
    written in the same transaction, rendered (with its .ics) once it has committed."""
    webinar = make_webinar(capacity=seats)
    register(webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)
    mail.outbox.clear()
    rendered = []
    render, registration_ics = emails.render, invitations.registration_ics
    monkeypatch.setattr(emails, "render", lambda *a: rendered.append(a[0]) or render(*a))
    monkeypatch.setattr(
        invitations,
        "registration_ics",
        lambda *a, **k: rendered.append("ics") or registration_ics(*a, **k),
    )

    with django_capture_on_commit_callbacks() as after_commit:
        registration = services.registration_confirm(token=token)

    assert rendered == []
    row = EmailMessage.objects.get(registration=registration, kind=kind)
    assert row.status == EmailMessage.Status.QUEUED
    for callback in after_commit:  # the send task, as the worker runs it
        callback()
    assert rendered == ([kind, "ics"] if kind == Kind.INVITATION else [kind])
    [message] = mail.outbox
    row.refresh_from_db()
    assert (message.to, message.subject, message.body) == ([MEMBER], row.subject, row.body_text)
    assert row.status == EmailMessage.Status.SENT
    if kind == Kind.INVITATION:
        assert webinar.teams_join_url in message.body
        assert "BEGIN:VCALENDAR" in row.ics
        assert message.attachments[0][0] == "invito.ics"
    else:
        assert webinar.teams_join_url not in message.body


def test_a_message_rendered_later_that_no_longer_applies_is_not_sent(
    open_webinar, register, django_capture_on_commit_callbacks, sends_mail
):
    register(open_webinar, MEMBER)
    token = only_token(mail.outbox[0], CONFIRM_LINK)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks() as after_commit:
        registration = services.registration_confirm(token=token)
    with sends_mail():
        services.registration_cancel(registration=registration)
    mail.outbox.clear()

    for callback in after_commit:
        callback()

    row = EmailMessage.objects.get(kind=Kind.INVITATION)
    assert row.status == EmailMessage.Status.FAILED
    assert row.last_error.startswith("not sent:")
    assert mail.outbox == []
