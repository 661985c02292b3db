from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        # The webinar page (events, which must not import this app) asks through
        # Wagtail hooks for the seat count and the registration form.
        from wagtail.signals import page_published

        import registrations.checks  # (system checks of the outbox settings)
        import registrations.tracking  # noqa: F401  (delivery status webhooks)
        from events.models import WebinarPage
        from registrations import (
            page_hooks,  # noqa: F401
            updates,
        )

        # A published change of time, link or status reaches every confirmed registrant.
        page_published.connect(
            updates.on_page_published,
            sender=WebinarPage,
            dispatch_uid="registrations.updates.on_page_published",
        )
