"""How registrations shows up on a webinar page, through the hooks ``events`` offers."""

from wagtail import hooks

from events.models import PAGE_CONTEXT_HOOK, SEATS_TAKEN_HOOK, RegistrationState
from registrations.forms import RegistrationForm
from registrations.models import Registration


@hooks.register(SEATS_TAKEN_HOOK)
def confirmed_registrations(webinar) -> int:
    return Registration.objects.filter(
        webinar_id=webinar.pk, status=Registration.Status.CONFIRMED
    ).count()


@hooks.register(PAGE_CONTEXT_HOOK)
def registration_form(webinar, request, context) -> dict:
    """The sign-up form, only while registration is open (or full: waiting list)."""
    state = context.get("registration_state")
    if state not in (RegistrationState.OPEN, RegistrationState.FULL):
        return {}
    return {
        "registration_panel_template": "registrations/components/registration_form.html",
        "registration_form": RegistrationForm(),
    }
