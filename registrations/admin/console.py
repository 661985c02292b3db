"""One screen per webinar: the console at ``/admin/registrations/webinar/<page id>/``.

Seats taken and left, every state counted, the waiting list in its order, the access
requests to answer (approve or reject in place, through ``admin.actions``), how many
confirmed people opened their join link, and after the webinar its attendance; the
exports, the messages sent to registrants («Scrivi agli iscritti», ``admin.messages``)
and the promotion from the waiting list when a seat is free. Every count comes from
``registrations.selectors``. Reached from the webinar in the page tree (the buttons
registered in ``wagtail_hooks.py``) and from the dashboard's panel.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.ui.components import Component
from wagtail.admin.views.generic import WagtailAdminTemplateMixin

from events.models import WebinarPage
from registrations import selectors, services
from registrations.admin import display as show
from registrations.admin.actions import registration_actions
from registrations.admin.base import (
    attendance_url,
    registrations_url,
    user_can_change_registrations,
    user_can_view_registrations,
)

CONSOLE_URL_NAME = "registrations_webinar_console"
PROMOTE_URL_NAME = "registrations_webinar_promote"


def console_url(webinar) -> str:
    return reverse(CONSOLE_URL_NAME, args=[webinar.pk])


def export_url(webinar, spreadsheet_format: str) -> str:
    """The registration list's download (``exports``), filtered to the webinar."""
    return f"{registrations_url(webinar)}&{urlencode({'export': spreadsheet_format})}"


def is_webinar(page) -> bool:
    return issubclass(page.specific_class or type(page), WebinarPage)


def with_actions(registrations, back_url: str) -> list[tuple]:
    """Each registration with its action buttons; those that open a page come back here."""
    rows = []
    for registration in registrations:
        actions = registration_actions(registration)
        for action in actions:
            if action["method"] == "get":
                action["url"] = f"{action['url']}?{urlencode({'next': back_url})}"
        rows.append((registration, actions))
    return rows


class WebinarConsoleView(WagtailAdminTemplateMixin, TemplateView):
    """A webinar's registrations at a glance, and what staff do about them."""

    template_name = "registrations/admin/console/console.html"
    page_title = _("Registrations console")
    header_icon = "group"

    def dispatch(self, request, *args, webinar_id, **kwargs):
        if not user_can_view_registrations(request.user):
            raise PermissionDenied
        self.webinar = get_object_or_404(WebinarPage, pk=webinar_id)
        return super().dispatch(request, *args, **kwargs)

    def get_page_subtitle(self):
        return self.webinar.title

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {"url": registrations_url(self.webinar), "label": gettext("Registrations")},
            {"url": "", "label": self.webinar.title},
        ]

    def get_context_data(self, **kwargs):
        from registrations.admin.messages import message_url

        context = super().get_context_data(**kwargs)
        webinar = self.webinar
        can_change = user_can_change_registrations(self.request.user)
        back = console_url(webinar)
        counts = selectors.console_counts(webinar)
        over = timezone.now() >= webinar.end

        def rows(registrations):
            if can_change:
                return with_actions(registrations, back)
            return [(registration, []) for registration in registrations]

        context.update(
            webinar=webinar,
            when=show.long_datetime(webinar.start),
            over=over,
            can_change=can_change,
            counts=counts,
            waiting=rows(selectors.waiting_list(webinar)),
            requests=rows(selectors.access_requests(webinar)),
            confirmed=rows(selectors.confirmed_registrations(webinar)),
            can_promote=can_change and not over and selectors.can_promote(webinar, counts),
            promote_url=reverse(PROMOTE_URL_NAME, args=[webinar.pk]),
            attendance=selectors.attendance_counts(webinar) if over else None,
            attendance_url=attendance_url(webinar),
            registrations_url=registrations_url(webinar),
            csv_url=export_url(webinar, "csv"),
            xlsx_url=export_url(webinar, "xlsx"),
            message_url=message_url(webinar),
            sent_messages=[
                (message, show.long_datetime(message.sent_at))
                for message in selectors.staff_messages_sent(webinar)
            ],
            next_url=back,
        )
        return context


class WaitlistPromoteView(View):
    """«Promuovi dalla lista d'attesa»: free seats go to the first people waiting."""

    http_method_names = ["post"]

    def post(self, request, webinar_id):
        if not user_can_change_registrations(request.user):
            raise PermissionDenied
        webinar = get_object_or_404(WebinarPage, pk=webinar_id)
        promoted = services.waitlist_fill(webinar=webinar)
        if promoted:
            messages.success(
                request,
                ngettext(
                    "%(count)d person moved from the waiting list to a seat: they are sent "
                    "the invitation.",
                    "%(count)d people moved from the waiting list to a seat: they are sent "
                    "the invitation.",
                    promoted,
                )
                % {"count": promoted},
            )
        else:
            messages.error(
                request, gettext("No seat is free, or nobody is waiting: nobody was moved.")
            )
        return HttpResponseRedirect(console_url(webinar))


def console_urls() -> list:
    return [
        path(
            "registrations/webinar/<int:webinar_id>/",
            WebinarConsoleView.as_view(),
            name=CONSOLE_URL_NAME,
        ),
        path(
            "registrations/webinar/<int:webinar_id>/promote/",
            WaitlistPromoteView.as_view(),
            name=PROMOTE_URL_NAME,
        ),
    ]


# The dashboard --------------------------------------------------------------------------


class UpcomingWebinarsPanel(Component):
    """The admin's home: upcoming webinars with their seats, each linking to its console."""

    name = "upcoming_webinars"
    order = 90
    template_name = "registrations/admin/console/dashboard_panel.html"

    def get_context_data(self, parent_context=None):
        context = super().get_context_data(parent_context) or {}
        context["webinars"] = [
            {
                "webinar": webinar,
                "when": show.long_datetime(webinar.start),
                "console_url": console_url(webinar),
                "confirmed": webinar.confirmed,
                "capacity": webinar.capacity,
                "waitlisted": webinar.waitlisted,
                "pending_review": webinar.pending_review,
            }
            for webinar in selectors.upcoming_webinars()
        ]
        return context
