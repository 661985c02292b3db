"""Reads about registrations that more than one place needs: counted here, once.

Seats are counted only here (``seats_taken``): the services that hand seats out, the
webinar page (through ``events``' ``SEATS_TAKEN_HOOK``: its state and «ancora 12 posti»,
``WebinarPage.seats_left``), the page cache's check of what the page shows
(``cgmsite.cache_map.webinar_seats_changed``) and the admin all ask this module.
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
