"""Redis out, two ways, under the real site: pages served, journeys done, nothing stale after.

The site's own redis-server sits behind a relay this test controls: refusing (the port
closed: Redis stopped) or silent (connections accepted, nothing answered: a hung Redis
or a full network, which only the REDIS_TIMEOUT socket timeout ends). During the
outage every public URL is crawled, a member signs up, confirms and cancels, asks for
«le mie iscrizioni», and an editor (this process, through the ORM, firing the admin's
signals) unpublishes an article and publishes a new one. Then Redis comes back with
the data it had: the first request to every URL the change touches must show it.
"""

import html
from pprint import pformat

import pytest

from tests.faults import content as c
from tests.faults import stack as s

# A page under a silent Redis: every cache command gives up after REDIS_TIMEOUT; a page
# makes a handful of them. Far below gunicorn's 30 s worker timeout.
SILENT_PAGE_SECONDS = 40 * s.REDIS_TIMEOUT

OUTAGES = {
    # mode: (the article unpublished during it, the article published during it)
    "refused": ("Laboratori di quartiere per ragazzi", "Orti condivisi in periferia"),
    "silent": ("Giochi in cortile per ragazzi", "Biblioteche di condominio aperte"),
}


def touched_paths(stack, word: str) -> list[str]:
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


@pytest.mark.parametrize("mode", ["refused", "silent"])
def test_redis_outage(stack, mode):
    gone_title, new_title = OUTAGES[mode]
    gone_word, new_word = gone_title.split()[2], new_title.split()[0]
    gone = c.fault_article(stack, gone_title, days_ago=0)
    client = stack.client()

    # Before: every page cached, the article on every listing.
    c.crawl(stack)
    before = [client.get(path) for path in [gone.url, *touched_paths(stack, gone_word)]]
    assert [a.path for a in before if a.status != 200 or not shows(a, gone_title)] == []
    assert client.get(gone.url).header("X-Page-Cache") == "hit"

    relay = stack.redis_relay
    (relay.refuse if mode == "refused" else relay.silence)()
    try:
        during = c.crawl(stack)
        journey = c.member_journey(stack, client, f"redis-{mode}")
        # The editor, meanwhile: one article unpublished, one published.
        gone.unpublish()
        new = c.fault_article(stack, new_title, days_ago=0)
        changed = [client.get(gone.url), client.get(new.url)]
        c.mail_settled(stack)
    finally:
        relay.restore()

    problems = {}
    if wrong := c.not_healthy(stack, during + journey):
        problems["during the outage, not as when healthy"] = wrong
    slowest = max(during + journey, key=lambda answer: answer.seconds)
    print(f"Redis {mode}: the slowest answer {slowest.path} in {slowest.seconds:.2f} s")  # noqa: T201
    if mode == "silent" and slowest.seconds >= SILENT_PAGE_SECONDS:
        problems["slower than the socket timeout allows"] = (slowest.path, slowest.seconds)
    if [a.status for a in changed] != [404, 200]:
        problems["the change not shown during the outage"] = [(a.path, a.status) for a in changed]

    # Redis back, with the entries and versions it had before: the first request to each
    # URL the changes touch shows them.
    stale = []
    answer = client.get(gone.url)
    if answer.status != 404:
        stale.append((gone.url, answer.status, answer.header("X-Page-Cache")))
    answer = client.get(new.url)
    if answer.status != 200:
        stale.append((new.url, answer.status, answer.header("X-Page-Cache")))
    for path in touched_paths(stack, gone_word):
        answer = client.get(path)
        if answer.status != 200 or shows(answer, gone_title):
            stale.append((path, answer.status, answer.header("X-Page-Cache"), "still shows"))
    for path in touched_paths(stack, new_word):
        answer = client.get(path)
        if answer.status != 200 or not shows(answer, new_title):
            stale.append((path, answer.status, answer.header("X-Page-Cache"), "lacks the new"))
    if stale:
        problems["stale on the first request after Redis came back"] = stale

    after = c.crawl(stack)
    if wrong := c.not_healthy(stack, after):
        problems["after the outage, not as when healthy"] = wrong
    c.member_journey(stack, client, f"after-redis-{mode}")
    c.mail_settled(stack)
    assert not problems, pformat(problems, width=100)
