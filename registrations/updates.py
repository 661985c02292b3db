"""Tell registrants when an editor publishes a change they must know about.

``events`` does not import this app: registrations listens to Wagtail's
``page_published`` signal instead. Each registrant remembers a fingerprint of what
their last invitation or update said (start, end, join link, status); a publication
that changes none of these sends nothing, and one that does sends each confirmed
registrant exactly one update, or a cancellation when the webinar is cancelled.

People on the waiting list had no invitation: they hear of a new date or time (their
fingerprint covers only those) in a plain message, without calendar or join link. When
the webinar is cancelled its waiting list ends with it: each place there becomes a
cancelled registration (``services.waitlist_close``), and the person is told so. Should
the webinar be reinstated, they would sign up again; confirmed registrants keep their
status and are told the webinar is on again.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from wagtail.models import PageLogEntry

from events.models import WebinarPage, schedule_label
from registrations import emails, invitations, services
from registrations.models import EmailMessage, Registration
from registrations.services import lock_webinar

logger = logging.getLogger(__name__)


def previous_published(webinar: WebinarPage, revision) -> WebinarPage | None:
    """The webinar as it was last published before ``revision``, if Wagtail logged it."""
    entry = (
        PageLogEntry.objects.filter(page_id=webinar.pk, action="wagtail.publish")
        .exclude(revision=revision)
        .exclude(revision__isnull=True)
        .select_related("revision")
        .order_by("-timestamp", "-pk")
        .first()
    )
    if entry is None:
        return None
    try:
        return entry.revision.as_object()
    except Exception:  # an old revision that no longer loads: describe no detail
        return None


def describe_schedule_change(before: WebinarPage | None, after: WebinarPage) -> list[str]:
    """The new date and time and the old, in words; empty if the same or unknown."""
    if before is None or (before.start, before.end) == (after.start, after.end):
        return []
    return [
        _("Date and time: now %(when)s (before: %(before)s)")
        % {
            "when": schedule_label(after.start, after.end),
            "before": schedule_label(before.start, before.end),
        }
    ]


def describe_changes(before: WebinarPage | None, after: WebinarPage) -> list[str]:
    """What changed, in words for the e-mail; empty when the old version is unknown."""
    if before is None:
        return []
    changes = describe_schedule_change(before, after)
    if before.teams_join_url != after.teams_join_url:
        changes.append(_("The meeting link has changed: use the link below."))
    if before.status != after.status:
        changes.append(_("The webinar is confirmed again."))
    return changes


def webinar_changed(*, webinar_id: int, revision=None, changes: list[str] | None = None) -> int:
    """Send the updates a publication calls for; return how many were queued.

    ``changes`` says what changed when the caller knows (the Teams meeting created by the
    site); otherwise it is read from the revision published before ``revision``.
    """
    queued = 0
    with transaction.atomic():
        webinar = lock_webinar(webinar_id)
        fingerprint = invitations.webinar_fingerprint(webinar)
        registrations = (
            Registration.objects.select_for_update()
            .filter(webinar=webinar, status=Registration.Status.CONFIRMED)
            .exclude(invited_fingerprint=fingerprint)
            .order_by("pk")
        )
        for registration in registrations:
            registration.webinar = webinar
            prefix = "cancel" if webinar.is_cancelled else "update"
            # The sequence tells apart a return to an earlier state (moved there and
            # back, cancelled and reinstated and cancelled): each is news again.
            key = f"{prefix}-{registration.pk}-{registration.ics_sequence}-{fingerprint}"
            # Raised whether or not the outbox takes the message (its key decides): a
            # higher SEQUENCE than the person's calendar has is never wrong.
            services.raise_sequence(registration)
            if webinar.is_cancelled:
                message = emails.queue_cancellation(
                    registration, had_seat=True, webinar_cancelled=True, dedupe_key=key
                )
            else:
                if changes is None:
                    changes = describe_changes(previous_published(webinar, revision), webinar)
                message = emails.queue_update(registration, changes=changes, dedupe_key=key)
            queued += message is not None
            registration.invited_fingerprint = fingerprint
            registration.save(update_fields=["invited_fingerprint", "updated_at"])
        queued += tell_waiting_list(webinar, revision)
    if queued:
        logger.info("Webinar %s changed: %s registrants told", webinar_id, queued)
    return queued


def tell_waiting_list(webinar: WebinarPage, revision) -> int:
    """The waiting list's share of ``webinar_changed``, in its transaction (webinar locked)."""
    if webinar.is_cancelled:
        return len(services.waitlist_close(webinar=webinar))
    fingerprint = invitations.schedule_fingerprint(webinar)
    waiting = (
        Registration.objects.select_for_update()
        .filter(webinar=webinar, status=Registration.Status.WAITLISTED)
        .exclude(invited_fingerprint=fingerprint)
        .order_by("pk")
    )
    queued = 0
    before = changes = None
    for registration in waiting:
        registration.webinar = webinar
        if changes is None:
            before = previous_published(webinar, revision)
            changes = describe_schedule_change(before, webinar)
        # A place taken before waiting lists had a fingerprint: it was told the times
        # last published (if Wagtail logged them), so only a real move is news.
        told = registration.invited_fingerprint or invitations.schedule_fingerprint(
            before or webinar
        )
        if told != fingerprint:
            # Counted like the calendar's sequence, so that a move back to an earlier
            # time is news again.
            earlier = registration.emails.filter(kind=EmailMessage.Kind.WAITLIST_UPDATE).count()
            key = f"waitlist-update-{registration.pk}-{earlier}-{fingerprint}"
            message = emails.queue_waitlist_update(registration, changes=changes, dedupe_key=key)
            queued += message is not None
        registration.invited_fingerprint = fingerprint
        registration.save(update_fields=["invited_fingerprint", "updated_at"])
    return queued


def on_page_published(sender, instance, revision=None, **kwargs) -> None:
    """``page_published`` receiver, connected for ``WebinarPage`` in ``apps.py``."""
    webinar_changed(webinar_id=instance.pk, revision=revision)
