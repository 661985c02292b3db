"""A small Microsoft Graph client: the app's token, JSON requests, errors in plain words.

Application permissions, client-credentials flow: the site asks
``POST {login}/{tenant}/oauth2/v2.0/token`` for a token with its client id and secret,
keeps it until shortly before it expires, and asks again when Graph answers 401 (a token
revoked or expired early). No user signs in.

``requests`` (already installed for django-anymail) is all it needs: the official
``msgraph-sdk`` is about 380 MB installed and slow to import, for the four endpoints the
site calls. The secret is sent only in the token request's body, to the login address: it
is never part of a URL, an exception or a log line, and paging links are followed only on
the Graph address itself, so the token cannot be carried elsewhere.
"""

import logging
import threading
import time
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

import requests

logger = logging.getLogger(__name__)

# A token is renewed this many seconds before Graph would refuse it.
TOKEN_MARGIN = 120
# The longest wait a Retry-After header may ask for before the next attempt.
MAX_RETRY_AFTER = 3600
SCOPE = "https://graph.microsoft.com/.default"


class GraphError(Exception):
    """Graph or the login service said no, or did not answer.

    ``temporary`` errors (429, 5xx, a timeout, no connection) are worth retrying, after
    ``retry_after`` seconds when the server said so. ``str()`` is the message for staff,
    in Italian; ``detail`` keeps Graph's own code and message for the logs.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str = "",
        detail: str = "",
        temporary: bool = False,
        retry_after: float | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.detail = detail
        self.temporary = temporary
        self.retry_after = retry_after


@dataclass
class GraphConfig:
    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    organizer_id: str
    api_url: str
    login_url: str
    timeout: float

    @classmethod
    def from_settings(cls) -> "GraphConfig | None":
        """The configuration, or None when the integration is off (a variable missing)."""
        values = {
            "tenant_id": settings.TEAMS_GRAPH_TENANT_ID,
            "client_id": settings.TEAMS_GRAPH_CLIENT_ID,
            "client_secret": settings.TEAMS_GRAPH_CLIENT_SECRET,
            "organizer_id": settings.TEAMS_ORGANIZER_USER_ID,
        }
        if not all(values.values()):
            return None
        return cls(
            **values,
            api_url=settings.TEAMS_GRAPH_API_URL.rstrip("/"),
            login_url=settings.TEAMS_GRAPH_LOGIN_URL.rstrip("/"),
            timeout=settings.TEAMS_GRAPH_TIMEOUT,
        )


def graph_enabled() -> bool:
    return GraphConfig.from_settings() is not None


# Tokens by (login address, tenant, client): one per process, shared by its threads.
_tokens: dict[tuple[str, str, str], tuple[str, float]] = {}
_tokens_lock = threading.Lock()


class GraphClient:
    """The calls the site makes, as the app registered in ``config``."""

    def __init__(self, config: GraphConfig, session: requests.Session | None = None):
        self.config = config
        self.session = session or requests.Session()

    @classmethod
    def from_settings(cls) -> "GraphClient | None":
        config = GraphConfig.from_settings()
        return cls(config) if config else None

    # The token ---------------------------------------------------------------------

    @property
    def token_key(self) -> tuple[str, str, str]:
        return (self.config.login_url, self.config.tenant_id, self.config.client_id)

    def token(self, *, renew: bool = False) -> str:
        with _tokens_lock:
            cached = _tokens.get(self.token_key)
            if cached and not renew and cached[1] > time.monotonic():
                return cached[0]
        token, lifetime = self.request_token()
        with _tokens_lock:
            _tokens[self.token_key] = (token, time.monotonic() + lifetime - TOKEN_MARGIN)
        return token

    def request_token(self) -> tuple[str, float]:
        url = f"{self.config.login_url}/{self.config.tenant_id}/oauth2/v2.0/token"
        data = {
            "client_id": self.config.client_id,
            "client_secret": self.config.client_secret,
            "scope": SCOPE,
            "grant_type": "client_credentials",
        }
        response = self.send("POST", url, data=data)
        body = json_body(response)
        if response.status_code != 200 or not body.get("access_token"):
            raise token_error(response, body)
        try:
            lifetime = float(body.get("expires_in", 3600))
        except (TypeError, ValueError):
            lifetime = 3600.0
        return body["access_token"], max(lifetime, TOKEN_MARGIN + 1)

    # Requests ----------------------------------------------------------------------

    def url(self, path: str) -> str:
        return f"{self.config.api_url}/{path.lstrip('/')}"

    def user_path(self, path: str) -> str:
        """A path under the organiser's mailbox: ``/users/{organizerId}/...``."""
        return f"/users/{self.config.organizer_id}/{path.lstrip('/')}"

    def call(self, method: str, path_or_url: str, *, body: dict | None = None) -> dict:
        """One Graph request; the JSON answer (empty for 204). Raises ``GraphError``."""
        if path_or_url.startswith(("http://", "https://")):
            # A paging link: followed only on Graph's own address, with the token.
            if not path_or_url.startswith(f"{self.config.api_url}/"):
                raise GraphError(_("Microsoft Graph answered with a link to another server."))
            url = path_or_url
        else:
            url = self.url(path_or_url)
        for renew in (False, True):
            headers = {
                "Authorization": f"Bearer {self.token(renew=renew)}",
                # Teams writes its own join text in the meeting's language.
                "Accept-Language": "it-IT",
                "Accept": "application/json",
            }
            response = self.send(method, url, json=body, headers=headers)
            if response.status_code != 401:
                break
            # A token revoked or expired early: ask for a new one, once.
        if 200 <= response.status_code < 300:
            return json_body(response) if response.content else {}
        raise graph_error(response)

    def pages(self, path: str):
        """Every item of a collection, page after page (``@odata.nextLink``)."""
        url = self.url(path)
        while url:
            body = self.call("GET", url)
            yield from body.get("value") or []
            url = body.get("@odata.nextLink") or ""

    def send(self, method: str, url: str, **kwargs) -> requests.Response:
        try:
            return self.session.request(method, url, timeout=self.config.timeout, **kwargs)
        except requests.Timeout as error:
            raise GraphError(
                _("Microsoft Teams did not answer in time: the site will try again."),
                detail=type(error).__name__,
                temporary=True,
            ) from None
        except requests.RequestException as error:
            raise GraphError(
                _("Microsoft Teams could not be reached: the site will try again."),
                detail=type(error).__name__,
                temporary=True,
            ) from None


def json_body(response: requests.Response) -> dict:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def retry_after(response: requests.Response) -> float | None:
    """Seconds the server asked to wait (``Retry-After``: seconds or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = (parsedate_to_datetime(value) - timezone.now()).total_seconds()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), MAX_RETRY_AFTER)


def is_temporary(status: int) -> bool:
    return status == 429 or status >= 500


def temporary_error(message: str, response: requests.Response, code: str, detail: str):
    """A refusal that passes by itself: retried after ``Retry-After`` or a growing delay."""
    return GraphError(
        message,
        status=response.status_code,
        code=code,
        detail=detail,
        temporary=True,
        retry_after=retry_after(response),
    )


def token_error(response: requests.Response, body: dict) -> GraphError:
    """The login service's refusal, e.g. ``invalid_client`` (AADSTS7000215: a wrong secret)."""
    code = str(body.get("error") or "")
    detail = str(body.get("error_description") or "")[:500]
    status = response.status_code
    if is_temporary(status):
        message = _(
            "Microsoft's login service is not available right now: the site will try again."
        )
        return temporary_error(message, response, code, detail)
    if code == "invalid_client":
        message = _(
            "Microsoft refused the site's credentials: check TEAMS_GRAPH_CLIENT_ID and "
            "TEAMS_GRAPH_CLIENT_SECRET (a client secret expires: create a new one in the app "
            "registration)."
        )
    elif code in ("invalid_request", "unauthorized_client") or "AADSTS90002" in detail:
        message = _(
            "Microsoft does not know the tenant or the app: check TEAMS_GRAPH_TENANT_ID and "
            "TEAMS_GRAPH_CLIENT_ID."
        )
    else:
        message = _("Microsoft refused to sign the site in (%(code)s).") % {"code": code or status}
    return GraphError(message, status=status, code=code, detail=detail)


def graph_error(response: requests.Response) -> GraphError:
    """Graph's ``{"error": {"code", "message"}}`` answer, in words staff can act on."""
    error = json_body(response).get("error")
    error = error if isinstance(error, dict) else {}
    code = str(error.get("code") or "")
    detail = str(error.get("message") or "")[:500]
    status = response.status_code
    if is_temporary(status):
        message = _("Microsoft Teams is busy or not available right now: the site will try again.")
        return temporary_error(message, response, code, detail)
    if status == 403 and "application access policy" in detail.lower():
        message = _(
            "Teams does not let the site act for the organiser yet: the administrator must "
            "grant the application access policy to TEAMS_ORGANIZER_USER_ID "
            "(New-CsApplicationAccessPolicy and Grant-CsApplicationAccessPolicy, see "
            "docs/teams.md; it takes up to 30 minutes to apply)."
        )
    elif status in (401, 403):
        message = _(
            "Microsoft Graph refused the request: the app needs the permissions "
            "OnlineMeetings.ReadWrite.All and OnlineMeetingArtifact.Read.All with the "
            "administrator's consent (see docs/teams.md)."
        )
    elif status == 404:
        message = _(
            "Microsoft Teams does not know this meeting or the organiser: check "
            "TEAMS_ORGANIZER_USER_ID (the organiser's object id)."
        )
    else:
        message = _("Microsoft Teams refused the request (%(status)s %(code)s).") % {
            "status": status,
            "code": code,
        }
    return GraphError(message, status=status, code=code, detail=detail)
