"""Microsoft Graph answering 503, 429 with Retry-After, or not at all, under the real site.

A webinar set to create its Teams meeting is published (this process: the admin's
publish and its signal); the Teams worker (``db_worker --backend email --queue-name
teams``) calls the local Graph, which fails as scripted. Meanwhile the site answers as
usual and a member signs up: her join link says the meeting is not ready (a 5xx only
as the documented 503 with Retry-After, which link checkers and browsers may honour).
Then Graph answers again and the retry is due (the 429's no sooner than its Retry-After,
the others a minute on: the clock is moved on to it): the one meeting created reaches
the member, whose join link now leads to it.
"""

from pprint import pformat

from django.utils import timezone

import pytest

from events.teams.models import TeamsMeeting
from tests.events.factories import WebinarPageFactory
from tests.faults import content as c
from tests.faults import stack as s

# Graph's Retry-After on its 429: long enough for the checks made meanwhile.
RETRY_AFTER = 30

FAULTS = {
    "503": lambda graph: graph.fail(
        "createOrGet", 503, code="ServiceUnavailable", message="Service Unavailable"
    ),
    "429": lambda graph: graph.fail(
        "createOrGet", 429, code="TooManyRequests", headers={"Retry-After": str(RETRY_AFTER)}
    ),
    # Longer than TEAMS_GRAPH_TIMEOUT: the worker gives up (Graph makes the meeting anyway).
    "silent": lambda graph: graph.slow("createOrGet", s.GRAPH_TIMEOUT + 2),
}


def meeting(webinar) -> TeamsMeeting | None:
    return TeamsMeeting.objects.filter(webinar=webinar).first()


@pytest.mark.parametrize("fault", list(FAULTS))
def test_graph_failing(stack, fault):
    graph = stack.graph
    client = stack.client()
    FAULTS[fault](graph)
    webinar = WebinarPageFactory(
        parent=stack.content.webinar_index,
        title=f"Bilancio sociale e Teams ({fault})",
        teams_meeting_mode="automatic",
        teams_join_url="",
        contact_email="segreteria.webinar@cgm.coop",
    )
    external = f"cgmsite-webinar-{webinar.pk}"

    def failed_once():
        row = meeting(webinar)
        return row is not None and row.attempts >= 1 and row.error and row

    failed = s.wait_until(
        failed_once, timeout=60, what="the Teams worker's failed call", log=stack.logs
    )
    seen = timezone.now()
    problems = {}
    if failed.state != TeamsMeeting.State.PENDING or failed.next_attempt_at is None:
        problems["the failure is not kept for a retry"] = (failed.state, failed.next_attempt_at)
    elif fault == "429":
        # The next attempt no sooner than Graph asked (Retry-After), and not much later.
        wait = (failed.next_attempt_at - seen).total_seconds()
        if not RETRY_AFTER - 5 <= wait <= RETRY_AFTER:
            problems["Retry-After not followed"] = wait

    # Meanwhile: every page as usual, and a member signs up and confirms.
    email = c.address(f"graph-{fault}")
    during = c.crawl(stack) + [client.get(webinar.url)]
    signup = client.post(f"/iscrizioni/webinar/{webinar.pk}/", {**c.FORM, "email": email})
    confirm = c.mail_link(stack, email, s.CONFIRM)
    during += [signup, client.post(confirm, {})]
    join = c.mail_link(stack, email, s.JOIN)
    not_ready = client.get(join)
    if wrong := c.not_healthy(stack, during):
        problems["pages while Graph fails"] = wrong
    if [signup.status, during[-1].status] != [302, 200]:
        problems["the member's journey"] = (signup.status, during[-1].status)
    # «Meeting not ready yet»: a 5xx only as the documented 503 with Retry-After.
    if wrong := c.server_errors([not_ready], allow_503=True):
        problems["the join link before the meeting exists"] = wrong

    # Graph answers again; the retry is due (the clock moved on to it).
    c.advance_clock(webinar_id=webinar.pk)

    def created():
        row = meeting(webinar)
        return row is not None and row.state == TeamsMeeting.State.CREATED and row

    done = s.wait_until(created, timeout=60, what="the meeting created", log=stack.logs)
    made = [m for m in graph.meetings.values() if m["externalId"].startswith(external)]
    if len(made) != 1:
        problems["not exactly one Teams meeting"] = made
    if len(graph.seen("createOrGet")) < 2:
        problems["no retry"] = len(graph.seen("createOrGet"))
    c.mail_settled(stack)
    led = client.get(join)
    if led.status != 302 or led.header("Location") != done.join_url:
        problems["the join link after recovery"] = (led.status, led.header("Location"))
    assert not problems, pformat(problems, width=100)
