"""Reads about registrations that more than one place needs: counted here, once.

Seats are counted only here (``seats_taken``): the services that hand seats out, the
webinar page (through ``events``' ``SEATS_TAKEN_HOOK``) and the admin all ask this module.
"""

from django.db.models import Count, Q

from registrations.models import Registration

Status = Registration.Status


def seats_taken(webinar_id: int) -> int:
    """Confirmed registrations: the seats a webinar has given out."""
    return Registration.objects.filter(webinar_id=webinar_id, status=Status.CONFIRMED).count()


def webinar_counts(webinar) -> dict:
    """Confirmed, capacity, waiting list and access requests to review, in one query."""
    counts = Registration.objects.filter(webinar_id=webinar.pk).aggregate(
        confirmed=Count("pk", filter=Q(status=Status.CONFIRMED)),
        waitlisted=Count("pk", filter=Q(status=Status.WAITLISTED)),
        pending_review=Count("pk", filter=Q(status=Status.PENDING_REVIEW)),
    )
    return {**counts, "capacity": webinar.capacity}


def attendance_counts(webinar) -> dict:
    """Confirmed registrants by attendance verdict («attended», «partly», «absent»), one query."""
    Attendance = Registration.Attendance
    return Registration.objects.filter(webinar_id=webinar.pk, status=Status.CONFIRMED).aggregate(
        **{verdict: Count("pk", filter=Q(attendance=verdict)) for verdict in Attendance.values}
    )


def with_allowed_address_count(organisations):
    """Member organisations, each with ``allowed_address_total``: its allow-listed addresses."""
    return organisations.annotate(allowed_address_total=Count("allowed_addresses", distinct=True))


def person_registrations(email: str):
    """A person's registrations that are still theirs (not anonymised), upcoming first
    (soonest first), then past ones (latest first)."""
    from django.utils import timezone

    now = timezone.now()
    registrations = list(
        Registration.objects.filter(email__iexact=email, anonymised_at__isnull=True)
        .exclude(status=Status.REJECTED)
        .select_related("webinar", "certificate")
    )
    upcoming = sorted(
        (r for r in registrations if r.webinar.end > now), key=lambda r: r.webinar.start
    )
    past = sorted(
        (r for r in registrations if r.webinar.end <= now),
        key=lambda r: r.webinar.start,
        reverse=True,
    )
    return upcoming, past
