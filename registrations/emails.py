"""Every e-mail the registrations module sends, built from templates in one place.

Each ``queue_*`` function renders ``templates/registrations/emails/<kind>_subject.txt``,
``_body.txt`` and ``_body.html`` and writes the message to the outbox; it must be
called inside the transaction of the change that causes the message.
"""

from django.conf import settings
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from registrations import tokens
from registrations.models import EmailMessage, Registration
from registrations.outbox import email_queue

Kind = EmailMessage.Kind


def absolute(path: str) -> str:
    return f"{settings.SITE_BASE_URL}{path}"


def link(name: str, token: str) -> str:
    return absolute(reverse(name, args=[token]))


def base_context(registration: Registration) -> dict:
    from cgmsite.models import SiteSettings

    webinar = registration.webinar
    return {
        "registration": registration,
        "webinar": webinar,
        "webinar_url": absolute(webinar.url or ""),
        "when": webinar.when_label,
        "site": SiteSettings.objects.first() or SiteSettings(),
        "cancel_url": link("registrations:cancel", tokens.make_token(registration, tokens.CANCEL)),
    }


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a message, in Italian."""
    with translation.override(settings.LANGUAGE_CODE):
        prefix = f"registrations/emails/{kind}"
        subject = " ".join(render_to_string(f"{prefix}_subject.txt", context).split())
        body_text = render_to_string(f"{prefix}_body.txt", context).strip() + "\n"
        body_html = render_to_string(f"{prefix}_body.html", {**context, "subject": subject})
    return subject, body_text, body_html


def queue(kind: str, registration: Registration, to: str = "", **extra) -> EmailMessage:
    context = {**base_context(registration), **extra}
    subject, body_text, body_html = render(kind, context)
    return email_queue(
        kind=kind,
        to=to or registration.email,
        subject=subject,
        body_text=body_text,
        body_html=body_html,
        registration=registration,
        webinar=registration.webinar,
    )


def queue_confirmation(registration: Registration) -> EmailMessage:
    """The double opt-in link, for a member address (or one staff approved)."""
    url = link("registrations:confirm", tokens.make_token(registration, tokens.CONFIRM))
    return queue(Kind.CONFIRMATION, registration, confirm_url=url)


def queue_members_only(registration: Registration) -> EmailMessage:
    """The webinar is reserved to the network; a link to ask staff for access."""
    url = link(
        "registrations:request_access", tokens.make_token(registration, tokens.REQUEST_ACCESS)
    )
    return queue(Kind.MEMBERS_ONLY, registration, access_url=url)


def queue_access_request_notice(registration: Registration) -> EmailMessage | None:
    """Tell the webinar's contact address that someone asks for access."""
    to = registration.webinar.contact_email
    if not to:
        return None
    admin_url = absolute(reverse("wagtailadmin_home"))
    return queue(Kind.ACCESS_REQUEST_NOTICE, registration, to=to, admin_url=admin_url)


def queue_access_approved(registration: Registration) -> EmailMessage:
    url = link("registrations:confirm", tokens.make_token(registration, tokens.CONFIRM))
    return queue(Kind.ACCESS_APPROVED, registration, confirm_url=url)


def queue_access_rejected(registration: Registration) -> EmailMessage:
    return queue(Kind.ACCESS_REJECTED, registration)


def queue_waitlisted(registration: Registration) -> EmailMessage:
    return queue(Kind.WAITLISTED, registration)


def queue_promoted(registration: Registration) -> EmailMessage:
    return queue(Kind.PROMOTED, registration)


def queue_invitation(registration: Registration) -> EmailMessage:
    """The Teams guest invitation, for a confirmed registrant only."""
    if registration.status != Registration.Status.CONFIRMED:
        raise ValueError("Invitations go only to confirmed registrants.")
    webinar = registration.webinar
    return queue(
        Kind.INVITATION,
        registration,
        join_url=webinar.teams_join_url,
        programme_url=absolute(webinar.programme.url) if webinar.programme else "",
    )


def queue_cancellation(registration: Registration) -> EmailMessage:
    return queue(Kind.CANCELLATION, registration)
