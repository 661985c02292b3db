"""Real HTTP from chosen client addresses, for tests that need what a test client hides.

Linux routes the whole of 127.0.0.0/8 to the loopback interface, so a connection
bound to 127.0.0.23 reaches a server on 127.0.0.1 and arrives from 127.0.0.23:
a test can play many visitors, each from an address of its own, or many visitors
behind one proxy (``forwarded_for``).
"""

import http.client
import json
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# A form on a page served to everyone alike: its script fetches the visitor's own token.
CSRF_URL = re.compile(r'data-csrf-url="([^"]+)"')


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    text: str


@dataclass
class Visitor:
    """One browser-like client: its own source address, cookies and CSRF token."""

    base_url: str
    source: str = "127.0.0.1"
    forwarded_for: str = ""
    cookies: dict[str, str] = field(default_factory=dict)
    csrf_token: str = ""

    def request(self, method: str, path: str, data: dict | None = None, **headers) -> Answer:
        parts = urlsplit(self.base_url)
        # Wherever the server says it listens, connect over IPv4 loopback so that the
        # chosen source address applies.
        connection = http.client.HTTPConnection(
            "127.0.0.1", parts.port, timeout=30, source_address=(self.source, 0)
        )
        headers = {key.replace("_", "-"): value for key, value in headers.items()}
        headers.setdefault("Host", parts.netloc)
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data, doseq=True).encode()
            headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            headers.setdefault("Referer", self.base_url + path)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return Answer(response.status, response.headers, text)

    def get(self, path: str, **headers) -> Answer:
        answer = self.request("GET", path, **headers)
        if match := CSRF_INPUT.search(answer.text):
            self.csrf_token = match.group(1)
        elif match := CSRF_URL.search(answer.text):
            fetched = self.request("GET", match.group(1), Accept="application/json")
            self.csrf_token = json.loads(fetched.text)["token"]
        return answer

    def post(self, path: str, data: dict, **headers) -> Answer:
        """POST a form with the CSRF token of the last page read (as a browser would)."""
        return self.request(
            "POST", path, {"csrfmiddlewaretoken": self.csrf_token, **data}, **headers
        )
