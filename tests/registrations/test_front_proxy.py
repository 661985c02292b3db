"""The committed front (deploy/nginx/, deploy/varnish/) in front of a real gunicorn.

nginx and Varnish start from the files operators use, as ``make serve-prod`` runs them
(``cgmsite.front_proxy``: ports and paths of this machine, plain HTTP), in front of a
gunicorn with production's settings started as ``test_gunicorn.py`` does; everything is
checked from outside, over sockets: the body cap, slow clients, the access log's mask,
compression, the client's address, and the site purging the front's cache through its own
code when an article is unpublished or a sign-up changes a webinar's seats.

One set of processes for the module (starting them is most of the time). Each test asks
for its pages with a Host of its own (``t<n>.localhost``), so that nothing cached by one
test is ever seen by another, whose database was emptied in between.

Skipped with a message without nginx and Varnish (``apt-get install nginx varnish``)
unless ``REQUIRE_FRONT`` is set (CI sets it), and without Redis unless ``REQUIRE_REDIS``.
"""

import gzip
import http.client
import itertools
import os
import re
import secrets
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

from django.core import mail

import pytest

from cgmsite.front_proxy import Front, missing_binaries
from registrations import services
from tests.factories import ArticlePageFactory
from tests.registrations.conftest import CONFIRM_LINK, only_token, service_data
from tests.registrations.test_gunicorn import wait_for_port
from tests.registrations.test_worker_crash import SharedDatabase

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 2  # few, so that two held workers would show
hosts = itertools.count(1)

pytestmark = pytest.mark.django_db(transaction=True)


def require(what: str, flag: str, problem: str):
    if os.environ.get(flag):
        pytest.fail(f"{flag} is set but {problem}")
    pytest.skip(f"{problem}: the tests of {what} are skipped ({flag}=1 makes this a failure).")


def redis_url() -> str:
    import redis

    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=1).ping()
    except redis.RedisError as error:
        require("the front proxy", "REQUIRE_REDIS", f"no Redis answers at {url} ({error})")
    return url


@pytest.fixture(scope="module")
def stack(tmp_path_factory, django_db_setup, django_db_blocker):
    """gunicorn (production's settings, the page cache in Redis, purging Varnish) behind
    the committed nginx and Varnish."""
    if missing := missing_binaries():
        require("the front proxy", "REQUIRE_FRONT", f"{', '.join(missing)} not installed")
    redis = redis_url()
    folder = tmp_path_factory.mktemp("front")
    with django_db_blocker.unblock():
        database = SharedDatabase(folder)
        database_url = database.url()
    prefix = f"test-front-{uuid.uuid4().hex}"
    # What collectstatic leaves (a hashed name, its .gz, the plain name) and an upload.
    static, media = folder / "staticfiles", folder / "media"
    (static / "css").mkdir(parents=True)
    css = b"body { color: #1a1a1a; }\n" * 100
    for name in ("site.0123456789ab.css", "site.css"):
        (static / "css" / name).write_bytes(css)
    (static / "css" / "site.0123456789ab.css.gz").write_bytes(gzip.compress(css))
    (media / "documents").mkdir(parents=True)
    (media / "documents" / "privato.pdf").write_bytes(b"%PDF-1.4 riservato")
    (media / "images").mkdir()
    (media / "images" / "foto.jpg").write_bytes(b"\xff\xd8\xff")
    front = Front(folder / "front", port=0, backend_port=0, static_root=static, media_root=media)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.registrations.gunicorn_settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": redis,
        "CACHE_KEY_PREFIX": prefix,
        "SECRET_KEY": secrets.token_urlsafe(50),
        "EMAIL_HOST": "localhost",
        "ALLOWED_HOSTS": ".localhost,127.0.0.1",
        # As bin/serve-prod: one proxy appends the client's address, plain HTTP here.
        "TRUSTED_PROXY_COUNT": "1",
        "SECURE_SSL_REDIRECT": "false",
        "FRONTEND_CACHE_VARNISH_URL": front.purge_url,
    }
    errors, access = folder / "gunicorn-error.log", folder / "gunicorn-access.log"
    command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
    command += ["--bind", "127.0.0.1:0", "--workers", str(WORKERS), "--no-control-socket"]
    command += ["--access-logfile", str(access)]
    command += ["--access-logformat", '"%(r)s" %(s)s xff="%({x-forwarded-for}i)s"']
    with errors.open("w") as stderr:
        server = subprocess.Popen(  # noqa: S603
            [*command, "cgmsite.wsgi"], cwd=ROOT, env=env, stdout=stderr, stderr=stderr
        )
    try:
        front.backend_port = wait_for_port(server, errors, timeout=60)
        front.port = free_port()
        front.start()
        yield SimpleNamespace(
            front=front,
            port=front.port,
            database=database,
            prefix=prefix,
            redis=redis,
            gunicorn_log=access,
            gunicorn_errors=errors,
        )
    finally:
        front.stop()
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)
            raise


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def site(stack, settings, wagtail_root_rows, registration_site):
    """This process as the site's other processes are (the admin, a worker): the same
    Redis and the same Varnish to purge; and a Host of this test's own."""
    from cgmsite.settings.base import redis_cache

    settings.CACHES = {"default": {**redis_cache(stack.redis), "KEY_PREFIX": stack.prefix}}
    settings.WAGTAILFRONTENDCACHE = {
        "varnish": {
            "BACKEND": "wagtail.contrib.frontend_cache.backends.HTTPBackend",
            "LOCATION": stack.front.purge_url,
        }
    }
    return SimpleNamespace(**vars(stack), host=f"t{next(hosts)}.localhost", tree=registration_site)


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        body = self.body
        if self.headers.get("Content-Encoding") == "gzip":
            body = gzip.decompress(body)
        return body.decode()


def request(site, method: str, path: str, *, body=None, **headers) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", site.port, timeout=30)
    headers = {"Host": site.host, **{name.replace("_", "-"): v for name, v in headers.items()}}
    try:
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        return Answer(response.status, response.headers, response.read())
    finally:
        connection.close()


def get(site, path: str, **headers) -> Answer:
    return request(site, "GET", path, **headers)


def wait_for_line(log: Path, text: str, *, timeout: float = 10) -> str:
    """The log's content once ``text`` is in it (a log line is written after the answer)."""
    deadline = time.monotonic() + timeout
    while True:
        content = log.read_text() if log.exists() else ""
        if text in content:
            return content
        if time.monotonic() > deadline:
            raise AssertionError(f"{text!r} never reached {log}:\n{content[-3000:]}")
        time.sleep(0.02)


def gunicorn_log_after_marker(site) -> str:
    """gunicorn's access log once a request sent now has reached it: whatever was sent
    before and is not in it never reached gunicorn."""
    marker = secrets.token_hex(8)
    get(site, f"/robots.txt?marker={marker}", Cookie="sessionid=x")
    return wait_for_line(site.gunicorn_log, marker)


def test_a_body_over_the_cap_is_refused_in_italian_before_gunicorn_reads_it(site, open_webinar):
    path = f"/iscrizioni/webinar/{open_webinar.pk}/"
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as client:
        client.sendall(
            f"POST {path} HTTP/1.1\r\nHost: {site.host}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {2 * 1024 * 1024}\r\n\r\n".encode()
            + b"first_name=" + b"x" * 65536
        )  # fmt: skip
        answer = b""
        while b"</html>" not in answer and (chunk := client.recv(65536)):
            answer += chunk
    assert answer.startswith(b"HTTP/1.1 413 "), answer[:300]
    assert "<h1>Richiesta troppo grande</h1>" in answer.decode()
    assert f"POST {path}" not in gunicorn_log_after_marker(site)

    # The admin takes documents up to 20 MB: 2 MB go through (to Django's own checks).
    admin = request(site, "POST", "/admin/login/", body=b"x" * (2 * 1024 * 1024))
    assert admin.status != 413, admin.body[:300]
    assert "POST /admin/login/" in gunicorn_log_after_marker(site)


def test_half_sent_requests_never_hold_a_gunicorn_worker(site):
    """Eight clients stall mid-request (four in the headers, four in the body) against two
    sync workers: nginx holds them all, and the next request is answered at once."""
    held = []
    try:
        for n in range(4):
            client = socket.create_connection(("127.0.0.1", site.port), timeout=10)
            client.sendall(f"GET /robots.txt?slow={n} HTTP/1.1\r\nHost: {site.host}\r\n".encode())
            held.append(client)
        for _n in range(4):
            client = socket.create_connection(("127.0.0.1", site.port), timeout=10)
            client.sendall(
                f"POST /iscrizioni/le-mie/ HTTP/1.1\r\nHost: {site.host}\r\n"
                "Content-Type: application/x-www-form-urlencoded\r\n"
                "Content-Length: 1000\r\n\r\nemail=persona".encode()
            )
            held.append(client)
        started = time.monotonic()
        # Past the page caches (a session cookie): answered by a gunicorn worker.
        answer = get(site, "/robots.txt", Cookie="sessionid=x")
        elapsed = time.monotonic() - started
        assert answer.status == 200
        assert elapsed < 5, f"{elapsed:.1f} s"
        log = gunicorn_log_after_marker(site)
        assert "slow=" not in log
        assert "POST /iscrizioni/le-mie/" not in log
    finally:
        for client in held:
            client.close()


def test_the_access_log_shows_no_token_in_the_path_or_the_referer(site):
    tokens = [secrets.token_urlsafe(16) for _n in range(15)]
    paths = [
        f"/iscrizioni/conferma/{tokens[0]}/",
        f"/iscrizioni/annulla/{tokens[1]}/",
        f"/iscrizioni/richiedi-accesso/{tokens[2]}/",
        f"/iscrizioni/le-mie/{tokens[3]}/",
        f"/iscrizioni/le-mie/{tokens[4]}/calendario/12.ics",
        f"/webinar/entra/{tokens[5]}/",
        f"/attestati/{tokens[6]}/",
        f"/admin/password_reset/confirm/{tokens[7]}/{tokens[8]}/",
        # The same view through percent-escapes.
        f"/%61ttestati/{tokens[9]}/",
        f"/iscrizioni/conferma/{tokens[10]}/?utm_source=newsletter",
        # A mangled link: a 404, but its token works at the proper address.
        f"/Iscrizioni/le-mie/{tokens[12]}/",
        f"//iscrizioni//le-mie/{tokens[13]}/",
        f"/iscrizioni/./annulla/{tokens[14]}/",
    ]
    referer = f"http://{site.host}/webinar/entra/{tokens[11]}/"
    for path in paths:
        get(site, path, Referer=referer)
    get(site, "/attestati/verifica/ABC-123/", Referer=f"http://{site.host}/")
    log = wait_for_line(site.front.access_log, "/attestati/verifica/ABC-123/")

    for token in tokens:
        assert token not in log, log
    lines = [line for line in log.splitlines() if site.host in line or "nascosto" in line]
    assert '"GET /iscrizioni/conferma/[nascosto]/ HTTP/1.1"' in log
    assert '"GET /iscrizioni/le-mie/[nascosto]/calendario/12.ics HTTP/1.1"' in log
    assert '"GET /admin/password_reset/confirm/[nascosto]/[nascosto]/ HTTP/1.1"' in log
    assert '"GET /iscrizioni/conferma/[nascosto]/?utm_source=newsletter HTTP/1.1"' in log
    assert f'"http://{site.host}/webinar/entra/[nascosto]/"' in log
    # nginx's own refusals, in Italian like the rest.
    nul = get(site, "/webinar/entra/x%00/")
    assert nul.status == 400 and "Richiesta non valida" in nul.body.decode()
    huge = get(site, "/webinar/entra/" + "a" * 9000 + "/")
    assert huge.status == 414 and "Indirizzo troppo lungo" in huge.body.decode()
    # The public verification address stays readable.
    assert '"GET /attestati/verifica/ABC-123/ HTTP/1.1"' in log
    assert lines


def test_the_site_reads_the_client_address_nginx_appended(site):
    """A client's own X-Forwarded-For entry stays on the left; nginx appends the address
    it saw and Varnish adds nothing: with TRUSTED_PROXY_COUNT=1 the site reads the last."""
    marker = secrets.token_hex(8)
    get(site, f"/robots.txt?xff={marker}", Cookie="sessionid=x", X_Forwarded_For="203.0.113.9")
    log = wait_for_line(site.gunicorn_log, marker)
    line = next(line for line in log.splitlines() if marker in line)
    assert 'xff="203.0.113.9, 127.0.0.1"' in line, line


def test_an_unpublished_article_is_purged_from_the_front(site, django_capture_on_commit_callbacks):
    article = ArticlePageFactory(parent=site.tree.news_index, title="Cooperare nel welfare")
    site.database.hand_over()

    first = get(site, article.url, Accept_Encoding="gzip")
    again = get(site, article.url, Accept_Encoding="gzip")
    assert first.status == again.status == 200, first.text[:500]
    assert (first.headers["X-Front-Cache"], again.headers["X-Front-Cache"]) == ("miss", "hit")
    # One copy for every anonymous reader, whatever their other cookies and language.
    other_reader = get(site, article.url, Cookie="csrftoken=abc", Accept_Language="en-GB")
    assert other_reader.headers["X-Front-Cache"] == "hit"
    assert "Cookie" in ", ".join(other_reader.headers.get_all("Vary"))  # said on, in front
    # Compressed HTML, cached or not.
    assert again.headers["Content-Encoding"] == "gzip"
    assert "Cooperare nel welfare" in again.text
    passed = get(site, article.url, Accept_Encoding="gzip", Cookie="sessionid=x")
    assert passed.headers["Content-Encoding"] == "gzip"
    assert passed.headers["X-Front-Cache"] == "pass"

    # Nobody outside purges: not through nginx, nor through Varnish's own port.
    assert request(site, "PURGE", article.url).status == 405
    assert get(site, article.url).headers["X-Front-Cache"] == "hit"

    # Unpublished by the site's own code, as the admin's button does.
    with django_capture_on_commit_callbacks(execute=True):
        article.unpublish()
    site.database.hand_over()
    assert get(site, article.url).status == 404


def seats_shown(answer: Answer) -> str:
    found = re.search(r'class="registration-state__seats">([^<]*)<', answer.text)
    assert found, answer.text[:2000]
    return found.group(1)


def test_a_sign_up_that_takes_a_seat_purges_the_webinar_page_from_the_front(
    site, make_webinar, member_org, sends_mail
):
    webinar = make_webinar(capacity=5)
    site.database.hand_over()
    first, again = get(site, webinar.url), get(site, webinar.url)
    assert again.headers["X-Front-Cache"] == "hit", first.text[:500]
    assert "5" in seats_shown(again)

    # A sign-up confirmed through the site's services, as the e-mailed link does.
    with sends_mail():
        services.registration_create(webinar=webinar, **service_data("anna.verdi@cgm.coop"))
    with sends_mail():
        services.registration_confirm(token=only_token(mail.outbox[-1], CONFIRM_LINK))
    site.database.hand_over()
    after = get(site, webinar.url)
    assert after.headers["X-Front-Cache"] == "miss"
    assert "4" in seats_shown(after)


def test_a_change_shown_on_every_page_empties_the_front(site):
    """A category, the settings, an image: one PURGE of "/*" drops every stored page."""
    from cgmsite import cache_map

    article = ArticlePageFactory(parent=site.tree.news_index, title="Finanza etica")
    site.database.hand_over()
    for path in (article.url, "/notizie/"):
        get(site, path)
        assert get(site, path).headers["X-Front-Cache"] == "hit"
    cache_map.purge_everything_now()
    assert get(site, article.url).headers["X-Front-Cache"] == "miss"
    assert get(site, "/notizie/").headers["X-Front-Cache"] == "miss"


def test_static_and_media_files_come_from_disk(site):
    hashed = get(site, "/static/css/site.0123456789ab.css", Accept_Encoding="gzip")
    assert hashed.status == 200
    assert hashed.headers["Content-Encoding"] == "gzip"  # the .gz collectstatic wrote
    cache_control = ", ".join(hashed.headers.get_all("Cache-Control"))
    assert "max-age=31536000" in cache_control
    assert "immutable" in cache_control
    plain = get(site, "/static/css/site.css")
    assert plain.headers["Cache-Control"] == "max-age=300"
    assert get(site, "/media/images/foto.jpg").status == 200
    # Documents only through /documenti/, which checks their privacy.
    assert get(site, "/media/documents/privato.pdf").status == 404
    log = gunicorn_log_after_marker(site)
    assert "/static/" not in log
    assert "/media/" not in log
