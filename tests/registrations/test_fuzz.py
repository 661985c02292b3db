"""Thousands of generated sign-ups: never a server error, never a header injection, never a
row that breaks the rules.

Hypothesis runs every example against one webinar in one database transaction, so the
table grows as the run goes on and later examples meet earlier addresses again (the
same address signing up twice).
"""

import re
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from urllib.parse import urlencode

from django.core import mail
from django.core.validators import validate_email
from django.db.models import Count
from django.test import Client
from django.urls import reverse

import pytest
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from registrations.membership import normalise_email
from registrations.models import EmailMessage, Registration
from tests.registrations.conftest import CONTACT_EMAIL

MAX_LENGTHS = {
    name: Registration._meta.get_field(name).max_length
    for name in ("first_name", "last_name", "email", "organisation_name", "role")
}

INJECTIONS = [
    "\r\n",
    "\n",
    "\r",
    "\r\nBcc: spam@evil.example",
    "%0d%0aBcc: spam@evil.example",
    "\nSubject: hacked",
    "\x00",
    "\u2028",
    "\u2029",
    "\x85",
    "\x0b",
    "\x0c",
    "=?utf-8?q?Bcc=3A_spam=40evil=2Eexample?=",
    "<script>alert(1)</script>",
    "'; DROP TABLE registrations_registration; --",
    " ",
    "",
]

injection = st.sampled_from(INJECTIONS)
plain_word = st.text(alphabet=st.characters(categories=["L", "M", "Nd"]), min_size=1, max_size=20)
any_text = st.one_of(
    plain_word,
    st.text(max_size=40),  # every code point but surrogates, control characters included
    st.text(min_size=95, max_size=400),  # around and beyond the limits
    injection,
    st.builds(
        lambda word, bad, rest: word + bad + rest, plain_word, injection, st.text(max_size=30)
    ),
)
junk_email = st.one_of(
    st.text(max_size=60),
    st.builds(lambda address, bad: address + bad, st.emails(), injection),
    st.builds(lambda bad, address: bad + address, injection, st.emails()),
    st.builds(lambda local, bad: f"{local}{bad}@cgm.coop", plain_word, injection),
    st.builds(lambda a, b: f"{a}@{b}", st.text(max_size=70), st.text(max_size=70)),
    st.sampled_from(
        [
            "maria.bianchi@cgm.coop, spam@evil.example",
            "Maria <maria.bianchi@cgm.coop>",
            "maria.bianchi@cgm.coop\r\nBcc: spam@evil.example",
            "maria@@cgm.coop",
            "@cgm.coop",
            "maria@",
            "a" * 64 + "@" + ".".join(["b" * 63] * 3) + ".coop",
            "maria@cooperativà.it",
            "MARIA@CGM.COOP.",
        ]
    ),
)
email_value = st.one_of(
    st.emails(),
    st.emails(domains=st.sampled_from(["cgm.coop", "CGM.coop", "gmail.com", "cooperativà.it"])),
    st.builds(lambda local: f"{local}@cgm.coop", plain_word),
    junk_email,
)
consent = st.sampled_from([None, "", "on", "true", "false", "0", "1", "\r\n"])
ascii_local = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-+",
    min_size=1,
    max_size=30,
).filter(lambda local: not local.startswith(".") and ".." not in local and not local.endswith("."))
good_email = st.one_of(
    st.emails(),
    # The same few people again and again: the same address signing up twice.
    st.sampled_from(["maria.bianchi@cgm.coop", " Maria.Bianchi@CGM.coop ", "luca@gmail.com"]),
    st.builds(lambda local: f"{local}@cgm.coop", ascii_local),
    st.builds(lambda local: f"{local}@CGM.Coop", ascii_local),
    st.builds(lambda local: f"{local}@gmail.com", ascii_local),
    st.builds(lambda local: f"{local}@cooperativà.it", ascii_local),
)
HOSTILE = {
    "first_name": st.one_of(st.none(), any_text),
    "last_name": st.one_of(st.none(), any_text),
    "email": st.one_of(st.none(), email_value),
    "organisation": st.one_of(st.none(), any_text),
    "role": st.one_of(st.none(), any_text),
    "privacy_consent": consent,
    "website": st.one_of(st.just(" "), any_text),
}


@st.composite
def submissions(draw) -> dict:
    """A form as a person, a bot or an attacker might send it; ``None`` leaves a field out.

    A plausible sign-up with some of its fields (none, one, several or all) replaced by
    generated text: so that many submissions are valid and go all the way to the
    database and the outbox, while every field meets hostile values too.
    """
    data = {
        "first_name": draw(plain_word),
        "last_name": draw(plain_word),
        "email": draw(good_email),
        "organisation": draw(plain_word),
        "role": draw(st.one_of(st.just(""), plain_word)),
        "privacy_consent": "on",
        "website": "",
    }
    fields = st.sampled_from(sorted(HOSTILE))
    for name in draw(st.one_of(st.sets(fields, max_size=1), st.sets(fields))):
        data[name] = draw(HOSTILE[name])
    return {name: value for name, value in data.items() if value is not None}


def has_line_break(value: str) -> bool:
    """Any character Python (and Unicode) treats as ending a line, or a NUL."""
    return "\x00" in value or len(value.splitlines()) > 1 or value.endswith(("\n", "\r"))


def unfolded(value: str) -> str:
    """A header value as written, its folding (a line break before a space) undone."""
    return re.sub(r"\r?\n(?=[ \t])", "", value).strip()


def assert_message_is_safe(message, registered: set[str]):
    """One recipient, the one intended; no header a submission could have added."""
    assert len(message.to) == 1
    (to,) = message.to
    assert to in registered or to == CONTACT_EMAIL
    assert message.recipients() == [to]  # the SMTP envelope
    built = message.message()
    # A long header is folded (a line break followed by a space); a line break not
    # followed by a space would start a header of the submitter's choosing.
    for header in ("Subject", "To", "From"):
        value = unfolded(str(built[header]))
        assert "\r" not in value and "\n" not in value, (header, value)
    assert str(built["To"]) == to
    # The message as it goes on the wire, read back without decoding anything: exactly
    # one To (the address, literally) and one Subject, and no Cc or Bcc.
    wire = message_from_bytes(built.as_bytes(), policy=policy.compat32)
    assert [unfolded(value) for value in wire.get_all("To")] == [to]
    assert len(wire.get_all("Subject")) == 1
    assert wire.get_all("Cc") is None and wire.get_all("Bcc") is None
    subject = str(make_header(decode_header(unfolded(wire["Subject"]))))
    assert "\r" not in subject and "\n" not in subject


def assert_row_follows_the_rules(row: Registration):
    assert row.email == row.email.lower()
    validate_email(row.email)
    assert normalise_email(row.email) == row.email
    for name, max_length in MAX_LENGTHS.items():
        value = getattr(row, name)
        assert len(value) <= max_length, (name, value)
        assert not has_line_break(value), (name, value)
        assert value == value.strip(), (name, value)
    assert row.first_name and row.last_name and row.organisation_name
    assert row.consent_at is not None


@pytest.fixture
def fuzz_run(open_webinar, sends_mail, settings):
    """One webinar, limits high enough never to answer 429, and a record of the run."""
    settings.REGISTRATION_RATE_PER_IP = "1000000/h"
    settings.REGISTRATION_RATE_PER_ADDRESS = "1000000/h"
    return {
        "webinar": open_webinar,
        "url": reverse("registrations:register", args=[open_webinar.pk]),
        "client": Client(),
        "sends_mail": sends_mail,
        "statuses": set(),
    }


@hypothesis_settings(
    max_examples=1500,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=submissions(), url_encoded=st.booleans())
@example(
    data={
        "first_name": "Maria",
        "last_name": "Bianchi",
        "email": "a" * 128 + "@" + ".".join(["àèìòù" * 8] * 3) + ".it",
        "organisation": "CGM",
        "privacy_consent": "on",
    },
    url_encoded=True,
)
@example(
    data={
        "first_name": "Maria\u2028Bcc: spam@evil.example",
        "last_name": "Bianchi",
        "email": "maria@cgm.coop",
        "organisation": "CGM",
        "privacy_consent": "on",
    },
    url_encoded=False,
)
def test_generated_submissions_never_break_the_rules(fuzz_run, data, url_encoded):
    webinar = fuzz_run["webinar"]
    client = fuzz_run["client"]
    outbox_before = len(mail.outbox)
    last_pk = Registration.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    with fuzz_run["sends_mail"]():
        if url_encoded:
            response = client.post(
                fuzz_run["url"],
                urlencode(data),
                content_type="application/x-www-form-urlencoded",
            )
        else:
            response = client.post(fuzz_run["url"], data)

    fuzz_run["statuses"].add(response.status_code)
    assert response.status_code in (302, 400, 429)
    assert webinar.teams_join_url not in response.content.decode()
    if response.status_code == 302:
        assert response["Location"] == reverse("registrations:check_inbox", args=[webinar.pk])
    new_rows = list(Registration.objects.filter(pk__gt=last_pk))
    new_messages = mail.outbox[outbox_before:]
    if response.status_code != 302 or data.get("website", "").strip():
        assert new_rows == []
        assert new_messages == []
    assert len(new_rows) <= 1
    for row in new_rows:
        assert_row_follows_the_rules(row)
        assert row.webinar_id == webinar.pk
        assert row.status == Registration.Status.PENDING_CONFIRMATION
    registered = set(Registration.objects.filter(webinar=webinar).values_list("email", flat=True))
    for message in new_messages:
        assert_message_is_safe(message, registered)
    assert (
        not Registration.objects.filter(status__in=Registration.ACTIVE_STATUSES)
        .values("webinar", "email")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .exists()
    )


def test_every_row_and_every_message_after_a_run(fuzz_run):
    """The checks above, once more over a whole run's data (a short run of its own)."""
    run = given(data=submissions())(
        hypothesis_settings(
            max_examples=150,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        )(lambda data: post_once(fuzz_run, data))
    )
    run()

    rows = list(Registration.objects.all())
    for row in rows:
        assert_row_follows_the_rules(row)
    registered = {row.email for row in rows}
    for message in mail.outbox:
        assert_message_is_safe(message, registered)
    for row in EmailMessage.objects.all():
        assert "\n" not in row.subject and "\r" not in row.subject
        assert row.to in registered or row.to == CONTACT_EMAIL
    assert fuzz_run["statuses"] <= {302, 400, 429}
    assert {302, 400} <= fuzz_run["statuses"]
    assert rows and mail.outbox  # the run reached the database and the outbox


def post_once(fuzz_run, data):
    with fuzz_run["sends_mail"]():
        response = fuzz_run["client"].post(fuzz_run["url"], data)
    fuzz_run["statuses"].add(response.status_code)
    assert response.status_code in (302, 400, 429)
