"""Keep a webinar's Teams meeting in step with the webinar, through Microsoft Graph.

``meeting_sync`` is the one entry point (a background task after each publish, and the
periodic ``teams_sync`` for whatever a task left undone). It is idempotent and safe to
run twice at once or to kill midway:

- the meeting is created with ``createOrGet`` and the webinar's stable ``externalId``:
  a retry, or a second worker, gets the same meeting, never a second one;
- its subject, times and settings are sent with ``PATCH`` only when they differ from
  what was last sent (``TeamsMeeting.synced``);
- a cancelled webinar's meeting is deleted; should the webinar be reinstated, it gets a
  new meeting (a new ``externalId``).

No database lock is held while Graph answers (up to ``TEAMS_GRAPH_TIMEOUT`` seconds):
the calls are idempotent, and a lock would stall every write on SQLite.

It knows webinars, never registrations: when the join address changes it calls the
``MEETING_CHANGED_HOOK`` hooks, and the registrations app updates its registrants.
"""

import logging
from datetime import UTC, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from wagtail import hooks

from events.teams.client import GraphClient, GraphError
from events.teams.models import TeamsMeeting

logger = logging.getLogger(__name__)

State = TeamsMeeting.State

# ``fn(webinar_id)`` once a webinar's join address has changed (a meeting created or gone).
MEETING_CHANGED_HOOK = "webinar_meeting_changed"
# Growing waits between attempts after a temporary error: 1, 2, 4 ... minutes, capped.
RETRY_MAX_MINUTES = 60
MAX_ATTEMPTS = 12


def graph_time(value) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def external_id(webinar, generation: int) -> str:
    """The webinar's stable id for ``createOrGet``: the same on every retry."""
    suffix = f"-{generation}" if generation else ""
    return f"cgmsite-webinar-{webinar.pk}{suffix}"


def meeting_body(webinar) -> dict:
    """What the meeting must say: the webinar's subject and times, the site's settings."""
    return {
        "subject": webinar.title[:255],
        "startDateTime": graph_time(webinar.start),
        "endDateTime": graph_time(webinar.end),
        # Guests who join by link are not left waiting in the lobby (configurable).
        "lobbyBypassSettings": {
            "scope": settings.TEAMS_LOBBY_BYPASS_SCOPE,
            "isDialInBypassEnabled": True,
        },
        "allowedPresenters": settings.TEAMS_ALLOWED_PRESENTERS,
        "isEntryExitAnnounced": False,
    }


def meeting_sync(*, webinar_id: int, now=None) -> str:
    """Create, update or delete the webinar's meeting as it needs; say what happened."""
    from events.models import WebinarPage

    now = now or timezone.now()
    client = GraphClient.from_settings()
    webinar = WebinarPage.objects.filter(pk=webinar_id).first()
    if client is None or webinar is None or not webinar.creates_teams_meeting:
        return "off"
    meeting, _created = TeamsMeeting.objects.get_or_create(webinar=webinar)
    try:
        if webinar.is_cancelled:
            outcome = delete(client, meeting)
        elif not webinar.live:
            return "not-live"  # unpublished: the meeting waits, as the page may come back
        else:
            outcome = create_or_update(client, meeting, webinar)
    except GraphError as error:
        return record_failure(meeting, error, now)
    if outcome in ("created", "updated") and meeting.join_url:
        # Registrants hear of the meeting's address once: the hooks compare it with what
        # each was told (a create whose PATCH failed is told on the retry that succeeds).
        transaction.on_commit(lambda: meeting_changed(webinar.pk))
    return outcome


def create_or_update(client: GraphClient, meeting: TeamsMeeting, webinar) -> str:
    body = meeting_body(webinar)
    outcome = "unchanged"
    path = "onlineMeetings"
    if not meeting.meeting_id:
        meeting.external_id = external_id(webinar, meeting.generation)
        # createOrGet takes the documented fields only; the settings follow by PATCH.
        answer = client.call(
            "POST",
            client.user_path(f"{path}/createOrGet"),
            body={
                "externalId": meeting.external_id,
                "subject": body["subject"],
                "startDateTime": body["startDateTime"],
                "endDateTime": body["endDateTime"],
            },
        )
        meeting.meeting_id = answer["id"]
        meeting.join_url = answer.get("joinWebUrl") or ""
        meeting.synced = {}
        outcome = "created"
        logger.info("Webinar %s: Teams meeting created", webinar.pk)
    if meeting.synced != body:
        try:
            answer = client.call(
                "PATCH", client.user_path(f"{path}/{meeting.meeting_id}"), body=body
            )
        except GraphError as error:
            if error.status != 404 or outcome == "created":
                raise
            # Deleted in Teams meanwhile: a new meeting (a new externalId, as the old one
            # may still name the deleted meeting); registrants are told its address.
            logger.warning("Webinar %s: the Teams meeting was deleted in Teams", webinar.pk)
            meeting.meeting_id = ""
            meeting.ready = False
            meeting.generation += 1
            return create_or_update(client, meeting, webinar)
        meeting.join_url = answer.get("joinWebUrl") or meeting.join_url
        meeting.synced = body
        outcome = "created" if outcome == "created" else "updated"
    meeting.state = State.CREATED
    meeting.ready = True
    meeting.error = ""
    meeting.attempts = 0
    meeting.next_attempt_at = None
    meeting.save()
    return outcome


def delete(client: GraphClient, meeting: TeamsMeeting) -> str:
    if meeting.state == State.DELETED and not meeting.meeting_id:
        return "unchanged"
    if meeting.meeting_id:
        try:
            client.call("DELETE", client.user_path(f"onlineMeetings/{meeting.meeting_id}"))
        except GraphError as error:
            if error.status != 404:  # already gone: what a cancellation wants
                raise
    meeting.state = State.DELETED
    meeting.ready = False
    meeting.meeting_id = ""
    meeting.join_url = ""
    meeting.synced = {}
    meeting.generation += 1
    meeting.error = ""
    meeting.attempts = 0
    meeting.next_attempt_at = None
    meeting.save()
    return "deleted"


def retry_delay(attempts: int, error: GraphError) -> timedelta:
    if error.retry_after is not None:
        return timedelta(seconds=max(error.retry_after, 1))
    return timedelta(minutes=min(2 ** max(attempts - 1, 0), RETRY_MAX_MINUTES))


def record_failure(meeting: TeamsMeeting, error: GraphError, now) -> str:
    """Keep the error for the editor; try again later if it may pass by itself."""
    meeting.attempts += 1
    meeting.error = str(error)
    logger.warning(
        "Webinar %s: Microsoft Graph error (%s, attempt %s)",
        meeting.webinar_id,
        f"HTTP {error.status} {error.code}".strip() if error.status else error.detail,
        meeting.attempts,
    )
    if error.temporary and meeting.attempts < MAX_ATTEMPTS:
        meeting.state = State.PENDING
        meeting.next_attempt_at = now + retry_delay(meeting.attempts, error)
        meeting.save()
        transaction.on_commit(lambda: enqueue_sync(meeting.webinar_id, meeting.next_attempt_at))
        return "retry"
    meeting.state = State.FAILED
    meeting.next_attempt_at = None
    meeting.save()
    return "failed"


def enqueue_sync(webinar_id: int, run_after=None) -> None:
    """Run ``meeting_sync`` in the background (at ``run_after`` when the queue can wait)."""
    from events.tasks import sync_teams_meeting

    task = sync_teams_meeting
    if run_after is not None:
        if not task.get_backend().supports_defer:
            return  # ``teams_sync`` picks it up once it is due
        task = task.using(run_after=run_after)
    task.enqueue(webinar_id)


def needs_sync(meeting: TeamsMeeting, webinar) -> bool:
    if webinar.is_cancelled:
        return bool(meeting.meeting_id) or meeting.state != State.DELETED
    if meeting.state != State.CREATED:  # an error, or a sync never finished: try again
        return True
    return not meeting.meeting_id or meeting.synced != meeting_body(webinar)


def meeting_requested(webinar) -> None:
    """After a publish: sync the meeting in the background if it must change.

    The row says "pending" until the sync is done, so that ``teams_sync`` finishes what a
    lost or killed task left; a publish after an error is the editor's retry.
    """
    if not webinar.creates_teams_meeting:
        return
    meeting, _created = TeamsMeeting.objects.get_or_create(webinar=webinar)
    if not needs_sync(meeting, webinar):
        return
    TeamsMeeting.objects.filter(pk=meeting.pk).update(
        state=State.PENDING, attempts=0, next_attempt_at=None
    )
    transaction.on_commit(lambda: enqueue_sync(webinar.pk))


def meetings_due(now=None) -> list[int]:
    """Webinars whose meeting sync is due: retries, and syncs a lost task never finished."""
    now = now or timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now)
    return list(
        TeamsMeeting.objects.filter(due, state=State.PENDING)
        .order_by("pk")
        .values_list("webinar_id", flat=True)
    )


def meeting_changed(webinar_id: int) -> None:
    for fn in hooks.get_hooks(MEETING_CHANGED_HOOK):
        fn(webinar_id)


def on_page_published(sender, instance, **kwargs) -> None:
    """``page_published`` receiver, connected for ``WebinarPage`` in ``events/apps.py``."""
    meeting_requested(instance)
