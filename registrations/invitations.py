"""The personal calendar invitation of one registrant, and the data that keeps it current.

Each registrant has one calendar event of their own: its UID never changes, its
SEQUENCE (``Registration.ics_sequence``) grows with every update or cancellation, so
that mail and calendar clients replace the event instead of adding a second one
(RFC 5546). Unlike the public calendar (``events.calendars``), this event carries the
person's join link and the Teams meeting URL: it is sent only to confirmed registrants.
"""

import hashlib
from datetime import UTC, timedelta
from email.utils import parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.translation import gettext as _

from icalendar import Alarm, Event, vCalAddress, vText

from events.calendars import add_timezone, new_calendar
from events.models import WebinarPage
from registrations.models import Registration

REQUEST = "REQUEST"
CANCEL = "CANCEL"
ALARM_BEFORE = timedelta(minutes=15)


def webinar_fingerprint(webinar: WebinarPage) -> str:
    """What a registrant must hear about when it changes: times, join link, status."""
    # The meeting the site created for a webinar is deleted after its cancellation has
    # gone out: that is no further news.
    own_meeting_gone = webinar.is_cancelled and webinar.creates_teams_meeting
    parts = [
        webinar.start.astimezone(UTC).isoformat(),
        webinar.end.astimezone(UTC).isoformat(),
        "" if own_meeting_gone else webinar.meeting_join_url,
        webinar.status,
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def schedule_fingerprint(webinar: WebinarPage) -> str:
    """What a person on the waiting list must hear about: the times (no link, no invite)."""
    parts = [
        "schedule",
        webinar.start.astimezone(UTC).isoformat(),
        webinar.end.astimezone(UTC).isoformat(),
    ]
    return hashlib.sha256("|".join(parts).encode()).hexdigest()


def event_uid(registration: Registration) -> str:
    host = urlsplit(settings.SITE_BASE_URL).hostname
    return f"webinar-{registration.webinar_id}-registration-{registration.pk}@{host}"


def join_link(registration: Registration) -> str:
    """The personal address that redirects to the meeting: ``/webinar/entra/<token>/``."""
    return f"{settings.SITE_BASE_URL}{reverse('join', args=[registration.join_token])}"


def organizer(site) -> vCalAddress:
    address = site.contact_email or parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    person = vCalAddress(f"mailto:{address}")
    person.params["CN"] = vText(site.organisation_name or "Gruppo Cooperativo CGM")
    return person


def attendee(registration: Registration) -> vCalAddress:
    person = vCalAddress(f"mailto:{registration.email}")
    person.params["CN"] = vText(registration.full_name or registration.email)
    person.params["ROLE"] = vText("REQ-PARTICIPANT")
    person.params["PARTSTAT"] = vText("NEEDS-ACTION")
    person.params["RSVP"] = vText("FALSE")
    return person


def registration_ics(registration: Registration, *, method: str, site, webinar_url: str) -> str:
    """The VCALENDAR for one registrant: METHOD:REQUEST (invite, update) or CANCEL.

    A REQUEST carries the personal join link (URL, DESCRIPTION) and the Teams meeting
    URL (``X-MICROSOFT-SKYPETEAMSMEETINGURL``, which Outlook shows as a join button);
    a CANCEL carries neither: it only removes the event.
    """
    webinar = registration.webinar
    calendar = new_calendar()
    calendar.add("method", method)
    event = Event()
    event.add("uid", event_uid(registration))
    event.add("sequence", registration.ics_sequence)
    event.add("dtstamp", timezone.now())
    event.add("dtstart", timezone.localtime(webinar.start))
    event.add("dtend", timezone.localtime(webinar.end))
    event.add("summary", webinar.title)
    event.add("organizer", organizer(site))
    event.add("attendee", attendee(registration))
    event.add("location", "Microsoft Teams")
    event.add("transp", "OPAQUE")
    summary = webinar.standfirst or strip_tags(webinar.abstract)[:500]
    with translation.override(settings.LANGUAGE_CODE):
        # The date as the page and the e-mails write it (``events.models.schedule_label``).
        when = webinar.when_label
        join = _("Join the webinar: %(url)s")
    if method == CANCEL:
        event.add("status", "CANCELLED")
        event.add("description", "\n\n".join(p for p in (when, summary, webinar_url) if p))
    else:
        personal = join_link(registration)
        event.add("status", "CONFIRMED")
        event.add("url", personal)
        event.add(
            "description",
            "\n\n".join(part for part in (when, summary, join % {"url": personal}) if part),
        )
        teams_url = webinar.meeting_join_url
        if teams_url:
            event.add("x-microsoft-skypeteamsmeetingurl", teams_url)
        alarm = Alarm()
        alarm.add("action", "DISPLAY")
        alarm.add("description", webinar.title)
        alarm.add("trigger", -ALARM_BEFORE)
        event.add_component(alarm)
    calendar.add_component(event)
    add_timezone(calendar, [webinar.start], [webinar.end])
    return calendar.to_ical().decode()
