"""Follow-ups after a webinar: thanks and the certificate to attendees, «ci dispiace non
averti visto» to absentees, each sent once per person through the outbox.

Staff preview them first (``followups_preview``: who gets which message, and each
message as a sample recipient would read it), then send (``followups_send``), from the
webinar's attendance screen in the admin or ``manage.py send_followups WEBINAR_ID``.
Only confirmed registrants with an attendance get one: not those who cancelled, were
only on the waiting list, or have no attendance imported yet.
"""

from dataclasses import dataclass

from django.db import transaction

from events.models import WebinarPage
from registrations import emails
from registrations.certificates import certificate_issue, organiser_name
from registrations.models import AttendanceRecord, Certificate, Registration
from registrations.outbox import keys_in_outbox
from registrations.services import lock_webinar

Verdict = Registration.Attendance
PREVIEW = "anteprima"


def followup_key(registration: Registration) -> str:
    return f"followup-{registration.pk}"


def recipients(webinar: WebinarPage):
    return (
        Registration.objects.filter(
            webinar=webinar,
            status=Registration.Status.CONFIRMED,
            anonymised_at__isnull=True,
        )
        .exclude(attendance="")
        .select_related("webinar")
        .order_by("last_name", "first_name", "pk")
    )


@dataclass
class Preview:
    attended: int
    partly: int
    absent: int
    already_sent: int
    samples: dict  # kind -> (subject, text) of a sample message
    ready: bool  # attendance imported for this webinar

    @property
    def total(self) -> int:
        return self.attended + self.partly + self.absent


def followups_preview(*, webinar: WebinarPage) -> Preview:
    """Counts, and one message of each kind as it will be sent, nothing written."""
    people = list(recipients(webinar))
    sent_keys = keys_in_outbox([followup_key(registration) for registration in people])
    waiting = [person for person in people if followup_key(person) not in sent_keys]
    samples = {}
    for registration in waiting:
        if registration.attendance in samples:
            continue
        # A stand-in certificate, never saved: the preview writes nothing.
        certificate = None
        if registration.attendance == Verdict.ATTENDED:
            certificate = Certificate(code="CGM-XXXX-XXXX-XXXX", download_token=PREVIEW)
        context = {
            **emails.base_context(registration),
            **emails.followup_context(registration, certificate),
        }
        subject, text, _html = emails.render(emails.followup_kind(registration), context)
        samples[registration.attendance] = (subject, text)
    return Preview(
        attended=sum(r.attendance == Verdict.ATTENDED for r in waiting),
        partly=sum(r.attendance == Verdict.PARTLY for r in waiting),
        absent=sum(r.attendance == Verdict.ABSENT for r in waiting),
        already_sent=len(people) - len(waiting),
        samples=samples,
        ready=AttendanceRecord.objects.filter(webinar=webinar).exists(),
    )


def followups_send(*, webinar: WebinarPage) -> int:
    """Issue attendees' certificates and queue every follow-up not yet sent; how many."""
    organiser = organiser_name()
    queued = 0
    with transaction.atomic():
        webinar = lock_webinar(webinar.pk)
        for registration in recipients(webinar).select_for_update(of=("self",)):
            # A savepoint: when the outbox already has this person's follow-up (its key
            # decides), the certificate issued with it is not issued now either.
            with transaction.atomic():
                certificate = None
                if registration.attendance == Verdict.ATTENDED:
                    certificate = certificate_issue(registration=registration, organiser=organiser)
                message = emails.queue_followup(
                    registration, certificate=certificate, dedupe_key=followup_key(registration)
                )
                if message is None:
                    transaction.set_rollback(True)
            queued += message is not None
    return queued
