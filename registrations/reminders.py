"""Reminders before a webinar starts, each sent once per registrant and offset.

``send_reminders`` is a periodic job (``manage.py send_reminders``, e.g. every five
minutes). It is idempotent: every reminder carries a ``dedupe_key``, so running it twice
or late sends each reminder once. Run late, it sends only the nearest reminder due
(not the 24-hour one an hour before the start); once the webinar has started it
sends nothing.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from events.models import WebinarPage
from registrations import emails
from registrations.models import Registration
from registrations.services import lock_webinar

logger = logging.getLogger(__name__)


def reminder_key(registration: Registration, offset: timedelta) -> str:
    return f"reminder-{registration.pk}-{int(offset.total_seconds())}"


def starts_phrase(start, now) -> str:
    """When the webinar starts, as the reminder says it, in Italian time: «domani alle
    10:30», «oggi alle 10:30» on the same day, «lunedì 1 dicembre 2026 alle 10:30» else.

    "Today" and "tomorrow" are the days of ``now`` (when the reminder is written) on the
    calendar in Rome, not 24-hour spans: 23:00 for 09:00 the next morning is "domani".
    """
    start, now = timezone.localtime(start), timezone.localtime(now)
    time = dateformat.format(start, "H:i")
    with override(settings.LANGUAGE_CODE):
        days = (start.date() - now.date()).days
        if days == 0:
            return _("today at %(time)s") % {"time": time}
        if days == 1:
            return _("tomorrow at %(time)s") % {"time": time}
        day = dateformat.format(start, "l j F Y").lower()
        return _("on %(day)s at %(time)s") % {"day": day, "time": time}


def due_offset(offsets: list[timedelta], start, now) -> timedelta | None:
    """The smallest offset whose time has come: the reminder that is still timely."""
    due = [offset for offset in offsets if start - offset <= now < start]
    return min(due) if due else None


def send_reminders(*, now=None) -> int:
    """Queue the reminders due now; return how many were queued."""
    now = now or timezone.now()
    offsets = list(settings.REGISTRATION_REMINDERS)
    if not offsets:
        return 0
    webinar_ids = (
        WebinarPage.objects.live()
        .filter(
            status=WebinarPage.Status.SCHEDULED,
            start__gt=now,
            start__lte=now + max(offsets),
        )
        .values_list("pk", flat=True)
    )
    queued = 0
    for webinar_id in webinar_ids:
        queued += remind_webinar(webinar_id, offsets, now)
    if queued:
        logger.info("%s reminders queued", queued)
    return queued


def remind_webinar(webinar_id: int, offsets: list[timedelta], now) -> int:
    """One webinar's reminders, under its row lock: check-then-insert is safe."""
    queued = 0
    with transaction.atomic():
        webinar = lock_webinar(webinar_id)
        if webinar.is_cancelled:
            return 0
        offset = due_offset(offsets, webinar.start, now)
        if offset is None:
            return 0
        registrations = Registration.objects.filter(
            webinar=webinar, status=Registration.Status.CONFIRMED
        ).order_by("pk")
        # «domani alle 10:30»: said from the day the reminder is written (``now``).
        starts = starts_phrase(webinar.start, now)
        for registration in registrations:
            # Whoever confirmed after this reminder's time has just had the invitation.
            if registration.confirmed_at and registration.confirmed_at > webinar.start - offset:
                continue
            registration.webinar = webinar
            key = reminder_key(registration, offset)
            queued += emails.queue_reminder(registration, dedupe_key=key, starts=starts) is not None
    return queued
