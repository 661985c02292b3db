"""PostgreSQL refusing connections, or silent, under the real site.

gunicorn reaches PostgreSQL through a relay this test controls: refusing (new connections
refused, those open cut: a server down or restarting) or silent (connections taken,
nothing answered, those open too: a hung server, a network dropping packets). Pages
already in the page cache may still be served, every other answer must be the documented
503 with Retry-After (never the plain 500 page, never a request held until gunicorn kills
its worker). The editor (this process, its own connection) unpublishes an article
meanwhile; once PostgreSQL answers again, every page is as when healthy, the change
shown, the journeys work and every e-mail goes once.
"""

import html
from pprint import pformat

import pytest

from registrations.models import Registration
from tests.faults import content as c
from tests.faults import stack as s

# The article unpublished during each outage, and the word that finds it.
UNPUBLISHED = {
    "refused": ("Mense scolastiche sostenibili", "scolastiche"),
    "silent": ("Trasporti sociali accessibili", "trasporti"),
}
# A silent server: a request gives up after DB_CONNECT_TIMEOUT (the stack's) with the 503,
# never holding its worker until gunicorn kills it (30 s) and the proxy answers 502.
SILENT_ANSWER_SECONDS = 2 * s.DB_CONNECT_TIMEOUT + 3


# Only "refused" runs: a server that hangs with a connection already open (kept between
# requests, DB_CONN_MAX_AGE) holds that request until gunicorn's timeout kills the worker,
# as psycopg has no read timeout (docs/deploy.md, "When a service fails"); new connections
# to a silent server are bounded by DB_CONNECT_TIMEOUT (tests/cgmsite/test_error_pages.py).
@pytest.mark.parametrize("mode", ["refused"])
def test_postgresql_out(stack, mode):
    if stack.database.is_sqlite:
        pytest.skip(
            "SQLite is a file, not a server that can refuse connections: "
            "this scenario runs on PostgreSQL (DATABASE_URL=postgres://…)"
        )
    client = stack.client()
    title, word = UNPUBLISHED[mode]
    gone = c.fault_article(stack, title, days_ago=0)
    c.crawl(stack)

    (stack.db_relay.refuse if mode == "refused" else stack.db_relay.silence)()
    try:
        during = c.crawl(stack)
        email = c.address("pg")
        signup = c.sign_up(stack, client, email)
        during += [signup, client.post("/iscrizioni/le-mie/", {"email": c.address("pg-mine")})]
        gone.unpublish()
    finally:
        stack.db_relay.restore()

    problems = {}
    if wrong := c.not_healthy(stack, during, allow_503=True):
        problems["during the outage: neither as when healthy nor a 503 with Retry-After"] = wrong
    unavailable = [a for a in during if a.status == 503]
    if not unavailable:
        problems["no request missed PostgreSQL (the fault not exercised)"] = len(during)
    if stored := [a.path for a in unavailable if "no-store" not in a.header("Cache-Control")]:
        problems["a 503 that a cache may keep"] = stored
    # The sign-up's 503 says nothing was recorded: nothing was, and no e-mail went.
    if signup.status == 503 and (
        Registration.objects.filter(email=email).exists() or s.mail_to(stack.smtp, email)
    ):
        problems["a sign-up answered 503 was recorded anyway"] = email
    if held := [
        (a.path, f"{a.seconds:.1f} s") for a in during if a.seconds > SILENT_ANSWER_SECONDS
    ]:
        problems["answers that waited for PostgreSQL beyond DB_CONNECT_TIMEOUT"] = held
    touched = ["/", "/notizie/", "/notizie/feed/", f"/cerca/?q={word}"]
    first = [client.get(gone.url)] + [client.get(path) for path in touched]
    shown = [
        (a.path, a.status) for a in first[1:] if a.status != 200 or title in html.unescape(a.text)
    ]
    if first[0].status != 404 or shown:
        problems["the change made during the outage not shown after it"] = [
            (gone.url, first[0].status),
            *shown,
        ]
    if wrong := c.not_healthy(stack, c.crawl(stack)):
        problems["after the outage, not as when healthy"] = wrong
    c.member_journey(stack, client, f"after-pg-{mode}")
    c.mail_settled(stack)
    assert not problems, pformat(problems, width=100)
