"""Bring a Teams meeting's attendance back after the webinar, through Microsoft Graph.

``attendance_sync`` reads the meeting's attendance reports (one per session: a meeting
restarted makes a second) and each report's records, page by page, and hands them to
the ``ATTENDANCE_HOOK`` hooks (the registrations app matches them to registrants). It
knows webinars, never registrations.

``teams_sync`` runs it every 15 minutes for each ended webinar whose meeting the site
created, until the reports have not changed for a day: Teams publishes them minutes
after the end and adds one if the meeting starts again. Reports that did not change
since the last run are not handed over again, and importing the same reports twice
changes nothing anyway.
"""

import hashlib
import json
import logging
from datetime import timedelta

from django.db.models import F, Q
from django.utils import timezone

from wagtail import hooks

from events.teams.client import GraphClient, GraphError
from events.teams.models import TeamsMeeting

logger = logging.getLogger(__name__)

# ``fn(webinar_id, reports)``: each report is Graph's ``meetingAttendanceReport`` with its
# ``attendanceRecord`` objects under "records".
ATTENDANCE_HOOK = "webinar_attendance_reports"
# Teams needs a few minutes after the end to publish a report.
FIRST_CHECK_AFTER = timedelta(minutes=5)
CHECK_EVERY = timedelta(minutes=15)
# Checking stops once the reports have been the same for this long.
SETTLED_AFTER = timedelta(hours=24)


def fetch_reports(client: GraphClient, meeting_id: str) -> list[dict]:
    base = client.user_path(f"onlineMeetings/{meeting_id}/attendanceReports")
    reports = list(client.pages(base))
    for report in reports:
        report["records"] = list(client.pages(f"{base}/{report['id']}/attendanceRecords"))
    return reports


def digest(reports: list[dict]) -> str:
    return hashlib.sha256(json.dumps(reports, sort_keys=True).encode()).hexdigest()


def attendance_sync(*, webinar_id: int, now=None) -> str:
    """Fetch the webinar's attendance reports; hand them over if they changed."""
    now = now or timezone.now()
    client = GraphClient.from_settings()
    meeting = TeamsMeeting.objects.filter(webinar_id=webinar_id).exclude(meeting_id="").first()
    if client is None or meeting is None:
        return "off"
    try:
        reports = fetch_reports(client, meeting.meeting_id)
    except GraphError as error:
        logger.warning(
            "Webinar %s: attendance not fetched (%s)",
            webinar_id,
            f"HTTP {error.status} {error.code}".strip() if error.status else error.detail,
        )
        TeamsMeeting.objects.filter(pk=meeting.pk).update(
            attendance_checked_at=now, attendance_error=str(error)
        )
        return "error"
    fields = {"attendance_checked_at": now, "attendance_error": ""}
    outcome = "unchanged"
    new_digest = digest(reports)
    if reports and new_digest != meeting.attendance_digest:
        for fn in hooks.get_hooks(ATTENDANCE_HOOK):
            fn(webinar_id, reports)
        fields.update(attendance_digest=new_digest, attendance_changed_at=now)
        outcome = "imported"
        logger.info("Webinar %s: %s attendance report(s) imported", webinar_id, len(reports))
    TeamsMeeting.objects.filter(pk=meeting.pk).update(**fields)
    return outcome


def attendance_due(now=None) -> list[int]:
    """Ended webinars whose meeting's attendance should be fetched now."""
    now = now or timezone.now()
    meetings = TeamsMeeting.objects.filter(
        ready=True,
        webinar__live=True,
        webinar__end__lte=now - FIRST_CHECK_AFTER,
    ).exclude(meeting_id="")
    not_checked_lately = Q(attendance_checked_at__isnull=True) | Q(
        attendance_checked_at__lte=now - CHECK_EVERY
    )
    # Still changing: no report yet within a day of the end, or one changed within a day.
    unsettled = Q(attendance_changed_at__isnull=True, webinar__end__gt=now - SETTLED_AFTER) | Q(
        attendance_changed_at__gt=now - SETTLED_AFTER
    )
    return list(
        meetings.filter(not_checked_lately, unsettled)
        .order_by(F("webinar__end").asc())
        .values_list("webinar_id", flat=True)
    )
