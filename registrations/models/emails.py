"""The e-mail outbox and log: every message is a row before it is sent."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EmailMessage(models.Model):
    """One message to one address, written in the same transaction as its cause."""

    class Kind(models.TextChoices):
        CONFIRMATION = "confirmation", _("Confirmation link")
        MEMBERS_ONLY = "members_only", _("Members-only explanation")
        ACCESS_REQUEST_NOTICE = "access_request_notice", _("Access request notice to staff")
        ACCESS_APPROVED = "access_approved", _("Access approved")
        ACCESS_REJECTED = "access_rejected", _("Access rejected")
        WAITLISTED = "waitlisted", _("Waiting list place")
        PROMOTED = "promoted", _("Promoted from the waiting list")
        INVITATION = "invitation", _("Invitation")
        REMINDER = "reminder", _("Reminder")
        UPDATE = "update", _("Update")
        CANCELLATION = "cancellation", _("Cancellation")
        WAITLIST_UPDATE = "waitlist_update", _("Waiting list: new date")
        WAITLIST_CANCELLED = "waitlist_cancelled", _("Waiting list: webinar cancelled")
        FOLLOWUP_ATTENDED = "followup_attended", _("Follow-up: thanks and certificate")
        FOLLOWUP_ABSENT = "followup_absent", _("Follow-up: sorry we missed you")
        MY_REGISTRATIONS = "my_registrations", _("Link to “my registrations”")
        STAFF_MESSAGE = "staff_message", _("Message from staff")

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        DELIVERED = "delivered", _("Delivered")
        BOUNCED = "bounced", _("Bounced")

    registration = models.ForeignKey(
        "registrations.Registration",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="emails",
        verbose_name=_("registration"),
    )
    webinar = models.ForeignKey(
        "events.WebinarPage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("webinar"),
    )
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    to = models.EmailField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    ics = models.TextField(_("calendar attachment"), blank=True)
    ics_method = models.CharField(max_length=10, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    esp_message_id = models.CharField(_("provider message id"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    send_after = models.DateTimeField(_("send after"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed by a worker at"), null=True, blank=True)
    # Messages that must go out at most once (a reminder, an update) carry a key.
    dedupe_key = models.CharField(max_length=150, null=True, blank=True, unique=True)
    # Written under the webinar's lock with only what identifies it; subject, bodies and
    # calendar part are rendered by the send task (``emails.message_render``).
    render_pending = models.BooleanField(default=False, editable=False)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("e-mail")
        verbose_name_plural = _("e-mail log")

    def __str__(self):
        return f"{self.get_kind_display()} → {self.to}"


class SuppressedAddress(models.Model):
    """An address that bounced or complained: it gets no more e-mail."""

    class Reason(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Complained (marked as spam)")
        REJECTED = "rejected", _("Rejected by the provider")

    email = models.EmailField(_("e-mail"), max_length=254, unique=True)
    reason = models.CharField(_("reason"), max_length=20, choices=Reason.choices)
    detail = models.CharField(_("detail"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("suppressed at"), auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("suppressed address")
        verbose_name_plural = _("suppressed addresses")

    def __str__(self):
        return self.email
