"""PostgreSQL refusing new connections (and cutting those open), under the real site.

gunicorn reaches PostgreSQL through a relay this test closes: pages already in the page
cache may still be served, every other answer must be the documented 503 with
Retry-After (never the plain 500 page). The editor (this process, its own connection)
unpublishes an article meanwhile; once PostgreSQL takes connections again, every page is
as when healthy, the change shown, the journeys work and every e-mail goes once.
"""

import html
from pprint import pformat

import pytest

from registrations.models import Registration
from tests.faults import content as c
from tests.faults import stack as s


def test_postgresql_refusing_connections(stack):
    if stack.database.is_sqlite:
        pytest.skip(
            "SQLite is a file, not a server that can refuse connections: "
            "this scenario runs on PostgreSQL (DATABASE_URL=postgres://…)"
        )
    client = stack.client()
    title = "Mense scolastiche sostenibili"
    gone = c.fault_article(stack, title, days_ago=0)
    c.crawl(stack)

    stack.db_relay.refuse()
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
    touched = ["/", "/notizie/", "/notizie/feed/", "/cerca/?q=scolastiche"]
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
    c.member_journey(stack, client, "after-pg")
    c.mail_settled(stack)
    assert not problems, pformat(problems, width=100)
