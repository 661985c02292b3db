"""Signed tokens for the links in registration e-mails.

A token names a registration and what the link is for. Confirmation and
access-request links also carry the registration's current nonce and expire after
``REGISTRATION_TOKEN_MAX_AGE``: once used (or re-issued) the nonce changes, so an
old link is refused. Cancellation links stay valid while the registration is active.
"""

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.core import signing
from django.utils import timezone

CONFIRM = "confirm"
REQUEST_ACCESS = "access"
CANCEL = "cancel"
PURPOSES = (CONFIRM, REQUEST_ACCESS, CANCEL)
SALT = "cgmsite.registrations"


class InvalidToken(Exception):
    """The link is forged, damaged, expired or meant for something else."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "invalid" or "expired"


@dataclass(frozen=True)
class TokenData:
    registration_id: int
    purpose: str
    nonce: str


# A random token (a join link's, a certificate download's): URL-safe base64 of 32 bytes.
RANDOM_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,86}")


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


def new_random_token() -> str:
    """A token that names something by itself (``join_token``, ``download_token``)."""
    return secrets.token_urlsafe(32)


def is_random_token(value: str) -> bool:
    """Whether ``value`` could be a token of ``new_random_token``: anything else (a NUL,
    which PostgreSQL refuses in a query, odd characters, a huge path) is answered as a
    forged token is, without asking the database."""
    return bool(value) and RANDOM_TOKEN.fullmatch(value) is not None


def make_token(registration, purpose: str, *, nonce: str | None = None) -> str:
    """A link's token; ``nonce`` names one sign-up attempt (default: the registration's)."""
    if purpose not in PURPOSES:
        raise ValueError(purpose)
    if purpose == CANCEL:
        nonce = ""
    elif nonce is None:
        nonce = registration.token_nonce
    return signing.dumps([registration.pk, purpose, nonce], salt=SALT, compress=True)


def read_token(token: str, purpose: str) -> TokenData:
    max_age = None if purpose == CANCEL else settings.REGISTRATION_TOKEN_MAX_AGE
    try:
        registration_id, token_purpose, nonce = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise InvalidToken("expired") from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise InvalidToken("invalid") from error
    if token_purpose != purpose or not isinstance(registration_id, int):
        raise InvalidToken("invalid")
    return TokenData(registration_id, token_purpose, nonce)


# "Le mie iscrizioni": a link naming a person (an address), not a registration ----------


def person_links():
    # Looked up by name: the models import this module for ``new_random_token``.
    return apps.get_model("registrations", "PersonLink")


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def make_person_token(email: str) -> str:
    """The personal link to a person's registrations page, valid for a few hours.

    Random, so that nothing of the person can be read from it (it travels in a URL:
    browser histories, proxies' logs); the database keeps its digest and the address.
    """
    token = new_random_token()
    person_links().objects.create(digest=digest(token), email=email)
    return token


def read_person_token(token: str) -> str:
    """The address a person link names. Raises ``InvalidToken`` (invalid or expired)."""
    if not is_random_token(token):
        raise InvalidToken("invalid")
    link = person_links().objects.filter(digest=digest(token)).first()
    if link is None:
        raise InvalidToken("invalid")
    if timezone.now() - link.created_at > timedelta(hours=settings.MY_REGISTRATIONS_LINK_HOURS):
        raise InvalidToken("expired")
    return link.email
