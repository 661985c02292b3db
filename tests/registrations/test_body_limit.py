"""Bodies over their path's limit are refused before they are read, with nothing changed.

A 1 GB multipart body to the public sign-up form was accepted (302) in 15 s: Django
reads a multipart body whole before the view runs.
"""

from django.test import Client
from django.urls import reverse

import pytest

from registrations.models import Registration
from tests.utils import soup, text_of

pytestmark = pytest.mark.django_db


def post(client, path, body: bytes, **extra):
    return client.generic(
        "POST", path, body, content_type="multipart/form-data; boundary=x", **extra
    )


def test_a_body_over_the_public_limit_gets_413_and_changes_nothing(open_webinar, settings):
    client = Client(enforce_csrf_checks=True)
    path = reverse("registrations:register", args=[open_webinar.pk])
    body = b'--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nmaria@cgm.coop\r\n'
    body += b'--x\r\nContent-Disposition: form-data; name="f"; filename="a.bin"\r\n\r\n'
    body += b"\0" * settings.PUBLIC_BODY_MAX_BYTES + b"\r\n--x--\r\n"

    response = post(client, path, body)

    assert response.status_code == 413
    assert response["Connection"] == "close"
    assert text_of(soup(response).h1) == "Richiesta troppo grande"
    assert not Registration.objects.exists()
    # A body of the form's size is read as ever (here: refused by the CSRF check).
    assert post(client, path, body[:2000]).status_code == 403


def test_a_lying_or_missing_length_is_refused_unread(open_webinar):
    client = Client()
    path = reverse("registrations:register", args=[open_webinar.pk])
    assert post(client, "/cerca/", b"", CONTENT_LENGTH="-5").status_code == 413
    assert post(client, path, b"", CONTENT_LENGTH="molto").status_code == 413
    chunked = post(client, path, b"", CONTENT_LENGTH="", HTTP_TRANSFER_ENCODING="chunked")
    assert chunked.status_code == 411
    assert text_of(soup(chunked).h1) == "Richiesta non valida"


def test_the_admin_takes_uploads_up_to_its_own_limit(admin_client, settings):
    body = b"x" * (settings.PUBLIC_BODY_MAX_BYTES + 1)
    assert post(admin_client, "/admin/documents/multiple/add/", body).status_code != 413
    too_big = b"x" * (settings.LARGE_BODY_MAX_BYTES + 1)
    assert post(admin_client, "/admin/documents/multiple/add/", too_big).status_code == 413
