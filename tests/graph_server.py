"""A local stand-in for Microsoft Graph and its login service, as Microsoft documents them.

It serves, on 127.0.0.1, the endpoints the site calls, with the documented request and
response shapes, and checks what it is sent:

- ``POST /{tenant}/oauth2/v2.0/token``: the client-credentials grant (form body with
  ``client_id``, ``client_secret``, ``scope`` = ``https://graph.microsoft.com/.default``,
  ``grant_type`` = ``client_credentials``); ``invalid_client`` (AADSTS7000215) otherwise;
- ``POST /v1.0/users/{id}/onlineMeetings/createOrGet``: 201 with a new meeting, 200 with
  the meeting already made for that ``externalId`` (required);
- ``PATCH /v1.0/users/{id}/onlineMeetings/{meetingId}``: start and end only together;
- ``DELETE /v1.0/users/{id}/onlineMeetings/{meetingId}``: 204;
- ``GET /v1.0/users/{id}/onlineMeetings/{meetingId}/attendanceReports`` and
  ``.../attendanceReports/{reportId}/attendanceRecords``: collections of ``page_size``
  items, the rest behind ``@odata.nextLink``.

Every request needs ``Authorization: Bearer`` with a token this server issued and not
expired (``expire_tokens()``), else 401 ``InvalidAuthenticationToken``. ``fail(route, ...)``
scripts the next answers of a route (a 403 without the application access policy, a 429
with ``Retry-After``, a 503, a slow answer). ``requests`` records what came, in order.

Run it by hand to try the site against it::

    python -m tests.graph_server --port 8765
    TEAMS_GRAPH_API_URL=http://127.0.0.1:8765/v1.0 TEAMS_GRAPH_LOGIN_URL=http://127.0.0.1:8765 \\
    TEAMS_GRAPH_TENANT_ID=tenant TEAMS_GRAPH_CLIENT_ID=client TEAMS_GRAPH_CLIENT_SECRET=secret \\
    TEAMS_ORGANIZER_USER_ID=organizer make run
"""

import contextlib
import json
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

SCOPE = "https://graph.microsoft.com/.default"
USER = r"/v1\.0/users/(?P<user>[^/]+)/onlineMeetings"
ROUTES = [
    ("POST", re.compile(r"/(?P<tenant>[^/]+)/oauth2/v2\.0/token"), "token"),
    ("POST", re.compile(USER + r"/createOrGet"), "createOrGet"),
    ("PATCH", re.compile(USER + r"/(?P<meeting>[^/]+)"), "update"),
    ("DELETE", re.compile(USER + r"/(?P<meeting>[^/]+)"), "delete"),
    ("GET", re.compile(USER + r"/(?P<meeting>[^/]+)/attendanceReports"), "reports"),
    (
        "GET",
        re.compile(
            USER + r"/(?P<meeting>[^/]+)/attendanceReports/(?P<report>[^/]+)/attendanceRecords"
        ),
        "records",
    ),
]
PATCHABLE = {
    "subject",
    "startDateTime",
    "endDateTime",
    "lobbyBypassSettings",
    "allowedPresenters",
    "isEntryExitAnnounced",
}
LOBBY_SCOPES = {"organizer", "organization", "organizationAndFederated", "everyone", "invited"}
PRESENTERS = {"everyone", "organization", "roleIsPresenter", "organizer"}


@dataclass
class Scripted:
    status: int
    body: dict | None = None
    headers: dict = field(default_factory=dict)
    delay: float = 0.0


@dataclass
class Seen:
    method: str
    path: str
    route: str
    headers: dict
    body: object


class GraphServer:
    """The server, its state (tenant, app, meetings, reports) and what it was asked."""

    def __init__(
        self,
        *,
        tenant: str = "tenant-0001",
        client_id: str = "client-0001",
        client_secret: str = "s3cr3t-value~not-for-logs",  # noqa: S107 (a test double's)
        organizer: str = "organizer-0001",
        page_size: int = 2,
        token_lifetime: int = 3599,
    ):
        self.tenant = tenant
        self.client_id = client_id
        self.client_secret = client_secret
        self.organizer = organizer
        self.page_size = page_size
        self.token_lifetime = token_lifetime
        self.tokens: set[str] = set()
        self.meetings: dict[str, dict] = {}  # by id
        self.reports: dict[str, list[dict]] = {}  # meeting id -> reports (with "records")
        self.scripted: dict[str, list[Scripted]] = {}
        self.requests: list[Seen] = []
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), self.handler_class())
        self.httpd.daemon_threads = True
        self.thread = None

    # Lifecycle ---------------------------------------------------------------------

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def settings(self) -> dict:
        """The site's settings that point it at this server."""
        return {
            "TEAMS_GRAPH_TENANT_ID": self.tenant,
            "TEAMS_GRAPH_CLIENT_ID": self.client_id,
            "TEAMS_GRAPH_CLIENT_SECRET": self.client_secret,
            "TEAMS_ORGANIZER_USER_ID": self.organizer,
            "TEAMS_GRAPH_API_URL": f"{self.base_url}/v1.0",
            "TEAMS_GRAPH_LOGIN_URL": self.base_url,
        }

    def start(self) -> "GraphServer":
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def reset(self) -> None:
        with self.lock:
            self.tokens.clear()
            self.meetings.clear()
            self.reports.clear()
            self.scripted.clear()
            self.requests.clear()

    # What tests arrange ------------------------------------------------------------

    def fail(self, route: str, status: int, *, code: str = "", message: str = "", times=1, **kw):
        """The next ``times`` answers of ``route`` (e.g. "createOrGet") are this error."""
        body = kw.pop("body", None)
        if body is None and route == "token":
            body = {"error": code or "temporarily_unavailable", "error_description": message}
        elif body is None:
            body = {"error": {"code": code or "Error", "message": message}}
        with self.lock:
            for _ in range(times):
                self.scripted.setdefault(route, []).append(Scripted(status, body, **kw))

    def slow(self, route: str, seconds: float) -> None:
        """The next answer of ``route`` comes after ``seconds`` (a timeout on the client)."""
        with self.lock:
            self.scripted.setdefault(route, []).append(Scripted(0, None, delay=seconds))

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def add_report(self, meeting_id: str, records: list[dict], **report) -> dict:
        """An attendance report of the meeting, as Teams makes one after each session."""
        with self.lock:
            reports = self.reports.setdefault(meeting_id, [])
            item = {
                "id": report.pop("id", f"report-{len(reports) + 1}"),
                "totalParticipantCount": len(records),
                "meetingStartDateTime": report.pop("start", None),
                "meetingEndDateTime": report.pop("end", None),
                "records": records,
                **report,
            }
            reports.append(item)
            return item

    def seen(self, route: str) -> list[Seen]:
        with self.lock:
            return [request for request in self.requests if request.route == route]

    # The protocol --------------------------------------------------------------------

    def answer(self, method: str, url: str, headers: dict, raw: bytes) -> tuple[int, dict, object]:
        path, query = urlsplit(url).path, parse_qs(urlsplit(url).query)
        found = next(
            (
                (route, pattern.fullmatch(path))
                for route_method, pattern, route in ROUTES
                if route_method == method and pattern.fullmatch(path)
            ),
            None,
        )
        if found is None:
            return 404, {}, {"error": {"code": "UnknownError", "message": "No such endpoint"}}
        route, match = found
        body = self.parse(route, headers, raw)
        with self.lock:
            self.requests.append(Seen(method, path, route, dict(headers), body))
            script = self.scripted.get(route) or []
            scripted = script.pop(0) if script else None
        if scripted is not None:
            if scripted.delay:
                time.sleep(scripted.delay)
            if scripted.status:
                return scripted.status, scripted.headers, scripted.body
        if route == "token":
            return self.token(match["tenant"], body)
        if not self.authorised(headers):
            return (
                401,
                {},
                {
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token has expired or is not yet valid.",
                    }
                },
            )
        if match["user"] != self.organizer:
            return 404, {}, {"error": {"code": "NotFound", "message": "User not found"}}
        handler = getattr(self, f"route_{route}")
        return handler(match, body, query)

    def parse(self, route: str, headers: dict, raw: bytes):
        if route == "token":
            return {key: values[0] for key, values in parse_qs(raw.decode()).items()}
        if not raw:
            return None
        return json.loads(raw)

    def token(self, tenant: str, form: dict):
        if tenant != self.tenant:
            return (
                400,
                {},
                {
                    "error": "invalid_request",
                    "error_description": f"AADSTS90002: Tenant '{tenant}' not found.",
                },
            )
        if form.get("grant_type") != "client_credentials" or form.get("scope") != SCOPE:
            return 400, {}, {"error": "invalid_request", "error_description": "AADSTS900144"}
        if (
            form.get("client_id") != self.client_id
            or form.get("client_secret") != self.client_secret
        ):
            return (
                401,
                {},
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret provided.",
                },
            )
        token = secrets.token_urlsafe(24)
        with self.lock:
            self.tokens.add(token)
        return (
            200,
            {},
            {
                "token_type": "Bearer",
                "expires_in": self.token_lifetime,
                "ext_expires_in": self.token_lifetime,
                "access_token": token,
            },
        )

    def authorised(self, headers: dict) -> bool:
        value = headers.get("Authorization", "")
        with self.lock:
            return value.startswith("Bearer ") and value[7:] in self.tokens

    def route_createOrGet(self, match, body, query):
        if not isinstance(body, dict) or not body.get("externalId"):
            return 400, {}, {"error": {"code": "BadRequest", "message": "externalId is required"}}
        unknown = set(body) - {
            "externalId",
            "subject",
            "startDateTime",
            "endDateTime",
            "participants",
            "chatInfo",
        }
        if unknown:
            return 400, {}, {"error": {"code": "BadRequest", "message": f"Unknown: {unknown}"}}
        with self.lock:
            for meeting in self.meetings.values():
                if meeting["externalId"] == body["externalId"]:
                    return 200, {}, dict(meeting)
            meeting_id = "MSo" + secrets.token_urlsafe(30)
            start = body.get("startDateTime") or now_iso()
            meeting = {
                "id": meeting_id,
                "externalId": body["externalId"],
                "creationDateTime": now_iso(),
                "startDateTime": start,
                "endDateTime": body.get("endDateTime") or start,
                "subject": body.get("subject") or "",
                "joinWebUrl": (
                    "https://teams.microsoft.com/l/meetup-join/19%3ameeting_"
                    f"{secrets.token_urlsafe(16)}%40thread.v2/0?context=%7b%7d"
                ),
                "lobbyBypassSettings": {"scope": "organization", "isDialInBypassEnabled": False},
                "allowedPresenters": "everyone",
                "isEntryExitAnnounced": True,
            }
            self.meetings[meeting_id] = meeting
            return 201, {}, dict(meeting)

    def route_update(self, match, body, query):
        with self.lock:
            meeting = self.meetings.get(match["meeting"])
            if meeting is None:
                return 404, {}, {"error": {"code": "NotFound", "message": "Meeting not found"}}
            if not isinstance(body, dict) or set(body) - PATCHABLE:
                return 400, {}, {"error": {"code": "BadRequest", "message": "Not updatable"}}
            if ("startDateTime" in body) != ("endDateTime" in body):
                return (
                    400,
                    {},
                    {"error": {"code": "BadRequest", "message": "Both start and end are required"}},
                )
            lobby = body.get("lobbyBypassSettings", {}).get("scope", "everyone")
            presenters = body.get("allowedPresenters", "organizer")
            if lobby not in LOBBY_SCOPES or presenters not in PRESENTERS:
                return 400, {}, {"error": {"code": "BadRequest", "message": "Invalid value"}}
            meeting.update(body)
            return 200, {}, dict(meeting)

    def route_delete(self, match, body, query):
        with self.lock:
            if self.meetings.pop(match["meeting"], None) is None:
                return 404, {}, {"error": {"code": "NotFound", "message": "Meeting not found"}}
        return 204, {}, None

    def route_reports(self, match, body, query):
        with self.lock:
            if match["meeting"] not in self.meetings:
                return 404, {}, {"error": {"code": "NotFound", "message": "Meeting not found"}}
            reports = [
                {key: value for key, value in report.items() if key != "records"}
                for report in self.reports.get(match["meeting"], [])
            ]
        return self.page(match, query, reports, "meetingAttendanceReport")

    def route_records(self, match, body, query):
        with self.lock:
            reports = self.reports.get(match["meeting"], [])
            report = next((r for r in reports if r["id"] == match["report"]), None)
            if report is None:
                return 404, {}, {"error": {"code": "NotFound", "message": "Report not found"}}
            records = [dict(record) for record in report["records"]]
        return self.page(match, query, records, "attendanceRecord")

    def page(self, match, query, items, kind):
        skip = int((query.get("$skiptoken") or ["0"])[0])
        chunk = items[skip : skip + self.page_size]
        body = {"@odata.context": f"{self.base_url}/v1.0/$metadata#{kind}", "value": chunk}
        if skip + self.page_size < len(items):
            path = match.string
            body["@odata.nextLink"] = f"{self.base_url}{path}?$skiptoken={skip + self.page_size}"
        return 200, {}, body

    def handler_class(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                status, headers, body = server.answer(self.command, self.path, self.headers, raw)
                data = b"" if body is None else json.dumps(body).encode()
                self.send_response(status)
                if data:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                # The client may have given up waiting (a slow answer, on purpose).
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

            do_GET = do_POST = do_PATCH = do_DELETE = handle_any

            def log_message(self, format, *args):
                pass

        return Handler


def now_iso() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    server = GraphServer()
    server.httpd.server_close()
    server.httpd = ThreadingHTTPServer(("127.0.0.1", args.port), server.handler_class())
    sys.stdout.write(f"Local Microsoft Graph on {server.base_url} (Ctrl-C stops). Settings:\n")
    for name, value in server.settings.items():
        sys.stdout.write(f"  {name}={value}\n")
    with contextlib.suppress(KeyboardInterrupt):
        server.httpd.serve_forever()


if __name__ == "__main__":
    main()
