"""The site's real services, started once for the fault suite, and the means to break them.

- a private copy of the test database, shared by this process and the site's processes
  (``DatabaseCopy``: SQLite's in-memory test database is copied to a file, PostgreSQL's
  is copied with ``CREATE DATABASE … TEMPLATE``); the session's own test database is left
  untouched and comes back when the suite is done;
- the site's own ``redis-server`` (a port of its own, nothing saved to disk) behind a
  ``Relay``; on PostgreSQL, gunicorn reaches the database through a second ``Relay``;
- gunicorn with production's settings and two workers, the e-mail worker
  (``db_worker --backend email``) and the Teams worker (``… --queue-name teams``), all
  sending to a local SMTP server (``tests.registrations.smtpd``) and calling the local
  Microsoft Graph (``tests.graph_server``).

Nothing waits a fixed time: every wait polls a condition until a deadline.
"""

import http.client
import os
import re
import secrets
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from django.db import connections

ROOT = Path(__file__).resolve().parents[2]
REDIS_SERVER = "/usr/bin/redis-server"
HOST = "localhost"
# Seconds each Redis command may take (the site's REDIS_TIMEOUT, production's default).
REDIS_TIMEOUT = 0.25
# Seconds a process leaves Redis alone after a failed command (production's 5, shortened:
# each test starts once every process asks Redis again).
REDIS_RETRY_AFTER = 1.0
# Seconds gunicorn waits for a PostgreSQL connection (DB_CONNECT_TIMEOUT; production's 5).
DB_CONNECT_TIMEOUT = 1
# Seconds each Microsoft Graph request may take in the workers (TEAMS_GRAPH_TIMEOUT).
GRAPH_TIMEOUT = 1.0
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
SETTINGS = "tests.registrations.gunicorn_settings"  # production's, static files unhashed


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition, *, timeout: float, what: str, log=None, every: float = 0.05):
    """Poll ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            detail = f"\n{log()}" if log else ""
            raise AssertionError(f"timed out after {timeout} s waiting for {what}{detail}")
        time.sleep(every)


# The database ----------------------------------------------------------------------------


class DatabaseCopy:
    """A copy of the test database, which this process then uses as ``default``."""

    def __init__(self, folder: Path):
        self.original = connections["default"]
        self.vendor = self.original.vendor
        self.file = folder / "site.sqlite3"
        self.name = f"{self.original.settings_dict['NAME']}_faults"[:63]
        self.copy = None

    @property
    def is_sqlite(self) -> bool:
        return self.vendor == "sqlite"

    def make(self) -> None:
        if self.is_sqlite:
            self.original.ensure_connection()
            with sqlite3.connect(self.file) as target:
                self.original.connection.backup(target)
            settings = {**self.original.settings_dict, "NAME": str(self.file)}
        else:
            # The template must have no other session: this process's is closed first.
            self.original.close()
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}"')
            self._admin(
                f'CREATE DATABASE "{self.name}" TEMPLATE "{self.original.settings_dict["NAME"]}"'
            )
            settings = {**self.original.settings_dict, "NAME": self.name}
        self.copy = self.original.__class__(settings, "default")
        connections["default"] = self.copy

    def drop(self) -> None:
        if self.copy is not None:
            self.copy.close()
        connections["default"] = self.original
        if not self.is_sqlite:
            self._admin(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')

    def _admin(self, sql: str) -> None:
        import psycopg

        db = self.original.settings_dict
        with psycopg.connect(
            host=db["HOST"] or "127.0.0.1",
            port=db["PORT"] or 5432,
            user=db["USER"],
            password=db["PASSWORD"] or None,
            dbname="postgres",
            autocommit=True,
        ) as admin:
            admin.execute(sql)

    def url(self, port: int | None = None) -> str:
        """``DATABASE_URL`` for the site's processes (through ``port``, a relay, if given)."""
        if self.is_sqlite:
            return f"sqlite:///{self.file}"
        db = self.copy.settings_dict
        user = quote(db["USER"] or "")
        password = f":{quote(db['PASSWORD'])}" if db["PASSWORD"] else ""
        host = "127.0.0.1" if port else (db["HOST"] or "127.0.0.1")
        return f"postgres://{user}{password}@{host}:{port or db['PORT'] or 5432}/{self.name}"

    def target_port(self) -> int:
        return int(self.copy.settings_dict["PORT"] or 5432)


# HTTP --------------------------------------------------------------------------------


@dataclass
class Answer:
    path: str
    status: int
    headers: dict
    text: str
    seconds: float

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Client:
    """Requests to gunicorn as the TLS proxy in front would send them (HTTPS, the host)."""

    port: int
    cookies: dict = field(default_factory=dict)

    def request(self, method: str, path: str, *, form: dict | None = None, timeout: float = 60):
        headers = {"Host": HOST, "X-Forwarded-Proto": "https", "X-Forwarded-For": "10.0.0.7"}
        body = None
        if form is not None:
            csrf = self.cookies.setdefault("csrftoken", secrets.token_hex(16))
            body = urlencode({"csrfmiddlewaretoken": csrf, **form}).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Origin"] = f"https://{HOST}"
            headers["Referer"] = f"https://{HOST}{path}"
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        started = time.monotonic()
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
            answer_headers = {name.lower(): value for name, value in response.getheaders()}
            status = response.status
        except (OSError, http.client.HTTPException) as error:
            # No answer at all (a worker killed by gunicorn's timeout): status 0.
            status, answer_headers, text = 0, {}, f"no answer: {error!r}"
        finally:
            connection.close()
        return Answer(path, status, answer_headers, text, time.monotonic() - started)

    def get(self, path: str, **kw) -> Answer:
        return self.request("GET", path, **kw)

    def post(self, path: str, form: dict, **kw) -> Answer:
        return self.request("POST", path, form=form, **kw)


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# Processes ---------------------------------------------------------------------------


class Process:
    """A child process with its output in a log file."""

    def __init__(self, name: str, command: list[str], *, env: dict, log: Path):
        self.name = name
        self.command = command
        self.env = env
        self.log = log
        self.popen = None

    def start(self) -> "Process":
        with self.log.open("a") as output:
            output.write(f"\n=== {self.name} started\n")
            output.flush()
            self.popen = subprocess.Popen(  # noqa: S603 (the suite's own fixed commands)
                self.command, cwd=ROOT, env=self.env, stdout=output, stderr=output
            )
        return self

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, as when the machine loses the process."""
        if self.alive():
            self.popen.send_signal(signal.SIGKILL)
        if self.popen is not None:
            self.popen.wait(timeout=30)

    def stop(self) -> None:
        if self.alive():
            self.popen.terminate()
            try:
                self.popen.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=30)

    def text(self) -> str:
        return self.log.read_text(errors="replace")[-20000:]


def redis_server(port: int, log: Path) -> Process:
    command = [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1"]
    command += ["--save", "", "--appendonly", "no", "--protected-mode", "no"]
    return Process("redis-server", command, env=dict(os.environ), log=log)


def manage(*args: str, env: dict, log: Path, timeout: float = 120) -> str:
    """Run ``manage.py`` to its end, as cron would; its output, which must end well."""
    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    with log.open("a") as output:
        output.write(f"\n=== manage.py {' '.join(args)}: exit {result.returncode}\n")
        output.write(result.stdout + result.stderr)
    return result


# Mail --------------------------------------------------------------------------------


def body_text(message) -> str:
    part = message.get_body(preferencelist=("plain",))
    return part.get_content() if part is not None else ""


def mail_to(smtp, address: str) -> list:
    """Every message the SMTP server received for ``address``, in order."""
    with smtp.lock:
        received = list(smtp.received)
    return [message for rcpts, message in received if address in rcpts]


def link_in(message, pattern: str) -> str | None:
    found = re.search(pattern, body_text(message))
    return path_of(found.group(0)) if found else None


CONFIRM = r"https?://[^/\s]+/iscrizioni/conferma/[^/\s]+/"
CANCEL = r"https?://[^/\s]+/iscrizioni/annulla/[^/\s]+/"
JOIN = r"https?://[^/\s]+/webinar/entra/[^/\s]+/"
MINE = r"https?://[^/\s]+/iscrizioni/le-mie/[^/\s]+/"


def duplicates(smtp) -> int:
    with smtp.lock:
        ids = Counter(message["Message-ID"] for _rcpts, message in smtp.received)
    return sum(count - 1 for count in ids.values())
