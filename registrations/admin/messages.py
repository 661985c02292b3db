"""«Scrivi agli iscritti»: staff write to a group of a webinar's registrants.

``/admin/registrations/webinar/<page id>/message/``, from the webinar's console. Three
steps on one URL: write (the form), look (``action=preview``: the e-mail as the first
recipient gets it, and how many get it), send (``action=send``, through
``registrations.staff_messages``). A form with errors comes back with everything typed.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from events.models import WebinarPage
from registrations import selectors
from registrations.admin.base import user_can_change_registrations
from registrations.admin.console import console_url
from registrations.models import StaffMessage
from registrations.models.messages import BODY_MAX_LENGTH, SUBJECT_MAX_LENGTH
from registrations.staff_messages import (
    normalise_body,
    staff_message_preview,
    staff_message_send,
)

MESSAGE_URL_NAME = "registrations_webinar_message"


def message_url(webinar) -> str:
    return reverse(MESSAGE_URL_NAME, args=[webinar.pk])


class MessageTextField(forms.CharField):
    """A text whose line ends count as one character each, as the browser counts them."""

    def to_python(self, value):
        value = super().to_python(value)
        return normalise_body(value) if value else value


class StaffMessageForm(forms.Form):
    audience = forms.ChoiceField(
        label=_("Recipients"),
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose who receives the message."),
            "invalid_choice": _("Choose one of the groups listed."),
        },
    )
    subject = forms.CharField(
        label=_("Subject"),
        max_length=SUBJECT_MAX_LENGTH,
        error_messages={
            "required": _("Write the subject."),
            "max_length": _(
                "The subject can be at most %(limit_value)d characters long "
                "(it has %(show_value)d)."
            ),
        },
    )
    body = MessageTextField(
        label=_("Text"),
        max_length=BODY_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 14}),
        help_text=_(
            "Plain text: a blank line starts a new paragraph; addresses such as "
            "https://www.cgm.coop become links. Each person also gets their own links "
            "(their registrations, and cancellation while it is possible)."
        ),
        error_messages={
            "required": _("Write the text of the message."),
            "max_length": _(
                "The text can be at most %(limit_value)d characters long (it has %(show_value)d)."
            ),
        },
    )

    def __init__(self, *args, webinar, **kwargs):
        super().__init__(*args, **kwargs)
        counts = selectors.audience_counts(webinar)
        labels = dict(StaffMessage.Audience.choices)
        self.fields["audience"].choices = [
            (audience, f"{labels[audience]} ({counts[audience]})")
            for audience in selectors.audiences_open(webinar)
        ]

    def clean_subject(self):
        # One line: a subject that breaks would start a header.
        return " ".join(self.cleaned_data["subject"].split())


class StaffMessageView(WagtailAdminTemplateMixin, TemplateView):
    """Write, preview and send a message to a group of the webinar's registrants."""

    template_name = "registrations/admin/console/message.html"
    page_title = _("Write to registrants")
    header_icon = "mail"

    def dispatch(self, request, *args, webinar_id, **kwargs):
        if not user_can_change_registrations(request.user):
            raise PermissionDenied
        self.webinar = get_object_or_404(WebinarPage, pk=webinar_id)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.webinar.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": console_url(self.webinar), "label": self.webinar.title},
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, form=None, preview=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            webinar=self.webinar,
            form=form or StaffMessageForm(webinar=self.webinar),
            preview=preview,
            console_url=console_url(self.webinar),
        )
        return context

    def post(self, request, *args, **kwargs):
        form = StaffMessageForm(request.POST, webinar=self.webinar)
        action = request.POST.get("action")
        if not form.is_valid():
            messages.error(request, gettext("The message was not sent: see the errors below."))
            return self.render_to_response(self.get_context_data(form=form), status=400)
        data = form.cleaned_data
        if action == "send":
            return self.send(request, data)
        if action == "preview":
            preview = staff_message_preview(webinar=self.webinar, **data)
            return self.render_to_response(self.get_context_data(form=form, preview=preview))
        # "Edit": back to the form, everything as typed.
        return self.render_to_response(self.get_context_data(form=form))

    def send(self, request, data):
        if not selectors.audience_counts(self.webinar)[data["audience"]]:
            messages.error(request, gettext("Nobody is in this group: nothing was sent."))
            return self.render_to_response(
                self.get_context_data(
                    form=StaffMessageForm(self.request.POST, webinar=self.webinar)
                ),
                status=400,
            )
        message, queued = staff_message_send(webinar=self.webinar, sent_by=request.user, **data)
        if queued:
            messages.success(
                request,
                ngettext(
                    "Message «%(subject)s» queued for %(count)d person.",
                    "Message «%(subject)s» queued for %(count)d people.",
                    queued,
                )
                % {"subject": message.subject, "count": queued},
            )
        else:
            messages.warning(
                request,
                gettext(
                    "Message «%(subject)s» had already been sent to these people: "
                    "nobody gets it twice."
                )
                % {"subject": message.subject},
            )
        return HttpResponseRedirect(console_url(self.webinar))


def message_urls() -> list:
    return [
        path(
            "registrations/webinar/<int:webinar_id>/message/",
            StaffMessageView.as_view(),
            name=MESSAGE_URL_NAME,
        )
    ]
