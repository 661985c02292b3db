from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RegistrationsConfig(AppConfig):
    name = "registrations"
    verbose_name = _("Registrations")

    def ready(self):
        # The webinar page (events, which must not import this app) asks through
        # Wagtail hooks for the seat count and the registration form.
        from registrations import page_hooks  # noqa: F401
