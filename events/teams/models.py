"""The Teams meeting the site keeps for a webinar, when it creates the meeting itself.

Not part of the page: a page's fields come back from its revisions on every publish, and
a meeting created in the background after a publish would be lost by the next one. This
row lives beside the page and only the sync (``events.teams.meetings``) writes it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TeamsMeeting(models.Model):
    """A webinar's meeting in Microsoft Teams, created and updated through Microsoft Graph."""

    class State(models.TextChoices):
        PENDING = "pending", _("being created")
        CREATED = "created", _("created")
        FAILED = "failed", _("error")
        DELETED = "deleted", _("deleted (webinar cancelled)")

    webinar = models.OneToOneField(
        "events.WebinarPage",
        on_delete=models.CASCADE,
        related_name="teams_meeting",
        primary_key=True,
    )
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    # Graph's ids: the meeting's, and the one the site chose (createOrGet's externalId).
    meeting_id = models.CharField(max_length=500, blank=True)
    external_id = models.CharField(max_length=100, blank=True)
    # Raised each time the meeting is deleted, so that a reinstated webinar gets a new one.
    generation = models.PositiveIntegerField(default=0)
    join_url = models.URLField(max_length=2000, blank=True)
    # Set up (its lobby and presenters sent) and so offered to registrants; an update in
    # progress ("pending") keeps offering it.
    ready = models.BooleanField(default=False)
    # What the site last sent (subject, times, settings): a publish changing none sends nothing.
    synced = models.JSONField(default=dict, blank=True)
    error = models.TextField(blank=True, help_text="The last error, for staff (Italian).")
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Attendance brought back after the webinar (``events.teams.attendance``): a digest of
    # the reports last fetched, when they were fetched and when they last changed.
    attendance_digest = models.CharField(max_length=64, blank=True)
    attendance_checked_at = models.DateTimeField(null=True, blank=True)
    attendance_changed_at = models.DateTimeField(null=True, blank=True)
    attendance_error = models.TextField(blank=True)

    class Meta:
        app_label = "events"
        verbose_name = _("Teams meeting")
        verbose_name_plural = _("Teams meetings")

    def __str__(self):
        return f"{self.webinar_id}: {self.get_state_display()}"
