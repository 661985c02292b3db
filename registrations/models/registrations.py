"""A person's registration for a webinar. Its status changes only through ``services``."""

from django.db import models
from django.db.models import Case, Count, OuterRef, Q, Subquery, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from registrations.models.members import MemberOrganisation


class Registration(models.Model):
    """One person, one webinar: from the form to a seat, the waiting list or cancellation."""

    class Status(models.TextChoices):
        PENDING_CONFIRMATION = "pending_confirmation", _("Waiting for confirmation")
        PENDING_REVIEW = "pending_review", _("Access request to review")
        CONFIRMED = "confirmed", _("Confirmed")
        WAITLISTED = "waitlisted", _("On the waiting list")
        CANCELLED = "cancelled", pgettext_lazy("registration status", "Cancelled")
        REJECTED = "rejected", _("Rejected")

    class Attendance(models.TextChoices):
        ATTENDED = "attended", _("Attended")
        PARTLY = "partly", _("Attended in part")
        ABSENT = "absent", _("Absent")

    # A person holds at most one registration per webinar in these states.
    ACTIVE_STATUSES = (
        Status.PENDING_CONFIRMATION,
        Status.PENDING_REVIEW,
        Status.CONFIRMED,
        Status.WAITLISTED,
    )

    webinar = models.ForeignKey(
        "events.WebinarPage",
        on_delete=models.CASCADE,
        related_name="registrations",
        verbose_name=_("webinar"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254, db_index=True)
    organisation_name = models.CharField(
        _("organisation"), max_length=200, help_text=_("As the person wrote it.")
    )
    member_organisation = models.ForeignKey(
        MemberOrganisation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="registrations",
        verbose_name=_("member organisation"),
    )
    role = models.CharField(_("role"), max_length=150, blank=True)
    # The answers to the webinar's own questions (events.questions), each with the
    # question's wording when it was answered: [{"id", "kind", "question", "answer"}].
    answers = models.JSONField(_("answers"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=30, choices=Status.choices, default=Status.PENDING_CONFIRMATION
    )
    waitlist_position = models.PositiveIntegerField(
        _("waiting list position"), null=True, blank=True
    )
    consent_at = models.DateTimeField(_("privacy consent given at"))
    consent_version = models.CharField(_("privacy notice version"), max_length=40)
    # Single-use: a confirmation link is valid only while its nonce matches.
    token_nonce = models.CharField(max_length=32, blank=True, editable=False)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    approved_at = models.DateTimeField(
        _("access approved at"),
        null=True,
        blank=True,
        help_text=_("When staff let in an address that no member domain covers."),
    )
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    last_email_at = models.DateTimeField(null=True, blank=True, editable=False)
    # The personal join link /webinar/entra/<join_token>/ (revoked by clearing it) and
    # when it was used: a first measure of attendance.
    join_token = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    join_first_used_at = models.DateTimeField(_("joined first at"), null=True, blank=True)
    join_count = models.PositiveIntegerField(_("times the join link was used"), default=0)
    # iCalendar SEQUENCE of this person's invitation, and a fingerprint of the webinar data
    # (start, end, join link, status) it last told them, so each change is sent once; for
    # a person on the waiting list, of the times their last message stated.
    ics_sequence = models.PositiveIntegerField(default=0, editable=False)
    invited_fingerprint = models.CharField(max_length=64, blank=True, editable=False)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    # From the Teams attendance (``registrations.attendance``), for confirmed registrants.
    attended_seconds = models.PositiveIntegerField(_("seconds attended"), null=True, blank=True)
    attendance = models.CharField(
        _("attendance"), max_length=20, choices=Attendance.choices, blank=True
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(
                fields=["webinar", "email"],
                condition=Q(
                    status__in=[
                        "pending_confirmation",
                        "pending_review",
                        "confirmed",
                        "waitlisted",
                    ]
                ),
                name="registration_one_active_per_person",
            ),
            models.UniqueConstraint(
                fields=["webinar", "waitlist_position"],
                condition=Q(status="waitlisted"),
                name="registration_unique_waitlist_position",
            ),
        ]
        indexes = [models.Index(fields=["webinar", "status"])]

    def __str__(self):
        return f"{self.full_name} – {self.webinar_id}"

    def answer_lines(self) -> list[tuple[str, str]]:
        """Each answered question with its answer, as the person saw and gave them."""
        lines = []
        for item in self.answers or []:
            answer = item.get("answer")
            text = ", ".join(answer) if isinstance(answer, list) else str(answer or "")
            if text:
                lines.append((item.get("question", ""), text))
        return lines

    def get_answers_display(self) -> str:
        return " · ".join(f"{question}: {answer}" for question, answer in self.answer_lines())

    @property
    def waitlist_place(self) -> int | None:
        """The place in line today (1: the next to get a seat), for what people and staff
        read; None off the waiting list. ``waitlist_position`` only orders the list and is
        never renumbered, so after people ahead have left it overstates the place.

        A list of registrations reads it in the same query (``with_waitlist_places``)."""
        if hasattr(self, "waitlist_place_today"):
            return self.waitlist_place_today
        if self.status != self.Status.WAITLISTED or self.waitlist_position is None:
            return None
        ahead = Registration.objects.filter(
            webinar_id=self.webinar_id,
            status=self.Status.WAITLISTED,
            waitlist_position__lt=self.waitlist_position,
        ).count()
        return ahead + 1

    @classmethod
    def with_waitlist_places(cls, queryset):
        """``queryset`` with each waiting person's place in line today, for ``waitlist_place``."""
        ahead = (
            cls.objects.filter(
                webinar_id=OuterRef("webinar_id"),
                status=cls.Status.WAITLISTED,
                waitlist_position__lt=OuterRef("waitlist_position"),
            )
            .order_by()
            .values("webinar_id")
            .annotate(count=Count("pk"))
            .values("count")
        )
        waiting = Q(status=cls.Status.WAITLISTED, waitlist_position__isnull=False)
        return queryset.annotate(
            waitlist_place_today=Case(
                When(waiting, then=Coalesce(Subquery(ahead), 0) + 1),
                default=None,
                output_field=models.IntegerField(),
            )
        )

    def get_waitlist_position_display(self):
        """The admin's detail view shows the place in line today (``waitlist_place``)."""
        return self.waitlist_place

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
