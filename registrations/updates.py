"""Tell confirmed registrants when an editor publishes a change they must know about.

``events`` does not import this app: registrations listens to Wagtail's
``page_published`` signal instead. Each registrant remembers a fingerprint of what
their last invitation or update said (start, end, join link, status); a publication
that changes none of these sends nothing, and one that does sends each confirmed
registrant exactly one update, or a cancellation when the webinar is cancelled.
"""

import logging

from django.db import transaction
from django.utils.translation import gettext as _

from wagtail.models import PageLogEntry

from events.models import WebinarPage, schedule_label
from registrations import emails, invitations
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


def describe_changes(before: WebinarPage | None, after: WebinarPage) -> list[str]:
    """What changed, in words for the e-mail; empty when the old version is unknown."""
    if before is None:
        return []
    changes = []
    if (before.start, before.end) != (after.start, after.end):
        changes.append(
            _("Date and time: now %(when)s (before: %(before)s)")
            % {
                "when": schedule_label(after.start, after.end),
                "before": schedule_label(before.start, before.end),
            }
        )
    if before.teams_join_url != after.teams_join_url:
        changes.append(_("The meeting link has changed: use the link below."))
    if before.status != after.status:
        changes.append(_("The webinar is confirmed again."))
    return changes


def webinar_changed(*, webinar_id: int, revision=None) -> int:
    """Send the updates a publication calls for; return how many were queued."""
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
        changes = None
        for registration in registrations:
            registration.webinar = webinar
            prefix = "cancel" if webinar.is_cancelled else "update"
            key = f"{prefix}-{registration.pk}-{fingerprint}"
            if not EmailMessage.objects.filter(dedupe_key=key).exists():
                if webinar.is_cancelled:
                    message = emails.queue_cancellation(
                        registration, had_seat=True, webinar_cancelled=True, dedupe_key=key
                    )
                else:
                    if changes is None:
                        changes = describe_changes(previous_published(webinar, revision), webinar)
                    registration.ics_sequence += 1
                    registration.save(update_fields=["ics_sequence", "updated_at"])
                    message = emails.queue_update(registration, changes=changes, dedupe_key=key)
                queued += message is not None
            registration.invited_fingerprint = fingerprint
            registration.save(update_fields=["invited_fingerprint", "updated_at"])
    if queued:
        logger.info("Webinar %s changed: %s registrants told", webinar_id, queued)
    return queued


def on_page_published(sender, instance, revision=None, **kwargs) -> None:
    """``page_published`` receiver, connected for ``WebinarPage`` in ``apps.py``."""
    webinar_changed(webinar_id=instance.pk, revision=revision)
