from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EventsConfig(AppConfig):
    name = "events"
    verbose_name = _("Events")

    def ready(self):
        from wagtail.signals import page_published

        from events.models import WebinarPage
        from events.teams.meetings import on_page_published

        # A published webinar that creates its own Teams meeting has it created or
        # updated in the background (``events.teams.meetings``).
        page_published.connect(
            on_page_published,
            sender=WebinarPage,
            dispatch_uid="events.teams.meetings.on_page_published",
        )
