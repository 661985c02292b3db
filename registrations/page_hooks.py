"""How registrations shows up on a webinar page, through the hooks ``events`` offers."""

from django.utils.translation import gettext as _

from wagtail import hooks

from events.models import PAGE_CONTEXT_HOOK, SEATS_TAKEN_HOOK, RegistrationState
from events.teams.attendance import ATTENDANCE_HOOK
from events.teams.meetings import MEETING_CHANGED_HOOK
from registrations import attendance, selectors, updates
from registrations.forms import RegistrationForm
from registrations.models import AttendanceRecord


@hooks.register(SEATS_TAKEN_HOOK)
def confirmed_registrations(webinar) -> int:
    return selectors.seats_taken(webinar.pk)


@hooks.register(MEETING_CHANGED_HOOK)
def tell_registrants_of_the_meeting(webinar_id: int) -> None:
    """The site created (or removed) the webinar's Teams meeting: confirmed registrants'
    calendar entries get its address, through the usual update (SEQUENCE raised once)."""
    updates.webinar_changed(
        webinar_id=webinar_id,
        changes=[
            _("The Teams meeting is ready: its link is in this message and in your calendar.")
        ],
    )


@hooks.register(ATTENDANCE_HOOK)
def import_teams_attendance(webinar_id: int, reports: list[dict]) -> None:
    """The meeting's attendance reports, fetched from Graph by ``events.teams``."""
    for report in reports:
        attendance.import_report(
            webinar_id=webinar_id,
            source=AttendanceRecord.Source.GRAPH,
            report_key=f"graph:{report['id']}",
            attendees=attendance.attendees_from_graph(report.get("records") or []),
        )


@hooks.register(PAGE_CONTEXT_HOOK)
def registration_form(webinar, request, context) -> dict:
    """The sign-up form, only while registration is open (or full: waiting list).

    The preview of a webinar never saved has no form: it would post to a webinar that
    does not exist yet.
    """
    state = context.get("registration_state")
    if state not in (RegistrationState.OPEN, RegistrationState.FULL) or webinar.pk is None:
        return {}
    return {
        "registration_panel_template": "registrations/components/registration_form.html",
        "registration_form": RegistrationForm(webinar=webinar),
    }
