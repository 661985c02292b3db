"""Messages staff write to a webinar's registrants («Scrivi agli iscritti»)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

SUBJECT_MAX_LENGTH = 150
BODY_MAX_LENGTH = 10_000


class StaffMessage(models.Model):
    """One message staff sent to a group of a webinar's registrants.

    Each recipient's copy is a row in the outbox, keyed ``staff-<message>-<registration>``
    (``registrations.staff_messages``). ``digest`` identifies the message's content
    (webinar, audience, subject, text): sending the same message again, by a second
    click or by a colleague at the same moment, finds this row and sends nobody twice.
    """

    class Audience(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed registrants")
        WAITLISTED = "waitlisted", _("People on the waiting list")
        ATTENDEES = "attendees", _("Attendees (after the webinar)")
        ABSENTEES = "absentees", _("Absentees (after the webinar)")

    webinar = models.ForeignKey(
        "events.WebinarPage",
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("webinar"),
    )
    audience = models.CharField(_("recipients"), max_length=20, choices=Audience.choices)
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX_LENGTH)
    body = models.TextField(_("text"), max_length=BODY_MAX_LENGTH)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("sent by"),
    )
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients_count = models.PositiveIntegerField(_("recipients"), default=0)
    digest = models.CharField(max_length=64, unique=True, editable=False)

    class Meta:
        ordering = ["-sent_at"]
        verbose_name = _("message to registrants")
        verbose_name_plural = _("messages to registrants")

    def __str__(self):
        return self.subject
