"""iCalendar (RFC 5545) data for webinars, built with ``icalendar``.

The public calendar never carries the Teams join link: readers get the page URL,
and only confirmed registrants get the link, in their personal invitation.
"""

from datetime import timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import strip_tags
from django.utils.text import slugify
from django.utils.translation import gettext as _

from icalendar import Calendar, Event

from events.models import WebinarPage

PRODID = "-//Gruppo Cooperativo CGM//cgmsite//IT"


def event_uid(webinar: WebinarPage) -> str:
    """Stable for the webinar's whole life, whatever its title or date becomes."""
    return f"webinar-{webinar.pk}@{urlsplit(settings.SITE_BASE_URL).hostname}"


def new_calendar(name: str = "") -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if name:
        calendar.add("x-wr-calname", name)
        calendar.add("name", name)
    calendar.add("x-wr-timezone", settings.TIME_ZONE)
    return calendar


def webinar_event(webinar: WebinarPage, url: str) -> Event:
    """The public VEVENT of a webinar: times in Europe/Rome, the page URL, no join link."""
    event = Event()
    event.add("uid", event_uid(webinar))
    event.add("dtstamp", timezone.now())
    event.add("dtstart", timezone.localtime(webinar.start))
    event.add("dtend", timezone.localtime(webinar.end))
    event.add("summary", webinar.title)
    summary = webinar.standfirst or strip_tags(webinar.abstract)[:500]
    # The date as the page and the e-mails write it (``schedule_label``), in Italian.
    with translation.override(settings.LANGUAGE_CODE):
        when = webinar.when_label
    event.add("description", "\n\n".join(part for part in (when, summary, url) if part))
    event.add("url", url)
    event.add("location", webinar.get_platform_display())
    event.add("sequence", webinar.sequence)
    if webinar.last_published_at:
        event.add("last-modified", webinar.last_published_at)
    event.add("status", "CANCELLED" if webinar.is_cancelled else "CONFIRMED")
    event.add("transp", "OPAQUE")
    if webinar.contact_email:
        event.add("contact", webinar.contact_email)
    return event


def webinars_calendar(webinars, *, name: str, request) -> Calendar:
    calendar = new_calendar(name)
    webinars = list(webinars)
    for webinar in webinars:
        calendar.add_component(webinar_event(webinar, webinar.get_full_url(request)))
    add_timezone(calendar, [w.start for w in webinars], [w.end for w in webinars])
    return calendar


def add_timezone(calendar: Calendar, starts, ends) -> None:
    """The Europe/Rome VTIMEZONE, with only the transitions the events need."""
    if starts:
        first = timezone.localtime(min(starts)).date() - timedelta(days=366)
        last = timezone.localtime(max(ends)).date() + timedelta(days=366)
        calendar.add_missing_timezones(first_date=first, last_date=last)


def ics_filename(text: str) -> str:
    return f"{slugify(text)[:60] or 'calendario'}.ics"


def feed_name(category=None) -> str:
    if category:
        return _("CGM webinars – %(category)s") % {"category": category.name}
    return _("CGM webinars")
