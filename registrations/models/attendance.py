"""Who attended a webinar (from Teams) and the certificates of attendance issued for it."""

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from registrations import tokens


class AttendanceRecord(models.Model):
    """One person in one Teams attendance report, from Microsoft Graph or a Teams file.

    It counts for a registration only when the match is certain: the same e-mail, or a
    match staff confirmed. A match by name (guests joining by link often have no e-mail
    in the report) is proposed to staff, and counts once they confirm it.
    """

    class Source(models.TextChoices):
        GRAPH = "graph", _("Microsoft Teams (automatic)")
        FILE = "file", _("Teams attendance file")

    class Match(models.TextChoices):
        EMAIL = "email", _("same e-mail")
        PROPOSED = "proposed", _("same name: to confirm")
        CONFIRMED = "confirmed", _("confirmed by staff")
        NONE = "none", _("no registration found")
        IGNORED = "ignored", _("not a registrant")

    COUNTED = (Match.EMAIL, Match.CONFIRMED)
    # Staff's decisions survive a new import of the same report.
    DECIDED = (Match.CONFIRMED, Match.IGNORED)

    webinar = models.ForeignKey(
        "events.WebinarPage",
        on_delete=models.CASCADE,
        related_name="attendance_records",
        verbose_name=_("webinar"),
    )
    registration = models.ForeignKey(
        "registrations.Registration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="attendance_records",
        verbose_name=_("registration"),
    )
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # The report (Graph's id, or the file's digest) and the person in it (e-mail or name).
    report_key = models.CharField(max_length=200)
    person_key = models.CharField(max_length=300)
    email = models.EmailField(_("e-mail in the report"), max_length=254, blank=True)
    display_name = models.CharField(_("name in the report"), max_length=300, blank=True)
    role = models.CharField(_("role"), max_length=50, blank=True)
    seconds = models.PositiveIntegerField(_("seconds attended"), default=0)
    intervals = models.JSONField(default=list, blank=True)
    match = models.CharField(_("match"), max_length=20, choices=Match.choices, default=Match.NONE)
    imported_at = models.DateTimeField(_("imported at"), auto_now=True)

    class Meta:
        ordering = ["display_name", "pk"]
        verbose_name = _("attendance record")
        verbose_name_plural = _("attendance records")
        constraints = [
            models.UniqueConstraint(
                fields=["webinar", "report_key", "person_key"], name="attendance_one_per_person"
            )
        ]

    def __str__(self):
        return f"{self.display_name or self.email} – {self.webinar_id}"


def new_certificate_code() -> str:
    """«CGM-7K3F-Q9XW-2M4D»: 16 random characters people can read out and type."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I
    raw = "".join(secrets.choice(alphabet) for _ in range(12))
    return f"CGM-{raw[:4]}-{raw[4:8]}-{raw[8:]}"


def new_download_token() -> str:
    return tokens.new_random_token()


class Certificate(models.Model):
    """An «attestato di partecipazione»: what it states is copied here when issued.

    The PDF is drawn from this row on request. Once the registration is anonymised the
    name is erased and the download link stops; the code still verifies the webinar and
    date it was issued for.
    """

    registration = models.OneToOneField(
        "registrations.Registration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificate",
        verbose_name=_("registration"),
    )
    webinar = models.ForeignKey(
        "events.WebinarPage",
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("webinar"),
    )
    code = models.CharField(
        _("verification code"), max_length=24, unique=True, default=new_certificate_code
    )
    download_token = models.CharField(
        max_length=64, null=True, blank=True, unique=True, default=new_download_token
    )
    name = models.CharField(_("name"), max_length=201, blank=True)
    webinar_title = models.CharField(_("webinar"), max_length=255)
    webinar_start = models.DateTimeField(_("webinar start"))
    scheduled_minutes = models.PositiveIntegerField(_("scheduled duration (minutes)"))
    attended_minutes = models.PositiveIntegerField(_("minutes attended"))
    organiser = models.CharField(_("organiser"), max_length=255, blank=True)
    issued_at = models.DateTimeField(_("issued at"), auto_now_add=True)

    class Meta:
        ordering = ["-issued_at"]
        verbose_name = _("certificate of attendance")
        verbose_name_plural = _("certificates of attendance")

    def __str__(self):
        return self.code
