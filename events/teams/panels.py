"""The Teams meeting's state, shown to editors in the webinar's page editor."""

from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import Panel

from events.teams.client import graph_enabled
from events.teams.models import TeamsMeeting


class TeamsMeetingPanel(Panel):
    """«Riunione Teams: creata», «creazione in corso», «errore: …», read from ``TeamsMeeting``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("heading", _("Teams meeting status"))
        super().__init__(**kwargs)

    @property
    def clean_name(self):
        return "teams_meeting_status"

    class BoundPanel(Panel.BoundPanel):
        template_name = "events/panels/teams_meeting.html"

        def is_shown(self):
            # Editors choosing "create automatically" see what became of it; a new
            # webinar has no meeting yet (it is created when published).
            return bool(self.instance.pk) and self.instance.creates_teams_meeting

        def get_context_data(self, parent_context=None):
            context = super().get_context_data(parent_context)
            meeting = TeamsMeeting.objects.filter(webinar_id=self.instance.pk).first()
            context["meeting"] = meeting
            context["graph_enabled"] = graph_enabled()
            return context
