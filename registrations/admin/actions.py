"""What staff do to a registration or an e-mail: each action calls one service.

Approve or reject an access request, send the invitation again, cancel (after a
confirmation page), queue a failed e-mail again. A registration's status changes only
through ``registrations.services``; these views check the permission, call it and go
back where staff came from. Their URLs are registered in ``wagtail_hooks.py``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import path, reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from registrations import outbox, services
from registrations.admin.base import (
    EMAIL_INSPECT_URL_NAME,
    INDEX_URL_NAME,
    inspect_url,
    safe_next_url,
    user_can_change_registrations,
)
from registrations.models import EmailMessage, Registration
from registrations.services import RegistrationError

Status = Registration.Status

APPROVE_URL_NAME = "registrations_registration_approve"
REJECT_URL_NAME = "registrations_registration_reject"
RESEND_URL_NAME = "registrations_registration_resend_invitation"
CANCEL_URL_NAME = "registrations_registration_cancel"
EMAIL_RESEND_URL_NAME = "registrations_emailmessage_resend"

# Why a service refused an action, as staff read it.
ACTION_ERRORS = {
    "not_pending_review": _(
        "This registration is no longer an access request to review: nothing was changed."
    ),
    "not_confirmed": _("Only confirmed registrants can be sent the invitation: nothing was sent."),
    "invited_recently": _(
        "The invitation was sent to %(email)s a few minutes ago: it was not sent again."
    ),
    "already_cancelled": _(
        "This registration is no longer active (cancelled or rejected): nothing was changed."
    ),
}
ACTION_REFUSED = _("This action is not possible in the registration's current state.")


def registration_actions(registration: Registration) -> list[dict]:
    """The actions open to a registration in its state, as buttons (see the templates).

    ``method`` "post" is a button that acts at once; "get" opens a confirmation page.
    """
    actions = []
    if registration.status == Status.PENDING_REVIEW:
        actions += [
            {
                "url": reverse(APPROVE_URL_NAME, args=[registration.pk]),
                "label": gettext("Approve access"),
                # On the list, where a column must stay narrow (its name says the rest).
                "short_label": gettext("Approve"),
                "classname": "button",
                "method": "post",
            },
            {
                "url": reverse(REJECT_URL_NAME, args=[registration.pk]),
                "label": gettext("Reject"),
                "classname": "button no",
                "method": "post",
            },
        ]
    if registration.status == Status.CONFIRMED:
        actions.append(
            {
                "url": reverse(RESEND_URL_NAME, args=[registration.pk]),
                "label": gettext("Send the invitation again"),
                "classname": "button button-secondary",
                "method": "post",
            }
        )
    if registration.status in Registration.ACTIVE_STATUSES:
        actions.append(
            {
                "url": reverse(CANCEL_URL_NAME, args=[registration.pk]),
                "label": gettext("Cancel the registration"),
                "classname": "button button-secondary no",
                "method": "get",
            }
        )
    return actions


# Registrations ------------------------------------------------------------------------------


class RegistrationActionView(View):
    """A POST that changes a registration through one service, then goes back.

    Staff need the "change" permission on registrations. A GET changes nothing: it
    gets a 405 (the cancel view answers it with a confirmation page instead).
    """

    http_method_names = ["post"]

    def dispatch(self, request, *args, **kwargs):
        if not user_can_change_registrations(request.user):
            raise PermissionDenied
        self.registration = get_object_or_404(
            Registration.objects.select_related("webinar"), pk=kwargs["pk"]
        )
        return super().dispatch(request, *args, **kwargs)

    def perform(self, registration: Registration) -> None:
        raise NotImplementedError

    def success_message(self, registration: Registration) -> str:
        raise NotImplementedError

    def post(self, request, *args, **kwargs):
        registration = self.registration
        try:
            self.perform(registration)
        except RegistrationError as error:
            message = str(ACTION_ERRORS.get(error.code, ACTION_REFUSED))
            if "%(email)s" in message:
                message = message % {"email": registration.email}
            messages.error(request, message)
        else:
            messages.success(request, self.success_message(registration))
        return HttpResponseRedirect(safe_next_url(request, inspect_url(registration)))


class RegistrationApproveView(RegistrationActionView):
    def perform(self, registration):
        services.registration_approve(registration=registration)

    def success_message(self, registration):
        return gettext("Access approved: %(email)s has been sent a confirmation link.") % {
            "email": registration.email
        }


class RegistrationRejectView(RegistrationActionView):
    def perform(self, registration):
        services.registration_reject(registration=registration)

    def success_message(self, registration):
        return gettext("Access request of %(email)s rejected: they are told by e-mail.") % {
            "email": registration.email
        }


class RegistrationResendInvitationView(RegistrationActionView):
    def perform(self, registration):
        services.registration_resend_invitation(registration=registration)

    def success_message(self, registration):
        return gettext("The invitation is being sent again to %(email)s.") % {
            "email": registration.email
        }


class RegistrationCancelView(WagtailAdminTemplateMixin, TemplateView, RegistrationActionView):
    """Cancel a registration: a GET asks for confirmation, the POST cancels."""

    http_method_names = ["get", "post"]
    template_name = "registrations/admin/registration_cancel.html"
    page_title = _("Cancel the registration")
    header_icon = "group"

    def get(self, request, *args, **kwargs):
        if self.registration.status not in Registration.ACTIVE_STATUSES:
            messages.error(request, str(ACTION_ERRORS["already_cancelled"]))
            return HttpResponseRedirect(inspect_url(self.registration))
        return super().get(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.registration.full_name

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse(INDEX_URL_NAME),
                "label": Registration._meta.verbose_name_plural.capitalize(),
            },
            {"url": inspect_url(self.registration), "label": self.registration.full_name},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        back = safe_next_url(self.request, inspect_url(self.registration))
        context.update(
            {
                "registration": self.registration,
                "had_seat": self.registration.status == Status.CONFIRMED,
                "next_url": back,
                "back_url": back,
            }
        )
        return context

    def perform(self, registration):
        services.registration_cancel(registration=registration)

    def success_message(self, registration):
        return gettext("The registration of %(email)s is cancelled: they are told by e-mail.") % {
            "email": registration.email
        }


def action_urls() -> list:
    """The action URLs, for the ``register_admin_urls`` hook."""
    prefix = "registrations/registration"
    return [
        path(
            f"{prefix}/approve/<int:pk>/", RegistrationApproveView.as_view(), name=APPROVE_URL_NAME
        ),
        path(f"{prefix}/reject/<int:pk>/", RegistrationRejectView.as_view(), name=REJECT_URL_NAME),
        path(
            f"{prefix}/resend-invitation/<int:pk>/",
            RegistrationResendInvitationView.as_view(),
            name=RESEND_URL_NAME,
        ),
        path(f"{prefix}/cancel/<int:pk>/", RegistrationCancelView.as_view(), name=CANCEL_URL_NAME),
    ]


# E-mails ------------------------------------------------------------------------------------


def email_resend_button(request, message: EmailMessage) -> str:
    """A POST button that queues a failed message again (for staff who may change e-mails)."""
    if message.status != EmailMessage.Status.FAILED or not request.user.has_perm(
        "registrations.change_emailmessage"
    ):
        return ""
    return render_to_string(
        "registrations/admin/includes/email_resend_button.html",
        {"url": reverse(EMAIL_RESEND_URL_NAME, args=[message.pk])},
        request=request,
    )


class EmailMessageResendView(View):
    """Staff's resend of a failed message: it is queued again and sent by the worker."""

    http_method_names = ["post"]

    def post(self, request, pk):
        if not request.user.has_perm("registrations.change_emailmessage"):
            raise PermissionDenied
        message = get_object_or_404(EmailMessage, pk=pk)
        if outbox.email_resend(message=message):
            messages.success(
                request, gettext("The e-mail to %(to)s is queued again.") % {"to": message.to}
            )
        else:
            messages.error(request, gettext("Only a failed e-mail can be resent."))
        return HttpResponseRedirect(reverse(EMAIL_INSPECT_URL_NAME, args=[message.pk]))


def email_resend_url():
    """The resend URL; the e-mail log's ModelAdmin registers it with its own URLs."""
    return path(
        "registrations/emailmessage/resend/<int:pk>/",
        EmailMessageResendView.as_view(),
        name=EMAIL_RESEND_URL_NAME,
    )
