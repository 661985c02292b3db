"""Signed tokens for the links in registration e-mails.

A token names a registration and what the link is for. Confirmation and
access-request links also carry the registration's current nonce and expire after
``REGISTRATION_TOKEN_MAX_AGE``: once used (or re-issued) the nonce changes, so an
old link is refused. Cancellation links stay valid while the registration is active.
"""

import secrets
from dataclasses import dataclass

from django.conf import settings
from django.core import signing

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


def new_nonce() -> str:
    return secrets.token_urlsafe(16)


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

PERSON_SALT = "cgmsite.registrations.person"


def make_person_token(email: str) -> str:
    """The personal link to a person's registrations page, valid for a few hours."""
    return signing.dumps(email, salt=PERSON_SALT, compress=True)


def read_person_token(token: str) -> str:
    """The address a person link names. Raises ``InvalidToken`` (invalid or expired)."""
    max_age = settings.MY_REGISTRATIONS_LINK_HOURS * 3600
    try:
        email = signing.loads(token, salt=PERSON_SALT, max_age=max_age)
    except signing.SignatureExpired as error:
        raise InvalidToken("expired") from error
    except (signing.BadSignature, ValueError, TypeError) as error:
        raise InvalidToken("invalid") from error
    if not isinstance(email, str) or "@" not in email:
        raise InvalidToken("invalid")
    return email
