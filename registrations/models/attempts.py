"""Requests kept until the background task acts on them: a sign-up's typed details, an
address asking for the link to «Le mie iscrizioni».

The web request only writes one of these rows and enqueues a task with its id, whatever
the address (the same work, and so the same time, for a member, a stranger or a person
already registered); the task decides what to send. Task rows hold the id, never the
address.
"""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SignupAttempt(models.Model):
    """One sending of the sign-up form: the details typed, keyed by its link's nonce.

    Anyone can type anyone's address. What a confirmed registration keeps (name,
    organisation, role, answers, consent) is therefore the attempt whose link was
    followed from the mailbox: each attempt's confirmation (or access-request) link
    carries its own ``nonce``, and a later attempt by someone else does not invalidate
    an earlier one. Attempts go once the registration is confirmed, asked for access or
    cancelled, and unconfirmed ones are purged with unconfirmed requests
    (``registrations.retention``).
    """

    webinar = models.ForeignKey(
        "events.WebinarPage", on_delete=models.CASCADE, related_name="+", verbose_name=_("webinar")
    )
    # Set by the task, once it knows which registration the address has.
    registration = models.ForeignKey(
        "registrations.Registration",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="attempts",
        verbose_name=_("registration"),
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    email = models.EmailField(_("e-mail"), max_length=254, db_index=True)
    organisation_name = models.CharField(_("organisation"), max_length=200)
    role = models.CharField(_("role"), max_length=150, blank=True)
    answers = models.JSONField(_("answers"), default=list, blank=True)
    consent_at = models.DateTimeField(_("privacy consent given at"))
    consent_version = models.CharField(_("privacy notice version"), max_length=40)
    nonce = models.CharField(max_length=32, unique=True, editable=False)
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)
    processed_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("sign-up attempt")
        verbose_name_plural = _("sign-up attempts")

    def __str__(self):
        return f"{self.full_name} – {self.webinar_id}"

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()


class LinkRequest(models.Model):
    """An address asking for the link to its «Le mie iscrizioni»; deleted by its task."""

    email = models.EmailField(_("e-mail"), max_length=254)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("link request")
        verbose_name_plural = _("link requests")

    def __str__(self):
        return f"{self.pk}"
