"""``python manage.py teams_sync``: the Teams work that is due, through Microsoft Graph.

Run by ``run_periodic_jobs`` every minute. It creates or updates the meetings whose sync
a task left undone (a retry due after an error, a task lost or killed midway), and
brings back the attendance of webinars that ended, every 15 minutes until the reports
stop changing (``events.teams.attendance``). Idempotent: a second run finds nothing
due. Without the ``TEAMS_GRAPH_*`` settings it does nothing.
"""

from django.core.management.base import BaseCommand

from events.teams.attendance import attendance_due, attendance_sync
from events.teams.client import graph_enabled
from events.teams.meetings import meeting_sync, meetings_due


def summary(outcomes: list[str]) -> str:
    counts = {outcome: outcomes.count(outcome) for outcome in sorted(set(outcomes))}
    return ", ".join(f"{count} {outcome}" for outcome, count in counts.items()) or "none due"


class Command(BaseCommand):
    help = "Sync due Teams meetings and bring back ended webinars' attendance (Graph)."

    def handle(self, *args, **options):
        if not graph_enabled():
            self.stdout.write("Microsoft Graph is not configured (TEAMS_GRAPH_*): nothing to do.")
            return
        meetings = [meeting_sync(webinar_id=webinar_id) for webinar_id in meetings_due()]
        self.stdout.write(f"Teams meetings: {summary(meetings)}.")
        attendance = [attendance_sync(webinar_id=webinar_id) for webinar_id in attendance_due()]
        self.stdout.write(f"Teams attendance: {summary(attendance)}.")
