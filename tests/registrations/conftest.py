"""Fixtures and helpers for the sign-up tests: a member organisation, webinars, e-mails.

E-mails are queued with ``transaction.on_commit``; inside a test's transaction they are
sent only within ``with sends_mail():`` (pytest-django's
``django_capture_on_commit_callbacks(execute=True)``), and then land in
``django.core.mail.outbox``. ``kind_of`` reads each message's kind from the outbox row
it was sent from.
"""

import re
import time
from contextlib import contextmanager
from types import SimpleNamespace

from django.core import mail, signing

import pytest

from registrations import services
from registrations.models import EmailMessage, MemberDomain, MemberOrganisation, Registration
from tests.events.factories import WebinarIndexPageFactory, WebinarPageFactory
from tests.factories import build_site_tree
from tests.registrations.smtpd import SMTPServer

MEMBER_DOMAIN = "cgm.coop"
CONTACT_EMAIL = "segreteria.webinar@cgm.coop"

CONFIRM_LINK = re.compile(r"http://testserver/iscrizioni/conferma/([^/\s\"<>]+)/")
ACCESS_LINK = re.compile(r"http://testserver/iscrizioni/richiedi-accesso/([^/\s\"<>]+)/")
CANCEL_LINK = re.compile(r"http://testserver/iscrizioni/annulla/([^/\s\"<>]+)/")


# Fixtures -------------------------------------------------------------------------------


@pytest.fixture
def registration_site(db):
    """root → HomePage → "notizie" and the "webinar" index that webinars live under."""
    tree = build_site_tree()
    return SimpleNamespace(**vars(tree), webinar_index=WebinarIndexPageFactory(parent=tree.home))


@pytest.fixture
def member_org(db):
    """An active member organisation owning ``cgm.coop``."""
    organisation = MemberOrganisation.objects.create(name="Gruppo Cooperativo CGM", city="Milano")
    MemberDomain.objects.create(organisation=organisation, domain=MEMBER_DOMAIN)
    return organisation


@pytest.fixture
def make_webinar(registration_site):
    """``make_webinar(capacity=2, ...)``: a published webinar, open for registration by
    default (it starts in 30 days; see ``tests.events.factories``)."""

    def make(**kwargs):
        kwargs.setdefault("title", "Privacy e protezione dei dati nella cooperazione")
        kwargs.setdefault("contact_email", CONTACT_EMAIL)
        return WebinarPageFactory(parent=registration_site.webinar_index, **kwargs)

    return make


@pytest.fixture
def open_webinar(make_webinar, member_org):
    """A members-only webinar open for registration, without a seat limit."""
    return make_webinar()


@pytest.fixture
def small_webinar(make_webinar, member_org):
    """An open webinar with two seats, so that the third confirmation waits."""
    return make_webinar(capacity=2)


@pytest.fixture
def sends_mail(django_capture_on_commit_callbacks):
    """``with sends_mail():`` runs the on-commit e-mail tasks queued inside the block."""

    def capture():
        return django_capture_on_commit_callbacks(execute=True)

    return capture


@pytest.fixture
def db_tasks(settings):
    """The "email" task backend is django-tasks-db's, as in production."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
        "email": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "teams"]},
    }


@pytest.fixture
def smtp_server():
    """A real SMTP server on localhost (``tests.registrations.smtpd``), settings untouched:
    send to it inside ``override_settings(**smtp_server.settings())``."""
    with SMTPServer() as server:
        yield server


# Helpers --------------------------------------------------------------------------------


def form_data(email: str, **overrides) -> dict:
    """What a person types into the sign-up form."""
    data = {
        "first_name": "Maria",
        "last_name": "Bianchi",
        "email": email,
        "organisation": "Cooperativa Sociale La Rete",
        "role": "Educatrice",
        "privacy_consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def service_data(email: str, **overrides) -> dict:
    """Keyword arguments for ``services.registration_create`` (webinar excluded)."""
    data = {
        "first_name": "Maria",
        "last_name": "Bianchi",
        "email": email,
        "organisation_name": "Cooperativa Sociale La Rete",
        "role": "Educatrice",
        "consent_version": "2026-11",
    }
    data.update(overrides)
    return data


def kind_of(message) -> str:
    """The kind (``EmailMessage.Kind``) of a message in ``mail.outbox``."""
    row = EmailMessage.objects.filter(
        to=message.to[0], subject=message.subject, body_text=message.body
    ).first()
    assert row is not None, f"no outbox row for the message to {message.to}"
    return row.kind


def sent(kind: str | None = None, to: str | None = None) -> list:
    """Messages in ``mail.outbox``, optionally only those of one kind or to one address."""
    return [
        message
        for message in mail.outbox
        if (kind is None or kind_of(message) == kind) and (to is None or message.to == [to])
    ]


def sent_kinds(to: str | None = None) -> list[str]:
    """The kinds of the messages sent (to one address), in the order they were sent."""
    return [kind_of(message) for message in sent(to=to)]


def message_text(message) -> str:
    """Plain text and HTML of a message, where links are looked for."""
    html = "".join(content for content, _mimetype in getattr(message, "alternatives", []))
    return message.body + html


def tokens_in(message, pattern: re.Pattern) -> set[str]:
    return set(pattern.findall(message_text(message)))


def only_token(message, pattern: re.Pattern) -> str:
    """The one token the message links to with ``pattern`` (plain text and HTML agree)."""
    found = tokens_in(message, pattern)
    assert len(found) == 1, f"expected one link matching {pattern.pattern}, found {found}"
    return found.pop()


def registration_of(email: str, webinar=None) -> Registration:
    rows = Registration.objects.filter(email=email)
    if webinar is not None:
        rows = rows.filter(webinar=webinar)
    return rows.get()


@contextmanager
def tokens_signed_hours_ago(monkeypatch, hours: float):
    """Links made inside the block carry a signature time ``hours`` in the past."""
    with monkeypatch.context() as patch:
        patch.setattr(
            signing.TimestampSigner,
            "timestamp",
            lambda self: signing.b62_encode(int(time.time() - hours * 3600)),
        )
        yield


@pytest.fixture
def confirmed(sends_mail):
    """``confirmed(webinar, email)``: a member who signed up and followed the link."""

    def sign_up_and_confirm(webinar, address="maria.bianchi@cgm.coop", **kwargs):
        with sends_mail():
            services.registration_create(webinar=webinar, **service_data(address, **kwargs))
        token = only_token(mail.outbox[-1], CONFIRM_LINK)
        with sends_mail():
            registration = services.registration_confirm(token=token)
        registration.refresh_from_db()
        return registration

    return sign_up_and_confirm
