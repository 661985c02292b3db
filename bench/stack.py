"""The production stack for the load benchmarks (``bench/web.py``, ``bench/burst.py``).

A throwaway PostgreSQL database, the environment the production settings need,
gunicorn started as the README says (``gunicorn --config gunicorn.conf.py cgmsite.wsgi``)
and other long-running processes, each in a process group of its own so that it and
its children are stopped together, on success, failure or Ctrl-C alike.

Nothing here imports Django: the benchmarks set the environment first, then set it up.
"""

import contextlib
import datetime
import os
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
POSTGRES = "postgres://postgres@127.0.0.1:5432"
REDIS_URL = "redis://127.0.0.1:6379/6"
LISTENING = re.compile(r"Listening at: http://127\.0\.0\.1:(\d+)")
BOOTED = re.compile(r"Booting worker with pid")


def print_header(argv: list[str]) -> None:
    """The command line, the date, the machine's load and the commit, for the record."""
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "status", "--porcelain"],  # noqa: S607
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    uptime = subprocess.run(["uptime"], capture_output=True, text=True, check=False)  # noqa: S607
    print(f"$ {shlex.join([Path(sys.executable).name, *argv])}")
    print(f"date: {datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M:%S} UTC")
    print(f"uptime: {uptime.stdout.strip()}")
    print(f"commit: {commit}" + (" (with uncommitted changes in the tree)" if dirty else ""))
    print(f"cpus: {os.cpu_count()}", flush=True)


def load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


def check_port_free(port: int) -> None:
    with socket.socket() as probe:
        # As servers bind: a connection of an earlier run waiting in TIME_WAIT is no owner.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as error:
            raise SystemExit(f"Port {port} is in use ({error}); choose another one.") from error


class ThrowawayDatabase:
    """``CREATE DATABASE name`` on the local PostgreSQL; ``drop()`` removes it for good.

    With ``keep`` an existing database of that name is used as it is (``reused``) and
    ``drop()`` leaves it in place, so that a benchmark can skip building its data again.
    """

    def __init__(self, name: str, server: str = POSTGRES, *, keep: bool = False):
        self.name = name
        self.server = server.rstrip("/")
        self.keep = keep
        self.created = False
        self.reused = False

    @property
    def url(self) -> str:
        return f"{self.server}/{self.name}"

    def _admin(self):
        import psycopg

        return psycopg.connect(f"{self.server}/postgres", autocommit=True)

    def create(self) -> None:
        with self._admin() as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [self.name]
            ).fetchone()
            if exists and self.keep:
                self.reused = True
                return
            connection.execute(f'CREATE DATABASE "{self.name}"')
        self.created = True

    def drop(self) -> None:
        if not self.created or self.keep:
            return
        with self._admin() as connection:
            # FORCE: a gunicorn worker killed mid-request may leave its session behind.
            connection.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
        self.created = False
        print(f"Dropped database {self.name}.", flush=True)


def flush_redis(url: str = REDIS_URL) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


def production_env(
    *, database_url: str, port: int, email_port: int, media_root: str, redis_url: str = REDIS_URL
) -> dict[str, str]:
    """What ``cgmsite.settings.production`` needs to start here, without a TLS proxy."""
    env = {
        key: value for key, value in os.environ.items() if key not in {"DEBUG", "EMAIL_HOST_USER"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "cgmsite.settings.production",
            "DATABASE_URL": database_url,
            "SECRET_KEY": secrets.token_urlsafe(50),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(email_port),
            "EMAIL_USE_TLS": "false",
            "REDIS_URL": redis_url,
            "SECURE_SSL_REDIRECT": "false",
            "TRUSTED_PROXY_COUNT": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_BASE_URL": f"http://127.0.0.1:{port}",
            "MEDIA_ROOT": media_root,
            "PYTHONUNBUFFERED": "1",
        }
    )
    return env


def collectstatic(env: dict[str, str]) -> None:
    """The hashed, compressed files the production settings' storage serves (WhiteNoise)."""
    subprocess.run(  # noqa: S603
        [str(BIN / "python"), "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env=env,
        check=True,
    )


def gunicorn_command(port: int, workers: int | None = None) -> list[str]:
    """The README's production command, on a chosen port (and no control socket in the
    user's home, which another gunicorn may be using)."""
    command = [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py"]
    command += ["--bind", f"127.0.0.1:{port}", "--no-control-socket"]
    if workers is not None:
        command += ["--workers", str(workers)]
    return [*command, "cgmsite.wsgi"]


def gunicorn_config(env: dict[str, str]) -> dict[str, str]:
    """gunicorn's own reading of gunicorn.conf.py (``--print-config``): workers, preload …"""
    answer = subprocess.run(  # noqa: S603
        [*gunicorn_command(0)[:-1], "--print-config", "cgmsite.wsgi"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    config = {}
    for line in answer.stdout.splitlines():
        name, sep, value = line.partition("=")
        if sep:
            config[name.strip()] = value.strip()
    return config


class Process:
    """A long-running command in its own process group, its output in a log file."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log: Path):
        self.name = name
        self.command = command
        self.log = log
        with log.open("w") as output:
            self.popen = subprocess.Popen(  # noqa: S603
                command,
                cwd=ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.popen.poll() is None

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL if it is not gone in 30 seconds."""
        if self.popen.poll() is None:
            try:
                os.killpg(self.popen.pid, signal.SIGTERM)
                self.popen.wait(timeout=30)
            except ProcessLookupError:
                pass
            except subprocess.TimeoutExpired:
                os.killpg(self.popen.pid, signal.SIGKILL)
                self.popen.wait(timeout=10)
        # Children left behind by a killed leader still belong to its group.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.popen.pid, signal.SIGKILL)


def start_gunicorn(
    name: str,
    env: dict[str, str],
    port: int,
    workers: int,
    log: Path,
    *,
    probe: str = "/robots.txt",
    timeout: float = 120,
) -> Process:
    """gunicorn on ``port``, once every worker has booted and the site answers."""
    check_port_free(port)
    server = Process(name, gunicorn_command(port, workers), env, log)
    deadline = time.monotonic() + timeout
    while True:
        text = server.log_text()
        if LISTENING.search(text) and len(BOOTED.findall(text)) >= workers:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}{probe}", timeout=30
                ) as answer:
                    answer.read()
                break
            except OSError:
                pass
        if not server.alive() or time.monotonic() > deadline:
            server.stop()
            raise SystemExit(f"{name} did not start:\n{server.log_text()[-3000:]}")
        time.sleep(0.2)
    print(f"{name}: {shlex.join(server.command)} (pid {server.popen.pid})", flush=True)
    return server


def start_stack_companions(env: dict[str, str], workdir: Path) -> list[Process]:
    """What runs beside gunicorn on a production machine (``bin/serve-prod``): the e-mail
    worker, the Teams worker and the minute's periodic jobs. They poll the database and
    take their share of the CPU while pages are measured, as on the real stack."""
    python = str(BIN / "python")
    periodic = (
        f"while true; do {shlex.quote(python)} manage.py run_periodic_jobs >/dev/null; "
        "sleep 60; done"
    )
    companions = [
        ("e-mail worker", [python, "manage.py", "db_worker", "--backend", "email"]),
        ("Teams worker", [python, "manage.py", "db_worker", "--backend", "email",
                          "--queue-name", "teams"]),
        ("periodic jobs", ["bash", "-c", periodic]),
    ]  # fmt: skip
    processes = []
    for name, command in companions:
        slug = name.replace(" ", "-")
        processes.append(Process(name, command, env, workdir / f"{slug}.log"))
        print(f"{name}: {shlex.join(command)} (pid {processes[-1].popen.pid})", flush=True)
    return processes


def log_findings(process: Process) -> list[str]:
    """Lines of a server's log that point at a bug: tracebacks, errors, killed workers."""
    pattern = re.compile(
        r"Traceback|Internal Server Error|WORKER TIMEOUT|\[ERROR\]|ERROR "
        r'|"level": "(ERROR|CRITICAL)"'  # the JSON lines of the production logs
    )
    return [line for line in process.log_text().splitlines() if pattern.search(line)]


def install_signal_handlers() -> None:
    """SIGTERM (and SIGHUP) unwind like Ctrl-C, so that every ``finally`` cleans up."""

    def stop(signum, _frame):
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)


def tear_down(processes: list, database, workdir) -> None:
    """Stop the processes (the last started first), close this process's database
    connections, drop the throwaway database, empty the benchmark's Redis database."""
    for process in reversed(processes):
        process.stop()
    if "django" in sys.modules:
        from django.db import connections

        connections.close_all()
    try:
        database.drop()
    finally:
        flush_redis()
        shutil.rmtree(workdir, ignore_errors=True)
