"""Redis out, two ways, under the real site: pages served, journeys done, nothing stale after.

The site's own redis-server sits behind a relay this test controls: refusing (the port
closed: Redis stopped) or silent (connections accepted, nothing answered: a hung Redis
or a full network, which only the REDIS_TIMEOUT socket timeout ends). During the
outage every public URL is crawled, a member signs up, confirms and cancels, asks for
«le mie iscrizioni», and an editor (this process, through the ORM, firing the admin's
signals) unpublishes an article, renames another and publishes a new one. Then Redis
comes back with the data it had: the first request to every URL the changes touch must
show them. A silent Redis may cost a request about one REDIS_TIMEOUT, no more.
"""

import html
import statistics
from pprint import pformat

import pytest

from tests.faults import content as c
from tests.faults import stack as s

# A silent Redis costs a request about one socket timeout (REDIS_TIMEOUT): once a command
# has given up, the request asks Redis nothing more. Each page is timed against the same
# page with Redis refusing (no wait at all: the same work without a cache), so the load
# of the machine cancels out: the median page may take two timeouts more, any one page
# (a moment of load) 1.5 s more than that; a form's answer has a bound of its own.
SILENT_MEDIAN_EXTRA_SECONDS = 2 * s.REDIS_TIMEOUT
SILENT_EXTRA_SECONDS = 2 * s.REDIS_TIMEOUT + 1.5
SILENT_FORM_SECONDS = 2 * s.REDIS_TIMEOUT + 2.5

# What the editor changes during each outage: (title, the word searched for it).
OUTAGES = {
    "refused": {
        "unpublished": ("Laboratori di quartiere per ragazzi", "quartiere"),
        "published": ("Orti condivisi in periferia", "periferia"),
        "edited": ("Merende sane in classe", "merende"),
        "edited to": ("Pranzi equilibrati in mensa", "pranzi"),
    },
    "silent": {
        "unpublished": ("Giochi in cortile per ragazzi", "cortile"),
        "published": ("Biblioteche di condominio aperte", "biblioteche"),
        "edited": ("Ricreazione nel giardino", "ricreazione"),
        "edited to": ("Passeggiate nel bosco", "passeggiate"),
    },
}


def touched_paths(stack, word: str) -> list[str]:
    """Where an article of the Formazione category shows, besides its own page."""
    category = stack.content.formazione.slug
    return [
        "/",
        "/notizie/",
        "/notizie/feed/",
        f"/notizie/categoria/{category}/",
        f"/notizie/categoria/{category}/feed/",
        f"/cerca/?q={word}",
    ]


def shows(answer, title: str) -> bool:
    return title in html.unescape(answer.text)


def check(client, path: str, *, status: int = 200, shown=(), hidden=()) -> tuple | None:
    """What is wrong with ``path`` (its status, a title shown or missing), or None."""
    answer = client.get(path)
    wrong = [f"missing «{title}»" for title in shown if not shows(answer, title)]
    wrong += [f"still shows «{title}»" for title in hidden if shows(answer, title)]
    if answer.status != status or wrong:
        return (path, answer.status, answer.header("X-Page-Cache"), *wrong)
    return None


def first_requests(stack, client, titles, gone, edited, new) -> list[tuple]:
    """Every URL the editor's changes touch, each asked once: what is not as it must be."""
    unpublished, published = titles["unpublished"][0], titles["published"][0]
    old, renamed = titles["edited"][0], titles["edited to"][0]
    found = [
        check(client, gone.url, status=404),
        check(client, edited.url, shown=[renamed], hidden=[old]),
        check(client, new.url, shown=[published]),
    ]
    for path in touched_paths(stack, titles["unpublished"][1]):
        found.append(check(client, path, hidden=[unpublished]))
    for path in touched_paths(stack, titles["published"][1]):
        found.append(check(client, path, shown=[published]))
    for path in touched_paths(stack, titles["edited to"][1]):
        found.append(check(client, path, shown=[renamed], hidden=[old]))
    return [problem for problem in found if problem]


@pytest.mark.parametrize("mode", ["refused", "silent"])
def test_redis_outage(stack, mode):
    titles = OUTAGES[mode]
    gone = c.fault_article(stack, titles["unpublished"][0], days_ago=0)
    edited = c.fault_article(stack, titles["edited"][0], days_ago=0)
    client = stack.client()

    # Before: every page cached, both articles on every listing.
    c.crawl(stack)
    before = [check(client, gone.url, shown=[gone.title]), check(client, edited.url)]
    for article, word in ((gone, titles["unpublished"][1]), (edited, titles["edited"][1])):
        before += [
            check(client, path, shown=[article.title]) for path in touched_paths(stack, word)
        ]
    assert [problem for problem in before if problem] == []
    # Served from the cache (once the processes ask Redis again after an earlier outage).
    s.wait_until(
        lambda: client.get(gone.url).header("X-Page-Cache") == "hit",
        timeout=10 * s.REDIS_RETRY_AFTER + 5,
        what="the page from the cache",
        log=stack.logs,
    )

    relay = stack.redis_relay
    (relay.refuse if mode == "refused" else relay.silence)()
    try:
        during = c.crawl(stack)
        unanswered = relay.unanswered
        journey = c.member_journey(stack, client, f"redis-{mode}")
        # The editor, meanwhile: one article unpublished, one renamed, one published.
        gone.unpublish()
        edited.title = titles["edited to"][0]
        edited.save_revision().publish()
        new = c.fault_article(stack, titles["published"][0], days_ago=0)
        shown_during = first_requests(stack, client, titles, gone, edited, new)
        c.mail_settled(stack)
        if mode == "silent":
            # The same pages with Redis refusing: the work without a cache, no wait.
            relay.refuse()
            reference = c.crawl(stack)
            silent = list(during)
            during += reference
            refused = {answer.path: answer.seconds for answer in reference}
    finally:
        relay.restore()

    problems = {}
    if wrong := c.not_healthy(stack, during + journey):
        problems["during the outage, not as when healthy"] = wrong
    by_time = sorted(during + journey, key=lambda answer: answer.seconds, reverse=True)
    print(  # noqa: T201 (shown with -s: how long a page takes through the outage)
        f"Redis {mode}, the slowest answers:",
        ", ".join(f"{a.path[:40]} {a.seconds:.2f} s" for a in by_time[:6]),
    )
    if mode == "silent" and not unanswered:
        problems["the site never asked the silent Redis (the fault not exercised)"] = unanswered
    if mode == "silent":
        extra = {a.path: a.seconds - refused[a.path] for a in silent if a.path in refused}
        median = statistics.median(extra.values())
        slow = [(path, f"{seconds:.2f} s more than refused") for path, seconds in extra.items()]
        if median <= SILENT_MEDIAN_EXTRA_SECONDS:
            slow = [item for item in slow if extra[item[0]] > SILENT_EXTRA_SECONDS]
        else:
            slow.insert(0, f"the median page {median:.2f} s slower than with Redis refusing")
        slow += [(a.path, f"{a.seconds:.2f} s") for a in journey if a.seconds > SILENT_FORM_SECONDS]
        if slow:
            problems["more than about one REDIS_TIMEOUT added by a silent Redis"] = slow
    if shown_during:
        problems["the changes not shown during the outage"] = shown_during

    # Redis back, with the entries and versions it had before: the first request to each
    # URL the changes touch shows them.
    if stale := first_requests(stack, client, titles, gone, edited, new):
        problems["stale on the first request after Redis came back"] = stale

    after = c.crawl(stack)
    if wrong := c.not_healthy(stack, after):
        problems["after the outage, not as when healthy"] = wrong
    c.member_journey(stack, client, f"after-redis-{mode}")
    c.mail_settled(stack)
    assert not problems, pformat(problems, width=100)
