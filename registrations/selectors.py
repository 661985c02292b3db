"""Reads about registrations that more than one place needs: counted here, once.

Seats are counted only here (``seats_taken``): the services that hand seats out, the
webinar page (through ``events``' ``SEATS_TAKEN_HOOK``: its state and «ancora 12 posti»,
``WebinarPage.seats_left``), the page cache's check of what the page shows
(``cgmsite.cache_map.webinar_seats_changed``) and the admin all ask this module.
"""

from django.db.models import Count, Q
from django.utils import timezone

from events.models import WebinarPage
from registrations.models import Registration, StaffMessage

Status = Registration.Status
Audience = StaffMessage.Audience


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


# The per-webinar console and the dashboard (``registrations.admin.console``) ------------


def console_counts(webinar) -> dict:
    """A webinar at a glance, in one query: each status, seats taken and left, join links.

    ``seats_left`` is None without a seat limit; ``join_opened`` counts the confirmed
    people who opened their personal join link at least once.
    """
    counts = Registration.objects.filter(webinar_id=webinar.pk).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in Status.values},
        join_opened=Count(
            "pk", filter=Q(status=Status.CONFIRMED, join_first_used_at__isnull=False)
        ),
    )
    taken = counts[Status.CONFIRMED]
    capacity = webinar.capacity
    return {
        "by_status": [(Status(status).label, counts[status]) for status in Status.values],
        "seats_taken": taken,
        "capacity": capacity,
        "seats_left": None if capacity is None else max(capacity - taken, 0),
        "confirmed": taken,
        "waitlisted": counts[Status.WAITLISTED],
        "pending_review": counts[Status.PENDING_REVIEW],
        "join_opened": counts["join_opened"],
        "total": sum(counts[status] for status in Status.values),
    }


def waiting_list(webinar):
    """The waiting list in its order: the first is the next to get a seat."""
    return Registration.objects.filter(webinar_id=webinar.pk, status=Status.WAITLISTED).order_by(
        "waitlist_position", "pk"
    )


def access_requests(webinar):
    """Access requests awaiting staff's answer, oldest first."""
    return Registration.objects.filter(
        webinar_id=webinar.pk, status=Status.PENDING_REVIEW
    ).order_by("created_at", "pk")


def confirmed_registrations(webinar):
    """Confirmed registrants, by name."""
    return Registration.objects.filter(webinar_id=webinar.pk, status=Status.CONFIRMED).order_by(
        "last_name", "first_name", "pk"
    )


def can_promote(webinar, counts: dict) -> bool:
    """A seat is free and someone waits for it (``console_counts`` of the same webinar)."""
    return bool(counts["waitlisted"]) and (counts["seats_left"] is None or counts["seats_left"] > 0)


def upcoming_webinars(*, now=None, limit: int = 10):
    """Published webinars not yet over, soonest first, each with its counts, in one query:
    ``confirmed``, ``waitlisted`` and ``pending_review`` (and ``capacity``, a field)."""
    now = now or timezone.now()
    return (
        WebinarPage.objects.live()
        .filter(end__gt=now)
        .order_by("start", "pk")
        .only("pk", "title", "start", "end", "capacity", "status")
        .annotate(
            confirmed=Count("registrations", filter=Q(registrations__status=Status.CONFIRMED)),
            waitlisted=Count("registrations", filter=Q(registrations__status=Status.WAITLISTED)),
            pending_review=Count(
                "registrations", filter=Q(registrations__status=Status.PENDING_REVIEW)
            ),
        )[:limit]
    )


# Messages to registrants (``registrations.staff_messages``) ------------------------------

AUDIENCE_QUERIES = {
    Audience.CONFIRMED: Q(status=Status.CONFIRMED),
    Audience.WAITLISTED: Q(status=Status.WAITLISTED),
    Audience.ATTENDEES: Q(
        status=Status.CONFIRMED,
        attendance__in=[Registration.Attendance.ATTENDED, Registration.Attendance.PARTLY],
    ),
    Audience.ABSENTEES: Q(status=Status.CONFIRMED, attendance=Registration.Attendance.ABSENT),
}
# Attendance exists only once the webinar is over.
AFTER_THE_WEBINAR = (Audience.ATTENDEES, Audience.ABSENTEES)


def audiences_open(webinar, now=None) -> list[str]:
    """The groups staff may write to now: attendees and absentees only after the end."""
    over = (now or timezone.now()) >= webinar.end
    return [a for a in Audience.values if over or a not in AFTER_THE_WEBINAR]


def message_recipients(webinar, audience: str):
    """The registrations a message to ``audience`` goes to (not anonymised), in order."""
    return (
        Registration.objects.filter(webinar_id=webinar.pk, anonymised_at__isnull=True)
        .filter(AUDIENCE_QUERIES[audience])
        .select_related("webinar")
        .order_by("waitlist_position", "last_name", "first_name", "pk")
    )


def audience_counts(webinar) -> dict:
    """How many people each group has, in one query."""
    return Registration.objects.filter(webinar_id=webinar.pk, anonymised_at__isnull=True).aggregate(
        **{audience: Count("pk", filter=query) for audience, query in AUDIENCE_QUERIES.items()}
    )


def staff_messages_sent(webinar):
    """The messages staff sent to a webinar's registrants, latest first."""
    return StaffMessage.objects.filter(webinar_id=webinar.pk).select_related("sent_by")
