"""How a registration reads in the admin: its state in words and colours, and dates.

A registration's ``status`` says where it stands for the services; staff need a finer
word. Two cases share ``pending_confirmation`` and are told apart the way the services
tell them apart (``services.registration_confirm``): a member (or an address staff
approved) who has not clicked the confirmation link yet, and a non-member who got the
members-only reply and has not asked for access (no member organisation, never
approved: their link can confirm nothing). A confirmed registration whose attendance
has been imported reads as its attendance.

The colours are in ``registrations/static/registrations/css/admin.css``
(``.cgm-state--<state>``), dark text on a light ground, each pair above WCAG AA's
4.5:1 contrast.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Q, TextChoices
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, pgettext, pgettext_lazy, to_locale

from babel.dates import format_date, format_datetime

from registrations.models import Registration

Status = Registration.Status
Attendance = Registration.Attendance

# CLDR patterns: Italian writes day and month names in lower case, without a leading
# zero ("martedì 1 dicembre 2026, 10:30"); Babel knows that, Django's "F" does not.
DATETIME_PATTERN = "EEEE d MMMM y, HH:mm"
DATE_PATTERN = "EEEE d MMMM y"


class State(TextChoices):
    """A registration's state as staff read it; see ``state_of``."""

    AWAITING_CONFIRMATION = (
        "awaiting_confirmation",
        pgettext_lazy("registration state", "awaiting confirmation"),
    )
    AWAITING_APPROVAL = (
        "awaiting_approval",
        pgettext_lazy("registration state", "awaiting approval"),
    )
    MEMBERS_ONLY_SENT = (
        "members_only_sent",
        pgettext_lazy("registration state", "members-only reply sent"),
    )
    CONFIRMED = "confirmed", pgettext_lazy("registration state", "confirmed")
    WAITLISTED = "waitlisted", pgettext_lazy("registration state", "waiting list")
    CANCELLED = "cancelled", pgettext_lazy("registration state", "cancelled")
    REJECTED = "rejected", pgettext_lazy("registration state", "rejected")
    ATTENDED = "attended", pgettext_lazy("registration state", "attended")
    PARTLY = "partly", pgettext_lazy("registration state", "attended in part")
    ABSENT = "absent", pgettext_lazy("registration state", "absent")


ATTENDANCE_STATES = (State.ATTENDED, State.PARTLY, State.ABSENT)

_NOT_A_MEMBER = Q(member_organisation__isnull=True, approved_at__isnull=True)
_CONFIRMED = Q(status=Status.CONFIRMED)

# Each state as a query, for the list's filter; together they cover every row, once.
STATE_QUERIES = {
    State.AWAITING_CONFIRMATION: Q(status=Status.PENDING_CONFIRMATION) & ~_NOT_A_MEMBER,
    State.AWAITING_APPROVAL: Q(status=Status.PENDING_REVIEW),
    State.MEMBERS_ONLY_SENT: Q(status=Status.PENDING_CONFIRMATION) & _NOT_A_MEMBER,
    State.CONFIRMED: _CONFIRMED & Q(attendance=""),
    State.WAITLISTED: Q(status=Status.WAITLISTED),
    State.CANCELLED: Q(status=Status.CANCELLED),
    State.REJECTED: Q(status=Status.REJECTED),
    State.ATTENDED: _CONFIRMED & Q(attendance=Attendance.ATTENDED),
    State.PARTLY: _CONFIRMED & Q(attendance=Attendance.PARTLY),
    State.ABSENT: _CONFIRMED & Q(attendance=Attendance.ABSENT),
}


def state_of(registration: Registration) -> State:
    """The state staff see; the same rules as ``STATE_QUERIES``."""
    status = registration.status
    if status == Status.PENDING_CONFIRMATION:
        if registration.member_organisation_id is None and registration.approved_at is None:
            return State.MEMBERS_ONLY_SENT
        return State.AWAITING_CONFIRMATION
    if status == Status.CONFIRMED and registration.attendance:
        return State(registration.attendance)
    return {
        Status.PENDING_REVIEW: State.AWAITING_APPROVAL,
        Status.CONFIRMED: State.CONFIRMED,
        Status.WAITLISTED: State.WAITLISTED,
        Status.CANCELLED: State.CANCELLED,
        Status.REJECTED: State.REJECTED,
    }[status]


def state_label(registration: Registration) -> str:
    """«lista d'attesa (3°)», «ha partecipato (87 min)», «in attesa di approvazione», …"""
    state = state_of(registration)
    if state == State.WAITLISTED and registration.waitlist_place:
        return pgettext("registration state", "waiting list (no. %(position)d)") % {
            "position": registration.waitlist_place
        }
    if state in ATTENDANCE_STATES and registration.attended_seconds is not None:
        # «ha partecipato (87 min)»: the minutes from the Teams attendance.
        return f"{state.label} ({round(registration.attended_seconds / 60)} min)"
    return str(state.label)


def state_badge(registration: Registration) -> str:
    """The state as a coloured badge (``.cgm-state--<state>`` in the admin CSS)."""
    state = state_of(registration)
    return format_html(
        '<span class="cgm-state cgm-state--{}" data-state="{}">{}</span>',
        state.value.replace("_", "-"),
        state.value,
        state_label(registration),
    )


# Dates --------------------------------------------------------------------------------------


def _locale() -> str:
    return to_locale(get_language() or "it")


def long_datetime(value: datetime | None) -> str:
    """«martedì 1 dicembre 2026, 10:30», in Italian time; empty for no value."""
    if value is None:
        return ""
    local = timezone.localtime(value, timezone.get_default_timezone())
    return format_datetime(local, DATETIME_PATTERN, locale=_locale())


def long_date(value: date | datetime | None) -> str:
    """«martedì 1 dicembre 2026»."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = timezone.localtime(value, timezone.get_default_timezone())
    return format_date(value, DATE_PATTERN, locale=_locale())


def time_tag(value: datetime | None) -> str:
    """A list cell's date and time, «martedì 1 dicembre 2026, 10:30»."""
    if value is None:
        return ""
    return format_html('<time datetime="{}">{}</time>', value.isoformat(), long_datetime(value))


def breakable(text: str) -> str:
    """An address or a domain that may wrap only after its @ and dots, never inside a word."""
    return format_html_join(mark_safe("<wbr>"), "{}", ((part,) for part in email_parts(text)))


def email_cell(email: str) -> str:
    return format_html('<span class="cgm-email">{}</span>', breakable(email))


def email_parts(email: str) -> list[str]:
    """«luca.bianchi@gmail.com» → ["luca.", "bianchi@", "gmail.", "com"]: wrap points."""
    parts, current = [], ""
    for char in email:
        current += char
        if char in "@.":
            parts.append(current)
            current = ""
    if current:
        parts.append(current)
    return parts
