"""HTTP from outside, as readers and attackers: the helpers every probe uses.

Plain sockets and http.client only (no Django): requests go to the front (nginx, $PORT) or
to gunicorn ($PORT+1) from a chosen loopback address (127.0.0.2, 127.0.0.3 …), each timed.
"""

import contextlib
import html
import http.client
import os
import re
import statistics
import tempfile
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

HOST = "127.0.0.1"
PORT = int(os.environ.get("PORT") or 8300)
STATE = Path(os.environ.get("PROBE_DIR") or Path(tempfile.gettempdir()) / "probe")
MAIL = STATE / "mail"


@dataclass
class Answer:
    status: int
    headers: dict
    body: bytes
    seconds: float
    path: str = ""

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


@dataclass
class Client:
    """One visitor: a source address and its cookies."""

    address: str = "127.0.0.2"
    port: int = PORT
    cookies: dict = field(default_factory=dict)
    timeout: float = 30

    def request(self, method, path, body=None, headers=None, timeout=None) -> Answer:
        connection = http.client.HTTPConnection(
            HOST, self.port, timeout=timeout or self.timeout, source_address=(self.address, 0)
        )
        sent = {"Host": f"{HOST}:{PORT}", "Accept-Encoding": "identity"}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        sent.update(headers or {})
        start = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=sent)
            response = connection.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException) as error:
            return Answer(0, {"error": repr(error)}, b"", time.perf_counter() - start, path)
        finally:
            connection.close()
        seconds = time.perf_counter() - start
        got = {k.lower(): v for k, v in response.getheaders()}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie = value.split(";", 1)[0]
                key, _, val = cookie.partition("=")
                self.cookies[key.strip()] = val.strip()
        return Answer(response.status, got, data, seconds, path)

    def get(self, path, **kwargs) -> Answer:
        return self.request("GET", path, **kwargs)

    def post_form(self, path, fields: dict, referer=None) -> Answer:
        body = urllib.parse.urlencode(fields).encode()
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://{HOST}:{PORT}",
            "Referer": referer or f"http://{HOST}:{PORT}{path}",
        }
        return self.request("POST", path, body=body, headers=headers)

    def csrf(self) -> str:
        """The form token, from /iscrizioni/csrf/ (what registration.js fetches)."""
        answer = self.get("/iscrizioni/csrf/")
        match = re.search(r'"(?:token|csrfToken|csrf_token)"\s*:\s*"([^"]+)"', answer.text)
        if match:
            return match.group(1)
        match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', answer.text)
        return match.group(1) if match else answer.text.strip()


def percentile(values, share) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(answers: list[Answer]) -> dict:
    times = [a.seconds for a in answers]
    return {
        "requests": len(answers),
        "statuses": dict(sorted(Counter(a.status for a in answers).items())),
        "p50_ms": round(1000 * statistics.median(times), 1) if times else None,
        "p95_ms": round(1000 * percentile(times, 0.95), 1) if times else None,
        "max_ms": round(1000 * max(times), 1) if times else None,
        "front": dict(Counter(a.headers.get("x-front-cache", "-") for a in answers)),
        "page": dict(Counter(a.headers.get("x-page-cache", "-") for a in answers)),
    }


def local(url: str) -> str:
    parts = urllib.parse.urlsplit(html.unescape(url))
    return parts.path + (f"?{parts.query}" if parts.query else "")


def discover(client: Client) -> list[str]:
    """Every public URL: the sitemaps, the listings, categories, feeds, webinars and .ics."""
    urls: list[str] = []

    def add(url):
        if url not in urls:
            urls.append(url)

    index = client.get("/sitemap.xml").text
    add("/sitemap.xml")
    for sitemap in re.findall(r"<loc>([^<]+)</loc>", index):
        path = local(sitemap)
        add(path)
        for loc in re.findall(r"<loc>([^<]+)</loc>", client.get(path).text):
            add(local(loc))
    for base in ("/", "/notizie/", "/webinar/"):
        add(base)
        page = client.get(base).text
        for href in re.findall(r'href="(/[^"]*)"', page):
            href = local(href)
            if href.startswith(("/static/", "/media/", "/admin/", "/documenti/")):
                continue
            if re.match(r"^/(notizie/categoria/|notizie/feed|webinar/|.*feed|.*\.ics)", href):
                add(href)
    for url in list(urls):
        if url.startswith("/webinar/") and url.count("/") == 3 and not url.endswith(".ics"):
            for href in re.findall(r'href="(/[^"]*\.ics)"', client.get(url).text):
                add(local(href))
        if url.startswith("/notizie/categoria/"):
            for href in re.findall(r'href="(/[^"]*feed[^"]*)"', client.get(url).text):
                add(local(href))
    add("/cerca/?q=welfare")
    add("/iscrizioni/le-mie/")
    return urls


def bust(url: str, n: int) -> str:
    """The same page with a parameter the site ignores: Varnish misses, the site's own
    page cache (Redis) answers or renders."""
    return url + ("&" if "?" in url else "?") + f"utm_probe={n}"


def crawl(urls, addresses, mode="front", stamp=None) -> list[Answer]:
    """GET every URL once from each address. mode: front (as is), origin (a parameter that
    misses Varnish), render (a session cookie: no cache at all)."""
    answers = []
    stamp = stamp or int(time.time() * 1000)
    for i, address in enumerate(addresses):
        client = Client(address)
        if mode == "render":
            client.cookies["sessionid"] = "probe-none"
        for j, url in enumerate(urls):
            path = bust(url, stamp * 1000 + i * 100 + j) if mode == "origin" else url
            answer = client.get(path)
            answer.path = url
            answers.append(answer)
    return answers


def mails() -> list[Path]:
    return sorted(MAIL.glob("*.eml")) if MAIL.exists() else []


def mail_text(path: Path) -> str:
    from email import message_from_bytes, policy

    message = message_from_bytes(path.read_bytes(), policy=policy.default)
    part = message.get_body(preferencelist=("plain",))
    body = part.get_content() if part else ""
    return f"To: {message['X-Rcpt']}\nSubject: {message['Subject']}\n\n{body}"


def wait_for(predicate, seconds, step=0.5):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            if value := predicate():
                return value
        time.sleep(step)
    return predicate()
