"""Staff see registrations and the e-mail log in the Wagtail admin.

``RegistrationAdmin`` and ``EmailMessageAdmin`` join the "Registrations" menu
(``registrations.admin.members.RegistrationsAdminGroup``, see ``wagtail_hooks.py``).
Both are read-only lists with an inspect view: a registration's status changes only
through ``registrations.services``, which the views in ``actions`` call. The lists show
the few columns staff scan (who, organisation, webinar, state, date) and keep the rest
for the inspect view; their filters open from a drawer in the header
(``templates/registrations/admin/includes/index_base.html``), not beside the table. The
registration list downloads as CSV or XLSX (``exports``).
"""

from __future__ import annotations

import logging

from django.contrib.admin import SimpleListFilter, display
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from wagtail.admin import messages

from wagtail_modeladmin.views import IndexView, InspectView

from events.models import WebinarPage
from registrations import selectors
from registrations.admin import display as show
from registrations.admin.actions import (
    email_resend_button,
    email_resend_url,
    registration_actions,
)
from registrations.admin.base import (
    WEBINAR_PARAM,
    FilterDrawerMixin,
    ReadOnlyModelAdmin,
    attendance_url,
    inspect_url,
    registrations_url,
    user_can_change_registrations,
    user_can_view_emails,
    user_can_view_registrations,
)
from registrations.admin.exports import RegistrationExportMixin
from registrations.models import EmailMessage, Registration

logger = logging.getLogger(__name__)

Status = Registration.Status

# The one form on the list page that the approve/reject buttons of each row submit.
ROW_ACTION_FORM_ID = "registration-row-action"
ERROR_PREVIEW_CHARS = 80


# Filters and counts ---------------------------------------------------------------------


class WebinarListFilter(SimpleListFilter):
    """By webinar, newest first; the parameter is ``webinar__id__exact=<page id>``.

    Django's own filter for this foreign key would call it ``webinar__page_ptr__exact``
    (the page's primary key): the links from a webinar's edit view use the plainer name.
    Only webinars that have rows are offered.
    """

    title = _("webinar")
    parameter_name = WEBINAR_PARAM

    def lookups(self, request, model_admin):
        webinar_ids = model_admin.model.objects.values("webinar_id")
        webinars = WebinarPage.objects.filter(pk__in=webinar_ids).order_by("-start")
        return [
            (webinar.pk, f"{webinar.title} ({show.long_date(webinar.start)})")
            for webinar in webinars.only("pk", "title", "start")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(webinar_id=int(value))


class StateListFilter(SimpleListFilter):
    """By the state staff read (``display.State``), finer than the stored status."""

    title = _("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return show.State.choices

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        query = show.STATE_QUERIES.get(value)
        return queryset.none() if query is None else queryset.filter(query)


def webinar_counts_text(counts: dict) -> str:
    """«12 confirmed of 50 seats · 3 on the waiting list · 1 access request to review»."""
    if counts["capacity"] is None:
        seats = ngettext(
            "%(confirmed)d confirmed (no seat limit)",
            "%(confirmed)d confirmed (no seat limit)",
            counts["confirmed"],
        ) % {"confirmed": counts["confirmed"]}
    else:
        seats = ngettext(
            "%(confirmed)d confirmed of %(capacity)d seats",
            "%(confirmed)d confirmed of %(capacity)d seats",
            counts["capacity"],
        ) % {"confirmed": counts["confirmed"], "capacity": counts["capacity"]}
    parts = [
        seats,
        gettext("%(waitlisted)d on the waiting list") % {"waitlisted": counts["waitlisted"]},
    ]
    if counts["pending_review"]:
        parts.append(
            ngettext(
                "%(count)d access request to review",
                "%(count)d access requests to review",
                counts["pending_review"],
            )
            % {"count": counts["pending_review"]}
        )
    return " · ".join(parts)


def webinar_registration_notice(request, page) -> None:
    """On a webinar's edit view, a notice with its seat counts and a link to its list.

    Called by the ``before_edit_page`` hook; only for staff who may see registrations,
    and only on the page a browser asks for (not on saves, which redirect back here).
    """
    if not issubclass(page.specific_class or type(page), WebinarPage):
        return
    if (
        request.method != "GET"
        or not request.accepts("text/html")
        or request.GET.get("_w_hydrate_create_view")
        or not user_can_view_registrations(request.user)
    ):
        return
    # Seats are counted against the live capacity, the one the services enforce.
    webinar = WebinarPage.objects.filter(pk=page.pk).only("pk", "capacity").first()
    if webinar is None:
        return
    counts = selectors.webinar_counts(webinar)
    messages.info(
        request,
        gettext("Registrations: %(counts)s.") % {"counts": webinar_counts_text(counts)},
        buttons=[
            messages.button(registrations_url(webinar), gettext("See the registrations")),
            messages.button(attendance_url(webinar), gettext("Attendance and certificates")),
        ],
        extra_tags="webinar-registration-counts",
    )


def list_inspect_view_value(view, field_name, value):
    """Datetimes in an inspect view read as in the lists: «martedì 1 dicembre 2026, 10:30»."""
    try:
        field = view.model._meta.get_field(field_name)
    except FieldDoesNotExist:  # a method or property, not a field
        return value
    if isinstance(field, models.DateTimeField):
        raw = getattr(view.instance, field_name)
        return show.long_datetime(raw) if raw else value
    return value


# Registrations ----------------------------------------------------------------------------


class RegistrationIndexView(RegistrationExportMixin, FilterDrawerMixin, IndexView):
    """The list, filterable per webinar; ``?export=csv`` or ``xlsx`` downloads it."""

    @cached_property
    def webinar(self) -> WebinarPage | None:
        """The webinar the list is filtered to, if any."""
        value = self.request.GET.get(WEBINAR_PARAM, "")
        if not value.isdigit():
            return None
        return WebinarPage.objects.filter(pk=int(value)).first()

    def get_page_subtitle(self):
        return self.webinar.title if self.webinar else ""

    def get_filename(self) -> str:
        today = timezone.localdate().isoformat()
        if self.webinar:
            return f"iscrizioni-{slugify(self.webinar.title)[:50]}-{today}"
        return f"iscrizioni-{today}"

    def as_spreadsheet(self, queryset, spreadsheet_format):
        # No personal data in the log: who downloaded what, not its content.
        logger.info(
            "User %s exported registrations as %s (webinar %s).",
            self.request.user.pk,
            spreadsheet_format,
            self.webinar.pk if self.webinar else "all",
        )
        return super().as_spreadsheet(queryset, spreadsheet_format)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["row_action_form_id"] = ROW_ACTION_FORM_ID
        if self.webinar:
            context["webinar"] = self.webinar
            context["webinar_date"] = show.long_datetime(self.webinar.start)
            context["webinar_counts"] = webinar_counts_text(selectors.webinar_counts(self.webinar))
            context["attendance_url"] = attendance_url(self.webinar)
        return context


class RegistrationInspectView(InspectView):
    """One registration, with the actions its state allows and the e-mails sent about it."""

    def get_page_subtitle(self):
        return f"{self.instance.full_name} – {self.instance.webinar.title}"

    def get_field_display_value(self, field_name, field=None):
        if field_name == "status":
            return show.state_badge(self.instance)
        value = super().get_field_display_value(field_name, field)
        return list_inspect_view_value(self, field_name, value)

    def get_context_data(self, **kwargs):
        user = self.request.user
        registration = self.instance
        context = super().get_context_data(**kwargs)
        context["actions"] = (
            registration_actions(registration) if user_can_change_registrations(user) else []
        )
        context["next_url"] = self.request.get_full_path()
        context["webinar_registrations_url"] = registrations_url(registration.webinar)
        if user_can_view_emails(user):
            context["emails"] = [
                (email, show.long_datetime(email.created_at), show.long_datetime(email.sent_at))
                for email in registration.emails.order_by("created_at")
            ]
        return context


class RegistrationAdmin(ReadOnlyModelAdmin):
    """Who registered for which webinar, and where each registration stands."""

    model = Registration
    menu_label = _("Registrations")
    menu_icon = "group"
    list_display = ("person", "organisation", "webinar_cell", "state", "registered")
    list_filter = (WebinarListFilter, StateListFilter, "member_organisation")
    list_select_related = ("webinar", "member_organisation")
    # Shows the download buttons; the files' columns are ``exports.COLUMNS``.
    list_export = RegistrationExportMixin.list_export
    search_fields = ("first_name", "last_name", "email", "organisation_name")
    ordering = ("-created_at",)
    list_per_page = 50
    index_view_class = RegistrationIndexView

    def get_queryset(self, request):
        # The state column and the exports tell each waiting person's place in line.
        return Registration.with_waitlist_places(super().get_queryset(request))

    index_template_name = "registrations/admin/registration_index.html"
    inspect_view_class = RegistrationInspectView
    inspect_template_name = "registrations/admin/registration_inspect.html"
    inspect_view_fields = (
        "webinar",
        "first_name",
        "last_name",
        "email",
        "organisation_name",
        "member_organisation",
        "role",
        "answers",
        "status",
        "waitlist_position",
        "consent_at",
        "consent_version",
        "created_at",
        "confirmed_at",
        "approved_at",
        "cancelled_at",
        # When the personal join link was first opened: a first measure of attendance.
        "join_first_used_at",
        "join_count",
        "attendance",
        "attended_seconds",
        "anonymised_at",
    )

    def get_list_display(self, request):
        if user_can_change_registrations(request.user):
            return (*self.list_display, "row_actions")
        return self.list_display

    @display(description=_("name"), ordering="last_name")
    def person(self, registration: Registration) -> str:
        """The name, and the e-mail under it (wrapping only after its @ and dots)."""
        return format_html(
            '<span class="cgm-person__name">{}</span> <span class="cgm-person__email">{}</span>',
            registration.full_name,
            show.email_cell(registration.email),
        )

    @display(description=_("organisation"), ordering="organisation_name")
    def organisation(self, registration: Registration) -> str:
        """As the person wrote it; under it, the member organisation matched, if another."""
        member = registration.member_organisation
        if member is None:
            note = format_html('<span class="cgm-muted">{}</span>', gettext("not a member"))
        elif member.name.casefold() != registration.organisation_name.casefold():
            note = format_html('<span class="cgm-muted">{}</span>', member.name)
        else:
            note = ""
        return format_html(
            '<span class="cgm-cell__main">{}</span> {}', registration.organisation_name, note
        )

    @display(description=_("webinar"), ordering="webinar__start")
    def webinar_cell(self, registration: Registration) -> str:
        webinar = registration.webinar
        return format_html(
            '<span class="cgm-cell__main">{}</span> <span class="cgm-muted">{}</span>',
            webinar.title,
            show.long_datetime(webinar.start),
        )

    @display(description=_("state"), ordering="status")
    def state(self, registration: Registration) -> str:
        return show.state_badge(registration)

    @display(description=_("registered at"), ordering="created_at")
    def registered(self, registration: Registration) -> str:
        return show.time_tag(registration.created_at)

    @display(description=_("actions"))
    def row_actions(self, registration: Registration) -> str:
        """Approve or reject an access request right from the list."""
        if registration.status != Status.PENDING_REVIEW:
            return ""
        return format_html(
            '<span class="cgm-row-actions">{}</span>',
            format_html_join(
                " ",
                '<button type="submit" form="{}" formaction="{}" class="{} button-small" '
                'aria-label="{}: {}">{}</button>',
                (
                    (
                        ROW_ACTION_FORM_ID,
                        action["url"],
                        action["classname"],
                        action["label"],
                        registration.full_name,
                        action.get("short_label", action["label"]),
                    )
                    for action in registration_actions(registration)
                    if action["method"] == "post"
                ),
            ),
        )


# The e-mail log ---------------------------------------------------------------------------


class EmailMessageIndexView(FilterDrawerMixin, IndexView):
    """The e-mail log's list, with its filters in the drawer."""


class EmailMessageInspectView(InspectView):
    """One message: its subject and plain text as sent (an invitation's Teams link included)."""

    PREFORMATTED = ("body_text", "last_error")

    def get_field_display_value(self, field_name, field=None):
        value = super().get_field_display_value(field_name, field)
        if field_name == "status":
            return format_html(
                "{} {}",
                email_status_badge(self.instance),
                email_resend_button(self.request, self.instance),
            )
        if field_name in self.PREFORMATTED and getattr(self.instance, field_name):
            return format_html(
                '<pre class="w-whitespace-pre-wrap" data-field="{}">{}</pre>',
                field_name,
                getattr(self.instance, field_name),
            )
        if (
            field_name == "registration"
            and self.instance.registration_id
            and user_can_view_registrations(self.request.user)
        ):
            return format_html(
                '<a href="{}">{}</a>', inspect_url(self.instance.registration), value
            )
        return list_inspect_view_value(self, field_name, value)


def email_status_badge(message: EmailMessage) -> str:
    """A message's delivery status as a coloured badge (``.cgm-mail--<status>``)."""
    return format_html(
        '<span class="cgm-state cgm-mail--{}" data-state="{}">{}</span>',
        message.status,
        message.status,
        message.get_status_display(),
    )


class EmailMessageAdmin(ReadOnlyModelAdmin):
    """Every e-mail queued or sent, with its delivery status: read-only."""

    model = EmailMessage
    menu_label = _("E-mail log")
    menu_icon = "mail"
    list_display = ("kind", "recipient", "delivery", "attempts", "queued", "short_error")
    list_filter = ("status", "kind", WebinarListFilter)
    search_fields = ("to",)
    ordering = ("-created_at",)
    list_per_page = 50
    index_view_class = EmailMessageIndexView
    index_template_name = "registrations/admin/includes/index_base.html"
    inspect_view_class = EmailMessageInspectView
    inspect_view_fields = (
        "kind",
        "to",
        "status",
        "registration",
        "webinar",
        "subject",
        "body_text",
        "attempts",
        "last_error",
        "esp_message_id",
        "created_at",
        "send_after",
        "sent_at",
    )

    @display(description=_("to"), ordering="to")
    def recipient(self, message: EmailMessage) -> str:
        return show.email_cell(message.to)

    @display(description=_("status"), ordering="status")
    def delivery(self, message: EmailMessage) -> str:
        return email_status_badge(message)

    @display(description=_("created at"), ordering="created_at")
    def queued(self, message: EmailMessage) -> str:
        return show.time_tag(message.created_at)

    @display(description=_("last error"))
    def short_error(self, message: EmailMessage) -> str:
        """The error's beginning; the whole of it is on the inspect view and in the title."""
        if not message.last_error:
            return ""
        return format_html(
            '<span class="cgm-error" title="{}">{}</span>',
            Truncator(message.last_error).chars(500),
            Truncator(message.last_error).chars(ERROR_PREVIEW_CHARS),
        )

    def get_admin_urls_for_registration(self):
        return (*super().get_admin_urls_for_registration(), email_resend_url())
