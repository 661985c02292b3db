"""One stack for the whole fault suite (package scope): started once, broken by each test.

Every test leaves the stack healthy again (its fault undone in a ``finally``), so the
tests may run in any order and alone.
"""

import os
import secrets
from pathlib import Path

from django.test import override_settings

import pytest

from cgmsite.settings.base import redis_cache
from tests.faults import stack as s
from tests.graph_server import GraphServer
from tests.registrations.smtpd import SMTPServer
from tests.relay import Relay

KEY_PREFIX = "faults"


@pytest.fixture(autouse=True)
def _clear_caches():
    """Not here: the page cache in Redis is the thing under test (its entries from before a
    fault must survive it, to be found stale or not afterwards)."""
    yield


@pytest.fixture(autouse=True)
def _media_root():
    """The stack's media folder, set once for the package (``stack``)."""
    yield


@pytest.fixture(autouse=True)
def _database(django_db_blocker):
    """Each test reads and writes the stack's database copy, as the site's processes do."""
    with django_db_blocker.unblock():
        yield


class Stack:
    """The running services, the content, and what the suite knows of them."""

    def __init__(self, folder: Path, database: s.DatabaseCopy):
        self.folder = folder
        self.database = database
        self.log = folder / "stack.log"
        self.media = folder / "media"
        self.media.mkdir(exist_ok=True)
        self.redis_port = s.free_port()
        self.redis = s.redis_server(self.redis_port, self.log)
        self.redis_relay: Relay | None = None
        self.db_relay: Relay | None = None
        self.smtp = SMTPServer()
        self.graph = GraphServer()
        self.gunicorn: s.Process | None = None
        self.email_worker: s.Process | None = None
        self.teams_worker: s.Process | None = None
        self.port = 0
        self.content = None
        self.baseline: dict[str, int] = {}
        # Message-IDs the SMTP server may have received twice (a worker killed mid-send;
        # registrations/outbox.py: at least once, with the same Message-ID).
        self.allowed_duplicates = 0
        self.secret_key = secrets.token_urlsafe(50)

    # Environment -------------------------------------------------------------------

    def env(self) -> dict:
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_", "REDIS_", "EMAIL_", "TEAMS_"))
        }
        db_url = self.database.url(self.db_relay.port if self.db_relay else None)
        env.update(
            {
                "DJANGO_SETTINGS_MODULE": s.SETTINGS,
                "DATABASE_URL": db_url,
                "REDIS_URL": self.redis_relay.url("redis", "/0"),
                "REDIS_TIMEOUT": str(s.REDIS_TIMEOUT),
                "REDIS_RETRY_AFTER": str(s.REDIS_RETRY_AFTER),
                "CACHE_KEY_PREFIX": KEY_PREFIX,
                "SECRET_KEY": self.secret_key,
                "EMAIL_HOST": "127.0.0.1",
                "EMAIL_PORT": str(self.smtp.port),
                "EMAIL_TIMEOUT": "5",
                "ALLOWED_HOSTS": s.HOST,
                "SITE_BASE_URL": f"https://{s.HOST}",
                "MEDIA_ROOT": str(self.media),
                "TEAMS_GRAPH_TIMEOUT": str(s.GRAPH_TIMEOUT),
                "DB_CONNECT_TIMEOUT": str(s.DB_CONNECT_TIMEOUT),
                "LOG_FORMAT": "text",
                "PYTHONUNBUFFERED": "1",
                **self.graph.settings,
            }
        )
        return env

    def worker_env(self) -> dict:
        """The workers reach the database directly (a PostgreSQL outage is gunicorn's)."""
        return {**self.env(), "DATABASE_URL": self.database.url()}

    def test_settings(self) -> dict:
        """This process as another machine of the site: same Redis, same queue, same Graph."""
        return {
            "CACHES": {
                "default": {
                    **redis_cache(self.redis_relay.url("redis", "/0")),
                    "KEY_PREFIX": KEY_PREFIX,
                },
            },
            "TASKS": {
                "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"},
                "email": {
                    "BACKEND": "django_tasks_db.DatabaseBackend",
                    "QUEUES": ["default", "teams"],
                },
            },
            "PAGE_CACHE_ENABLED": True,
            "REDIS_RETRY_AFTER": s.REDIS_RETRY_AFTER,
            "MEDIA_ROOT": self.media,
            "SITE_BASE_URL": f"https://{s.HOST}",
            "WAGTAILADMIN_BASE_URL": f"https://{s.HOST}",
            **self.graph.settings,
            "TEAMS_GRAPH_TIMEOUT": s.GRAPH_TIMEOUT,
        }

    # Processes -------------------------------------------------------------------------

    def start_services(self) -> None:
        self.redis.start()
        s.wait_until(self._redis_answers, timeout=30, what="redis-server", log=self.logs)
        self.redis_relay = Relay(self.redis_port)
        if not self.database.is_sqlite:
            self.db_relay = Relay(self.database.target_port())
        self.smtp.start()
        self.graph.start()

    def _redis_answers(self) -> bool:
        import redis

        try:
            return redis.Redis(port=self.redis_port, socket_timeout=1).ping()
        except redis.RedisError:
            return False

    def start_site(self) -> None:
        command = [s.sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        command += ["--bind", "127.0.0.1:0", "--workers", "2", "--no-control-socket"]
        self.gunicorn = s.Process(
            "gunicorn", [*command, "cgmsite.wsgi"], env=self.env(), log=self.log
        )
        self.gunicorn.start()
        self.port = int(s.wait_until(self._listening, timeout=90, what="gunicorn", log=self.logs))
        self.start_email_worker()
        self.teams_worker = s.Process(
            "teams worker", self.worker_command("teams"), env=self.worker_env(), log=self.log
        ).start()

    def _listening(self):
        if not self.gunicorn.alive():
            raise AssertionError(f"gunicorn stopped\n{self.logs()}")
        found = s.LISTENING.search(self.log.read_text(errors="replace"))
        return found and found.group(1)

    @staticmethod
    def worker_command(queue: str = "default") -> list[str]:
        command = [s.sys.executable, "manage.py", "db_worker", "--backend", "email"]
        command += ["--queue-name", queue, "--interval", "0.2", "--no-startup-delay", "--no-reload"]
        return command

    def start_email_worker(self) -> s.Process:
        self.email_worker = s.Process(
            "e-mail worker", self.worker_command(), env=self.worker_env(), log=self.log
        ).start()
        return self.email_worker

    def manage(self, *args: str, **env):
        result = s.manage(*args, env={**self.worker_env(), **env}, log=self.log)
        assert result.returncode == 0, f"manage.py {args}: {result.returncode}\n{self.logs()}"
        return result

    def stop(self) -> None:
        for process in (self.email_worker, self.teams_worker, self.gunicorn):
            if process is not None:
                process.stop()
        for relay in (self.redis_relay, self.db_relay):
            if relay is not None:
                relay.stop()
        self.redis.stop()
        self.smtp.stop()
        if self.graph.thread is not None:  # shutdown() waits for a loop that never ran
            self.graph.stop()

    def logs(self) -> str:
        return self.log.read_text(errors="replace")[-30000:]

    def client(self) -> s.Client:
        return s.Client(self.port)


@pytest.fixture(scope="package")
def stack(django_db_setup, django_db_blocker, tmp_path_factory):
    from django.db import connections
    from django.test.utils import setup_databases, teardown_databases

    from tests.faults.content import build_content, first_registration

    if not Path(s.REDIS_SERVER).exists():
        if os.environ.get("REQUIRE_REDIS"):
            pytest.fail(f"REQUIRE_REDIS is set but {s.REDIS_SERVER} is missing")
        pytest.skip(f"No {s.REDIS_SERVER} (apt-get install redis-server): fault suite skipped.")
    folder = tmp_path_factory.mktemp("faults")
    with django_db_blocker.unblock():
        # pytest-django makes the test database only when a test of the session asks for
        # it (a django_db mark); these tests use a copy of it and have none.
        created = None
        default = connections["default"]
        if default.settings_dict["NAME"] != default.creation._get_test_db_name():
            created = setup_databases(verbosity=0, interactive=False, aliases={"default"})
        database = s.DatabaseCopy(folder)
        database.make()
        site = Stack(folder, database)
        overridden = None
        try:
            site.start_services()
            overridden = override_settings(**site.test_settings())
            overridden.enable()
            site.content = build_content(site)
            site.start_site()
            first_registration(site)
            yield site
        finally:
            site.stop()
            if overridden is not None:
                overridden.disable()
            database.drop()
            if created is not None:
                teardown_databases(created, verbosity=0)
