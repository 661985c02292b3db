"""The sign-up form and the links in the e-mails, over HTTP with Django's test client."""

import re
from datetime import timedelta
from urllib.parse import quote

from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

import pytest
import time_machine

from events.models import WebinarPage
from registrations.models import EmailMessage, Registration
from tests.events.factories import days_from_now
from tests.registrations.conftest import (
    ACCESS_LINK,
    CANCEL_LINK,
    CONFIRM_LINK,
    form_data,
    only_token,
    registration_of,
    sent,
    sent_kinds,
    tokens_signed_hours_ago,
)
from tests.utils import soup

Status = Registration.Status
Kind = EmailMessage.Kind

MEMBER = "maria.bianchi@cgm.coop"
OUTSIDER = "maria.bianchi@gmail.com"
TEXT_FIELDS = ("first_name", "last_name", "email", "organisation", "role")
CSRF_INPUT = re.compile(rb'<input type="hidden" name="csrfmiddlewaretoken" value="[^"]*">')


def register_url(webinar) -> str:
    return reverse("registrations:register", args=[webinar.pk])


def check_inbox_url(webinar) -> str:
    return reverse("registrations:check_inbox", args=[webinar.pk])


def confirm_url(token: str) -> str:
    return reverse("registrations:confirm", args=[token])


def cancel_url(token: str) -> str:
    return reverse("registrations:cancel", args=[token])


def registration_form(response, webinar):
    return soup(response).select_one(f'form[action$="/iscrizioni/webinar/{webinar.pk}/"]')


def without_csrf(content: bytes) -> bytes:
    return CSRF_INPUT.sub(b"", content)


def snapshot() -> tuple:
    """What a refused request must leave as it was."""
    return (
        list(Registration.objects.order_by("pk").values()),
        list(EmailMessage.objects.order_by("pk").values_list("pk", "kind", "to", "status")),
        len(mail.outbox),
    )


def assert_nothing_written():
    assert not Registration.objects.exists()
    assert not EmailMessage.objects.exists()
    assert mail.outbox == []


def take_seat(webinar, email="occupato@cgm.coop"):
    """A confirmed registration, written directly: the page only counts seats."""
    return Registration.objects.create(
        webinar=webinar,
        first_name="Posto",
        last_name="Occupato",
        email=email,
        organisation_name="CGM",
        status=Status.CONFIRMED,
        consent_at=timezone.now(),
        consent_version="2026-11",
    )


@pytest.fixture
def post_form(client, sends_mail):
    """``post_form(webinar, data)``: send the sign-up form; e-mails are sent on commit."""

    def post(webinar, data, **kwargs):
        with sends_mail():
            return client.post(register_url(webinar), data, **kwargs)

    return post


@pytest.fixture
def follow_link(client, sends_mail):
    """``follow_link(url, method="get")``: open (or press the button of) a link from an e-mail."""

    def follow(url, method="get"):
        with sends_mail():
            return getattr(client, method)(url)

    return follow


@pytest.fixture
def pending_member(open_webinar, post_form):
    """A member who sent the form: their confirmation and cancellation tokens."""
    post_form(open_webinar, form_data(MEMBER))
    message = mail.outbox[0]
    return only_token(message, CONFIRM_LINK), only_token(message, CANCEL_LINK)


# The form on the webinar page ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("webinar_fields", "full", "shown"),
    [
        pytest.param({}, False, True, id="open"),
        pytest.param({"capacity": 1}, True, True, id="full"),
        pytest.param({"registration_opens_at": days_from_now(2)}, False, False, id="not-yet-open"),
        pytest.param({"registration_closes_at": days_from_now(-1)}, False, False, id="closed"),
        pytest.param({"status": WebinarPage.Status.CANCELLED}, False, False, id="cancelled"),
        pytest.param(
            {"start": days_from_now(-3), "end": days_from_now(-3) + timedelta(hours=1)},
            False,
            False,
            id="past",
        ),
    ],
)
def test_the_form_is_shown_only_while_registration_is_open(
    client, make_webinar, member_org, webinar_fields, full, shown
):
    webinar = make_webinar(**webinar_fields)
    if full:
        take_seat(webinar)

    response = client.get(webinar.url)

    assert response.status_code == 200
    form = registration_form(response, webinar)
    assert (form is not None) is shown
    if shown:
        assert form["method"] == "post"
        assert form.select_one('input[name="csrfmiddlewaretoken"]')
        assert {field["name"] for field in form.select("input")} >= {
            *TEXT_FIELDS,
            "privacy_consent",
            "website",
        }
    assert webinar.teams_join_url not in response.content.decode()


# Sending the form ---------------------------------------------------------------------------


def test_a_member_and_an_outsider_get_the_same_answer(open_webinar, sends_mail):
    answers = []
    for email in (MEMBER, OUTSIDER):
        client = Client()
        with sends_mail():
            response = client.post(register_url(open_webinar), form_data(email))
        page = client.get(response["Location"])
        answers.append((response, page))

    (member_post, member_page), (outsider_post, outsider_page) = answers
    assert member_post.status_code == outsider_post.status_code == 302
    assert member_post["Location"] == outsider_post["Location"] == check_inbox_url(open_webinar)
    assert member_post["Location"].endswith("/controlla-la-posta/")
    assert member_post.content == outsider_post.content
    assert member_page.status_code == outsider_page.status_code == 200
    assert without_csrf(member_page.content) == without_csrf(outsider_page.content)
    assert open_webinar.teams_join_url not in member_page.content.decode()
    # Behind the identical answer, each got the e-mail for their case.
    assert sent_kinds(to=MEMBER) == [Kind.CONFIRMATION]
    assert sent_kinds(to=OUTSIDER) == [Kind.MEMBERS_ONLY]
    assert Registration.objects.get(email=MEMBER).member_organisation is not None
    assert Registration.objects.get(email=OUTSIDER).member_organisation is None


def test_sending_the_form_again_gets_the_same_answer(open_webinar, post_form):
    first = post_form(open_webinar, form_data(MEMBER))
    second = post_form(open_webinar, form_data(MEMBER))

    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert Registration.objects.count() == 1
    assert sent_kinds() == [Kind.CONFIRMATION]


def test_what_the_form_stores(open_webinar, post_form, member_org):
    post_form(
        open_webinar,
        form_data(
            " Maria.Bianchi@CGM.Coop ",
            first_name="  Maria ",
            organisation="Cooperativa Sociale La Rete",
            role="",
        ),
    )

    registration = Registration.objects.get()
    assert registration.email == MEMBER
    assert registration.first_name == "Maria"
    assert registration.role == ""
    assert registration.member_organisation == member_org
    assert registration.consent_at is not None
    assert registration.consent_version
    assert registration.status == Status.PENDING_CONFIRMATION


INVALID_SUBMISSIONS = [
    pytest.param({"first_name": ""}, "first_name", id="no-first-name"),
    pytest.param({"last_name": "   "}, "last_name", id="blank-last-name"),
    pytest.param({"email": ""}, "email", id="no-email"),
    pytest.param({"organisation": ""}, "organisation", id="no-organisation"),
    pytest.param({"privacy_consent": ""}, "privacy_consent", id="no-consent"),
    pytest.param({"email": "maria.bianchi"}, "email", id="email-without-at"),
    pytest.param({"email": "maria@"}, "email", id="email-without-domain"),
    pytest.param({"email": "maria@@cgm.coop"}, "email", id="email-two-ats"),
    pytest.param({"email": "maria bianchi@cgm.coop"}, "email", id="email-with-space"),
    pytest.param({"email": "maria@cgm..coop"}, "email", id="email-empty-label"),
    pytest.param({"email": "a" * 250 + "@cgm.coop"}, "email", id="email-too-long"),
    pytest.param({"first_name": "M" * 101}, "first_name", id="first-name-101-chars"),
    pytest.param({"last_name": "B" * 101}, "last_name", id="last-name-101-chars"),
    pytest.param({"organisation": "O" * 201}, "organisation", id="organisation-201-chars"),
    pytest.param({"role": "R" * 151}, "role", id="role-151-chars"),
    pytest.param({"first_name": "Maria\x00"}, "first_name", id="nul-character"),
    pytest.param({"last_name": "Bianchi\u2028Bcc: x@evil.example"}, "last_name", id="unicode-ls"),
    pytest.param({"organisation": "CGM\x85Bcc: x@evil.example"}, "organisation", id="nel"),
    pytest.param({"role": "Educatrice\x0bBcc: x@evil.example"}, "role", id="vertical-tab"),
    pytest.param(
        # 254 characters as typed, 284 once the domain is in its ASCII ("xn--") form.
        {"email": "a" * 128 + "@" + ".".join(["àèìòù" * 8] * 3) + ".it"},
        "email",
        id="email-too-long-once-encoded",
    ),
    *(
        pytest.param({field: value}, field, id=f"{field}-{name}")
        for field in TEXT_FIELDS
        for name, value in [
            ("crlf-bcc", f"{form_data(MEMBER)[field] or 'x'}\r\nBcc: spam@evil.example"),
            ("lf-bcc", f"{form_data(MEMBER)[field] or 'x'}\nBcc: spam@evil.example"),
            ("cr-only", f"{form_data(MEMBER)[field] or 'x'}\rSubject: hi"),
        ]
    ),
]


@pytest.mark.parametrize(("overrides", "bad_field"), INVALID_SUBMISSIONS)
@pytest.mark.parametrize("email", [MEMBER, OUTSIDER])
def test_invalid_input_is_refused_and_the_form_comes_back(
    open_webinar, post_form, overrides, bad_field, email
):
    data = {**form_data(email), **overrides}

    response = post_form(open_webinar, data)

    assert response.status_code == 400
    form = registration_form(response, open_webinar)
    assert form is not None
    bad = form.select_one(f'[name="{bad_field}"]')
    assert "field--error" in bad.find_parent(class_="field")["class"]
    assert bad.find_parent(class_="field").select(".field__error")
    for name in TEXT_FIELDS:
        if name != bad_field:
            assert form.select_one(f'input[name="{name}"]').get("value", "") == data[name]
    if bad_field != "privacy_consent":
        assert form.select_one('input[name="privacy_consent"]').has_attr("checked")
    assert_nothing_written()
    assert open_webinar.teams_join_url not in response.content.decode()


def test_an_over_long_name_is_kept_in_the_form(open_webinar, post_form):
    response = post_form(open_webinar, form_data(MEMBER, first_name="M" * 101))

    form = registration_form(response, open_webinar)
    assert form.select_one('input[name="first_name"]')["value"] == "M" * 101


@pytest.mark.parametrize("field", TEXT_FIELDS)
def test_url_encoded_header_injection_is_refused(open_webinar, post_form, field):
    """A raw form body with ``%0d%0aBcc:`` decodes to a line break in the field."""
    data = form_data(MEMBER)
    body = "&".join(
        f"{name}={quote(value)}" + ("%0d%0aBcc:%20spam@evil.example" if name == field else "")
        for name, value in data.items()
    )

    response = post_form(open_webinar, body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert registration_form(response, open_webinar).select_one(".field--error")
    assert_nothing_written()


def test_a_literal_percent_sequence_is_plain_text_and_no_header(open_webinar, post_form):
    """Typed as text, "%0d%0aBcc:" is harmless characters in a name; no header is added."""
    response = post_form(
        open_webinar, form_data(MEMBER, last_name="Bianchi%0d%0aBcc: spam@evil.example")
    )

    assert response.status_code == 302
    message = mail.outbox[0].message()
    assert message.get_all("Bcc") is None
    assert message.get_all("To") == [MEMBER]


def test_the_honeypot_gets_the_same_answer_and_nothing_happens(open_webinar, post_form):
    response = post_form(open_webinar, form_data(MEMBER, website="https://spam.example"))

    assert response.status_code == 302
    assert response["Location"] == check_inbox_url(open_webinar)
    assert_nothing_written()


def test_a_get_on_the_register_address_is_not_allowed(client, open_webinar):
    response = client.get(register_url(open_webinar))

    assert response.status_code == 405
    assert_nothing_written()


def test_opening_the_register_address_gets_a_page_in_italian(client, open_webinar):
    """The address the browser shows after a form with errors: opened again later (a
    tab restored, a link copied), it was a blank page; it says what to do instead."""
    response = client.get(register_url(open_webinar))

    assert response.status_code == 405 and response["Allow"] == "POST"
    page = soup(response)
    assert "modulo di iscrizione" in page.h1.get_text()
    assert page.find("a", href=open_webinar.url) is not None
    assert_nothing_written()


def test_an_unknown_webinar_is_not_found(client, open_webinar):
    missing = WebinarPage.objects.order_by("-pk").first().pk + 1000

    response = client.post(reverse("registrations:register", args=[missing]), form_data(MEMBER))

    assert response.status_code == 404
    assert client.get(reverse("registrations:check_inbox", args=[missing])).status_code == 404
    assert_nothing_written()


def test_an_unpublished_webinar_is_not_found(make_webinar, member_org, post_form):
    draft = make_webinar(live=False)

    response = post_form(draft, form_data(MEMBER))

    assert response.status_code == 404
    assert_nothing_written()


@pytest.mark.parametrize(
    "webinar_fields",
    [
        pytest.param({"registration_opens_at": days_from_now(2)}, id="not-yet-open"),
        pytest.param({"registration_closes_at": days_from_now(-1)}, id="closed"),
        pytest.param({"status": WebinarPage.Status.CANCELLED}, id="cancelled"),
        pytest.param(
            {"start": days_from_now(-3), "end": days_from_now(-3) + timedelta(hours=1)},
            id="past",
        ),
    ],
)
def test_a_post_outside_the_registration_window_is_refused(
    make_webinar, member_org, post_form, webinar_fields
):
    webinar = make_webinar(**webinar_fields)

    response = post_form(webinar, form_data(MEMBER))

    assert response.status_code == 409
    assert response.templates[0].name == "registrations/message.html"
    assert_nothing_written()
    assert webinar.teams_join_url not in response.content.decode()


# Links in the e-mails -----------------------------------------------------------------------


def test_opening_the_confirmation_link_changes_nothing(open_webinar, pending_member, follow_link):
    confirm_token, _cancel = pending_member
    before = snapshot()

    response = follow_link(confirm_url(confirm_token))

    assert response.status_code == 200
    form = soup(response).select_one("main form[method=post]")
    assert form is not None
    assert form.select_one("button[type=submit]")
    assert form.select_one('input[name="csrfmiddlewaretoken"]')
    assert not form.get("action")  # posts back to the link itself
    assert snapshot() == before
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


def test_pressing_the_button_confirms(open_webinar, pending_member, follow_link):
    confirm_token, _cancel = pending_member

    response = follow_link(confirm_url(confirm_token), "post")

    assert response.status_code == 200
    assert Registration.objects.get().status == Status.CONFIRMED
    assert sent_kinds() == [Kind.CONFIRMATION, Kind.INVITATION]
    assert open_webinar.teams_join_url not in response.content.decode()


def test_a_full_webinar_confirms_onto_the_waiting_list(
    make_webinar, member_org, post_form, follow_link
):
    webinar = make_webinar(capacity=1)
    take_seat(webinar)
    post_form(webinar, form_data(MEMBER))
    token = only_token(mail.outbox[0], CONFIRM_LINK)

    response = follow_link(confirm_url(token), "post")

    assert response.status_code == 200
    registration = Registration.objects.get(email=MEMBER)
    assert registration.status == Status.WAITLISTED
    assert registration.waitlist_position == 1
    assert sent_kinds(to=MEMBER) == [Kind.CONFIRMATION, Kind.WAITLISTED]


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_used_confirmation_link_gets_409(open_webinar, pending_member, follow_link, method):
    confirm_token, _cancel = pending_member
    follow_link(confirm_url(confirm_token), "post")
    before = snapshot()

    response = follow_link(confirm_url(confirm_token), method)

    assert response.status_code == 409
    assert snapshot() == before
    assert open_webinar.teams_join_url not in response.content.decode()


@pytest.mark.parametrize("method", ["get", "post"])
@pytest.mark.parametrize(
    "token",
    [
        "forged",
        "WzEsImNvbmZpcm0iLCJ4Il0:1xWSzB:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
        "%0d%0a",
        "a" * 2000,
    ],
    ids=["word", "bad-signature", "encoded-crlf", "very-long"],
)
def test_a_forged_confirmation_link_gets_400(
    open_webinar, pending_member, follow_link, method, token
):
    before = snapshot()

    response = follow_link(confirm_url(token), method)

    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_a_damaged_confirmation_link_gets_400(open_webinar, pending_member, follow_link, method):
    confirm_token, _cancel = pending_member
    before = snapshot()

    response = follow_link(confirm_url(confirm_token[:-3] + "xyz"), method)

    assert response.status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize("method", ["get", "post"])
def test_an_expired_confirmation_link_gets_410(
    open_webinar, post_form, follow_link, monkeypatch, method
):
    with tokens_signed_hours_ago(monkeypatch, 49):
        post_form(open_webinar, form_data(MEMBER))
    token = only_token(mail.outbox[0], CONFIRM_LINK)
    before = snapshot()

    response = follow_link(confirm_url(token), method)

    assert response.status_code == 410
    assert snapshot() == before
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


def test_a_cancellation_link_is_not_a_confirmation_link(open_webinar, pending_member, follow_link):
    _confirm, cancel_token = pending_member

    assert follow_link(confirm_url(cancel_token), "post").status_code == 400
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


def test_the_cancellation_link_asks_then_cancels(open_webinar, pending_member, follow_link):
    confirm_token, cancel_token = pending_member
    follow_link(confirm_url(confirm_token), "post")
    before = snapshot()

    asked = follow_link(cancel_url(cancel_token))

    assert asked.status_code == 200
    form = soup(asked).select_one("main form[method=post]")
    assert form.select_one("button[type=submit]")
    assert snapshot() == before
    assert Registration.objects.get().status == Status.CONFIRMED

    done = follow_link(cancel_url(cancel_token), "post")

    assert done.status_code == 200
    assert Registration.objects.get().status == Status.CANCELLED
    assert sent_kinds()[-1] == Kind.CANCELLATION

    again = follow_link(cancel_url(cancel_token))
    assert again.status_code == 409
    assert follow_link(cancel_url(cancel_token), "post").status_code == 409
    assert soup(again).select_one("main form[method=post]") is None


def test_the_access_request_link_asks_then_sends_the_request(open_webinar, post_form, follow_link):
    post_form(open_webinar, form_data(OUTSIDER))
    token = only_token(mail.outbox[0], ACCESS_LINK)
    before = snapshot()

    asked = follow_link(reverse("registrations:request_access", args=[token]))
    assert asked.status_code == 200
    assert snapshot() == before

    done = follow_link(reverse("registrations:request_access", args=[token]), "post")

    assert done.status_code == 200
    assert Registration.objects.get().status == Status.PENDING_REVIEW
    assert sent_kinds() == [Kind.MEMBERS_ONLY, Kind.ACCESS_REQUEST_NOTICE]
    assert follow_link(reverse("registrations:request_access", args=[token])).status_code == 409


@pytest.mark.parametrize("method", ["put", "delete", "patch"])
def test_links_answer_only_get_and_post(open_webinar, pending_member, client, method):
    confirm_token, _cancel = pending_member

    response = getattr(client, method)(confirm_url(confirm_token))

    assert response.status_code == 405
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


# Rate limits and CSRF -----------------------------------------------------------------------


def test_too_many_sign_ups_for_one_address_get_429(open_webinar, post_form, settings):
    settings.REGISTRATION_RATE_PER_ADDRESS = "3/h"
    for _ in range(3):
        assert post_form(open_webinar, form_data(MEMBER)).status_code == 302
    before = snapshot()

    response = post_form(open_webinar, form_data(MEMBER.upper()))

    assert response.status_code == 429
    assert response.templates[0].name == "registrations/message.html"
    assert snapshot() == before
    # Another address from the same place is still welcome.
    assert post_form(open_webinar, form_data("altra@cgm.coop")).status_code == 302


def test_nobody_can_lock_a_person_out_by_naming_her_address(open_webinar, post_form, settings):
    """Five junk posts naming the victim's address, from anywhere, locked her out of
    signing up for an hour; the limit is per address and client now."""
    settings.REGISTRATION_RATE_PER_ADDRESS = "5/h"
    for n in range(6):
        junk = post_form(open_webinar, {"email": MEMBER}, REMOTE_ADDR=f"10.9.9.{n}")
        assert junk.status_code == 400

    response = post_form(open_webinar, form_data(MEMBER), REMOTE_ADDR="192.0.2.10")

    assert response.status_code == 302
    assert registration_of(MEMBER).status == Status.PENDING_CONFIRMATION


def test_posts_from_her_own_network_lock_one_webinar_for_minutes_not_all_for_an_hour(
    open_webinar, make_webinar, post_form
):
    """Five posts naming her address from her organisation's shared NAT: that webinar's
    form refuses her address from there for a while; every other webinar takes it, and
    after the window (REGISTRATION_RATE_PER_ADDRESS, ten minutes) so does this one."""
    other = make_webinar(title="Bilancio sociale")
    nat = {"REMOTE_ADDR": "198.51.100.7"}
    for _ in range(5):
        post_form(open_webinar, form_data(MEMBER, first_name="Qualcuno"), **nat)
    assert post_form(open_webinar, form_data(MEMBER), **nat).status_code == 429

    assert post_form(other, form_data(MEMBER), **nat).status_code == 302
    with time_machine.travel(timedelta(minutes=11)):
        assert post_form(open_webinar, form_data(MEMBER), **nat).status_code == 302


def test_too_many_sign_ups_from_one_ip_get_429(open_webinar, post_form, settings):
    settings.REGISTRATION_RATE_PER_IP = "3/h"
    for n in range(3):
        assert post_form(open_webinar, form_data(f"persona{n}@cgm.coop")).status_code == 302
    before = snapshot()

    response = post_form(open_webinar, form_data("persona9@cgm.coop"))

    assert response.status_code == 429
    assert snapshot() == before
    assert not Registration.objects.filter(email="persona9@cgm.coop").exists()
    # The limit is per IP: another address elsewhere is still welcome.
    other = post_form(open_webinar, form_data("persona9@cgm.coop"), REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_too_many_button_presses_get_429(open_webinar, post_form, follow_link, settings):
    for n in range(3):
        post_form(open_webinar, form_data(f"persona{n}@cgm.coop"))
    tokens = [only_token(message, CONFIRM_LINK) for message in mail.outbox]
    settings.REGISTRATION_RATE_PER_IP = "2/h"
    for token in tokens[:2]:
        assert follow_link(confirm_url(token), "post").status_code == 200
    assert follow_link(confirm_url(tokens[2])).status_code == 200  # reading is not limited

    response = follow_link(confirm_url(tokens[2]), "post")

    assert response.status_code == 429
    assert Registration.objects.get(email="persona2@cgm.coop").status == (
        Status.PENDING_CONFIRMATION
    )


def test_self_cancellations_do_not_share_one_bucket(open_webinar, post_form, follow_link):
    """The per-actor limit of a link's button was keyed on the form's (absent) e-mail
    field: the whole site shared one bucket, and the 6th cancellation of the hour got 429.
    It is now the registration's own: eight people cancelling are all answered."""
    for n in range(8):
        post_form(open_webinar, form_data(f"persona{n}@cgm.coop"))
    tokens = [only_token(message, CANCEL_LINK) for message in mail.outbox]

    statuses = [follow_link(cancel_url(token), "post").status_code for token in tokens]

    assert statuses == [200] * 8
    assert Registration.objects.filter(status=Status.CANCELLED).count() == 8


def test_the_form_needs_its_csrf_token(open_webinar, sends_mail):
    client = Client(enforce_csrf_checks=True)

    with sends_mail():
        refused = client.post(register_url(open_webinar), form_data(MEMBER))

    assert refused.status_code == 403
    assert_nothing_written()

    # The webinar page (the same for everyone, cached) has no token; the refusal, a page
    # of this visitor's own, hands one back with the form.
    page = client.get(open_webinar.url)
    field = 'input[name="csrfmiddlewaretoken"]'
    assert registration_form(page, open_webinar).select_one(field)["value"] == ""
    token = registration_form(refused, open_webinar).select_one(field)["value"]
    with sends_mail():
        accepted = client.post(
            register_url(open_webinar), {**form_data(MEMBER), "csrfmiddlewaretoken": token}
        )
    assert accepted.status_code == 302
    assert Registration.objects.count() == 1


def test_the_confirm_button_needs_its_csrf_token(open_webinar, pending_member, sends_mail):
    confirm_token, _cancel = pending_member
    client = Client(enforce_csrf_checks=True)

    with sends_mail():
        refused = client.post(confirm_url(confirm_token))

    assert refused.status_code == 403
    assert Registration.objects.get().status == Status.PENDING_CONFIRMATION


# The join link stays private ----------------------------------------------------------------


def test_no_page_ever_shows_the_teams_join_link(
    small_webinar, client, post_form, follow_link, settings
):
    join_url = small_webinar.teams_join_url
    responses = [client.get(small_webinar.url)]
    for n in range(3):
        responses.append(post_form(small_webinar, form_data(f"persona{n}@cgm.coop")))
    responses.append(client.get(check_inbox_url(small_webinar)))
    responses.append(post_form(small_webinar, form_data("x", first_name="")))
    for n in range(3):
        token = only_token(sent(to=f"persona{n}@cgm.coop")[0], CONFIRM_LINK)
        responses.append(follow_link(confirm_url(token)))
        responses.append(follow_link(confirm_url(token), "post"))  # seat, seat, waiting list
        responses.append(follow_link(confirm_url(token)))  # used
    cancel = only_token(sent(to="persona0@cgm.coop")[0], CANCEL_LINK)
    responses.append(follow_link(cancel_url(cancel)))
    responses.append(follow_link(cancel_url(cancel), "post"))
    responses.append(client.get(small_webinar.url))  # full again after the promotion
    settings.REGISTRATION_RATE_PER_IP = "1/h"
    for email in ("tardi@cgm.coop", "tardissimo@cgm.coop"):
        responses.append(post_form(small_webinar, form_data(email)))

    assert {r.status_code for r in responses} >= {200, 302, 400, 409, 429}
    for response in responses:
        assert join_url not in response.content.decode()
        assert "meetup-join" not in response.content.decode()
    # It did go out, in the invitations.
    assert len([m for m in sent(Kind.INVITATION) if join_url in m.body]) == 3


# Token pages: never stored, little personal data, links that end ---------------------------


def test_token_pages_are_never_stored_and_show_nothing_typed_into_the_form(
    open_webinar, post_form, follow_link
):
    """Whoever typed the form may not own the address: the pages behind its links show
    none of what was typed (a first name "Premio! Vai su https://evil.example" was shown)."""
    lure = "Premio! Vai su https://evil.example/login"
    post_form(
        open_webinar,
        form_data(MEMBER, first_name=lure, last_name="Dell'Orto", role="Coordinatrice"),
    )
    [message] = mail.outbox
    confirm_token, cancel_token = (
        only_token(message, CONFIRM_LINK),
        only_token(message, CANCEL_LINK),
    )
    answers = [
        follow_link(confirm_url(confirm_token)),
        follow_link(cancel_url(cancel_token)),
        follow_link(confirm_url(confirm_token), "post"),
        follow_link(confirm_url(confirm_token), "post"),  # used: the refusal page
        follow_link(confirm_url("not-a-token")),
        follow_link(reverse("join", args=["not-a-token"])),
    ]

    for answer in answers:
        assert "no-store" in answer["Cache-Control"], answer.request["PATH_INFO"]
    for answer in answers[:3]:
        text = soup(answer).select_one("main").get_text()
        assert open_webinar.title in text
        for typed in ("Premio", "evil.example", "Dell", MEMBER, "Coordinatrice", "La Rete"):
            assert typed not in text


def test_a_cancellation_link_stops_working_once_the_webinar_is_over(
    make_webinar, member_org, post_form, follow_link
):
    webinar = make_webinar()
    post_form(webinar, form_data(MEMBER))
    token = only_token(mail.outbox[0], CANCEL_LINK)
    WebinarPage.objects.filter(pk=webinar.pk).update(
        start=timezone.now() - timedelta(hours=3), end=timezone.now() - timedelta(hours=1)
    )
    before = snapshot()

    asked, pressed = follow_link(cancel_url(token)), follow_link(cancel_url(token), "post")

    assert (asked.status_code, pressed.status_code) == (410, 410)
    assert "si è già svolto" in soup(pressed).select_one("main").get_text()
    assert snapshot() == before


def test_a_cancellation_link_stops_working_once_the_person_is_erased(
    open_webinar, post_form, follow_link
):
    from registrations.retention import person_erase

    post_form(open_webinar, form_data(MEMBER))
    token = only_token(mail.outbox[0], CANCEL_LINK)
    person_erase(email=MEMBER)
    before = snapshot()

    assert follow_link(cancel_url(token)).status_code == 400
    assert follow_link(cancel_url(token), "post").status_code == 400
    assert snapshot() == before


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("first_name", "Maria\u202eairaM"),  # right-to-left override
        ("last_name", "Bian\u200bchi"),  # zero-width space
        ("last_name", "\ufeffBianchi"),  # byte-order mark
        ("organisation", "Cooperativa\u2066 La Rete"),  # bidi isolate
        ("role", "Educatrice\x07"),  # a control character (BEL)
    ],
)
def test_names_with_invisible_characters_are_refused(open_webinar, post_form, field, value):
    response = post_form(open_webinar, form_data(MEMBER, **{field: value}))

    assert response.status_code == 400
    [box] = [div for div in soup(response).select(".field") if div.select_one(f"[name={field}]")]
    assert "caratteri invisibili" in box.select_one(".field__error").get_text()
    assert_nothing_written()


def test_an_address_whose_local_part_is_over_64_characters_is_refused(open_webinar, post_form):
    assert post_form(open_webinar, form_data("a" * 64 + "@cgm.coop")).status_code == 302

    response = post_form(open_webinar, form_data("b" * 65 + "@cgm.coop"))

    assert response.status_code == 400
    assert "64 caratteri" in soup(response).get_text()
    assert not Registration.objects.filter(email__startswith="b").exists()
