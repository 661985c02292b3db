"""Staff see registrations and the e-mail log in the Wagtail admin, and act on them.

``RegistrationAdmin`` and ``EmailMessageAdmin`` join the "Registrations" menu
(``registrations.admin_members.RegistrationsAdminGroup``, see ``wagtail_hooks.py``).
Both are read-only lists with an inspect view: a registration's status changes only
through ``registrations.services``, which the action views below call (approve or
reject an access request, send the invitation again, cancel). The list downloads as
CSV or XLSX (``registrations.exports``).

Everything here is personal data. Only holders of the "view" or "change" permission
on ``Registration`` see the list, its export and the counts on a webinar's edit view;
only holders of "change" act; the e-mail log (whose invitations carry the private
Teams link) needs a permission on ``EmailMessage``. Editors who may edit pages see
none of it: no menu item, a refusal on every URL.
"""

from __future__ import annotations

import logging

from django.contrib.admin import SimpleListFilter, display
from django.contrib.admin.utils import quote
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect
from django.middleware.csrf import get_token
from django.shortcuts import get_object_or_404
from django.urls import path, re_path, reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.text import Truncator, slugify
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views import View
from django.views.generic import TemplateView

from wagtail.admin import messages
from wagtail.admin.admin_url_finder import register_admin_url_finder
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from wagtail_modeladmin.helpers import ModelAdminURLFinder, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin
from wagtail_modeladmin.views import IndexView, InspectView

from events.models import WebinarPage
from registrations import exports, outbox, selectors, services
from registrations.models import EmailMessage, Registration
from registrations.services import RegistrationError

logger = logging.getLogger(__name__)

Status = Registration.Status

WEBINAR_PARAM = "webinar__id__exact"
INDEX_URL_NAME = "registrations_registration_modeladmin_index"
INSPECT_URL_NAME = "registrations_registration_modeladmin_inspect"
APPROVE_URL_NAME = "registrations_registration_approve"
REJECT_URL_NAME = "registrations_registration_reject"
RESEND_URL_NAME = "registrations_registration_resend_invitation"
CANCEL_URL_NAME = "registrations_registration_cancel"
# The one form on the list page that the approve/reject buttons of each row submit.
ROW_ACTION_FORM_ID = "registration-row-action"

# Why a service refused an action, as staff read it.
ACTION_ERRORS = {
    "not_pending_review": _(
        "This registration is no longer an access request to review: nothing was changed."
    ),
    "not_confirmed": _("Only confirmed registrants can be sent the invitation: nothing was sent."),
    "already_cancelled": _(
        "This registration is no longer active (cancelled or rejected): nothing was changed."
    ),
}
ACTION_REFUSED = _("This action is not possible in the registration's current state.")


# Who may do what ------------------------------------------------------------------------


def user_can_view_registrations(user) -> bool:
    return user.has_perm("registrations.view_registration") or user.has_perm(
        "registrations.change_registration"
    )


def user_can_change_registrations(user) -> bool:
    return user.has_perm("registrations.change_registration")


def user_can_view_emails(user) -> bool:
    return user.has_perm("registrations.view_emailmessage") or user.has_perm(
        "registrations.change_emailmessage"
    )


class ReadOnlyPermissionHelper(PermissionHelper):
    """List and inspect with the model's "view" or "change" permission; nothing else.

    Rows are written by the services, never by hand, so nobody (superusers included)
    gets a create, edit or delete view.
    """

    def user_can_list(self, user):
        return any(
            self.user_has_specific_permission(user, self.get_perm_codename(action))
            for action in ("view", "change")
        )

    def user_can_inspect_obj(self, user, obj):
        return self.inspect_view_enabled and self.user_can_list(user)

    def user_can_create(self, user):
        return False

    def user_can_edit_obj(self, user, obj):
        return False

    def user_can_delete_obj(self, user, obj):
        return False


class InspectURLFinder(ModelAdminURLFinder):
    """Where the admin links an object to (e.g. from a usage list): its inspect view."""

    def get_edit_url(self, instance):
        if self.user is None or self.permission_helper.user_can_inspect_obj(self.user, instance):
            return self.url_helper.get_action_url("inspect", quote(instance.pk))
        return None


class ReadOnlyModelAdmin(ModelAdmin):
    """A modeladmin with only an index and an inspect view (no create, edit, delete, history).

    The history view of wagtail-modeladmin checks no permission at all and shows the
    object's name: it is off.
    """

    permission_helper_class = ReadOnlyPermissionHelper
    inspect_view_enabled = True
    history_view_enabled = False

    def get_admin_urls_for_registration(self):
        return tuple(
            re_path(
                self.url_helper.get_action_url_pattern(action),
                getattr(self, f"{action}_view"),
                name=self.url_helper.get_action_url_name(action),
            )
            for action in ("index", "inspect")
        )

    def get_permissions_for_registration(self):
        # "add" and "delete" would mean nothing here: offer only these two in the group settings.
        return (
            super()
            .get_permissions_for_registration()
            .filter(
                codename__in=[
                    self.permission_helper.get_perm_codename(a) for a in ("view", "change")
                ]
            )
        )

    def register_admin_url_finders(self):
        finder_class = type(
            f"{self.model.__name__}URLFinder",
            (InspectURLFinder,),
            {"permission_helper": self.permission_helper, "url_helper": self.url_helper},
        )
        register_admin_url_finder(self.model, finder_class)

    def register_indexing(self):
        # Not in Wagtail's reference index: a row per registration written inside the
        # services' transactions (which hold the webinar lock), and the webinar's
        # "usage" screen, open to page editors, would count the people registered.
        pass


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
            (webinar.pk, f"{webinar.title} ({timezone.localtime(webinar.start):%d/%m/%Y})")
            for webinar in webinars.only("pk", "title", "start")
        ]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        if not value.isdigit():
            return queryset.none()
        return queryset.filter(webinar_id=int(value))


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


def registrations_url(webinar: WebinarPage) -> str:
    """The registration list, filtered to one webinar."""
    return f"{reverse(INDEX_URL_NAME)}?{urlencode({WEBINAR_PARAM: webinar.pk})}"


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
            messages.button(
                reverse("registrations_webinar_attendance", args=[webinar.pk]),
                gettext("Attendance and certificates"),
            ),
        ],
        extra_tags="webinar-registration-counts",
    )


# Registrations ----------------------------------------------------------------------------


def safe_next_url(request, default: str) -> str:
    """Where to go back to after an action: a local ``next`` URL, or ``default``."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def inspect_url(registration: Registration) -> str:
    return reverse(INSPECT_URL_NAME, args=[quote(registration.pk)])


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


class RegistrationIndexView(IndexView):
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
        filename = self.get_filename()
        if spreadsheet_format == self.FORMAT_CSV:
            return exports.csv_response(queryset, filename)
        return exports.xlsx_response(queryset, filename)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["row_action_form_id"] = ROW_ACTION_FORM_ID
        if self.webinar:
            context["webinar"] = self.webinar
            context["webinar_counts"] = webinar_counts_text(selectors.webinar_counts(self.webinar))
            context["attendance_url"] = reverse(
                "registrations_webinar_attendance", args=[self.webinar.pk]
            )
        return context


class RegistrationInspectView(InspectView):
    """One registration, with the actions its state allows and the e-mails sent about it."""

    def get_page_subtitle(self):
        return f"{self.instance.full_name} – {self.instance.webinar.title}"

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
            context["emails"] = registration.emails.order_by("created_at")
        return context


class RegistrationAdmin(ReadOnlyModelAdmin):
    """Who registered for which webinar, and where each registration stands."""

    model = Registration
    menu_label = _("Registrations")
    menu_icon = "group"
    list_display = (
        "full_name",
        "email",
        "organisation_name",
        "member_organisation",
        "webinar",
        "status_label",
        "waitlist_position",
        "created_at",
        "confirmed_at",
        # When the personal join link was first opened: a first measure of attendance.
        "join_first_used_at",
        "attendance_label",
    )
    list_filter = (WebinarListFilter, "status", "attendance", "member_organisation")
    list_select_related = ("webinar", "member_organisation")
    # Shows the download buttons; the files' columns are ``exports.HEADINGS``.
    list_export = (
        "first_name",
        "last_name",
        "email",
        "organisation_name",
        "member_organisation",
        "role",
        "status",
        "waitlist_position",
        "created_at",
        "confirmed_at",
        "attendance",
        "attended_seconds",
    )
    search_fields = ("first_name", "last_name", "email", "organisation_name")
    ordering = ("-created_at",)
    list_per_page = 50
    index_view_class = RegistrationIndexView
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
        "status",
        "waitlist_position",
        "consent_at",
        "consent_version",
        "created_at",
        "confirmed_at",
        "approved_at",
        "cancelled_at",
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

    @display(description=_("attendance"), ordering="attendance")
    def attendance_label(self, registration: Registration) -> str:
        """«presente (85 min)», from the Teams attendance; empty until it is imported."""
        if not registration.attendance:
            return ""
        minutes = round((registration.attended_seconds or 0) / 60)
        return f"{registration.get_attendance_display()} ({minutes} min)"

    @display(description=_("name"), ordering="last_name")
    def full_name(self, registration: Registration) -> str:
        return registration.full_name

    @display(description=_("status"), ordering="status")
    def status_label(self, registration: Registration) -> str:
        classname = (
            "w-status w-status--primary" if registration.status == Status.CONFIRMED else "w-status"
        )
        return format_html(
            '<span class="{}" data-status="{}">{}</span>',
            classname,
            registration.status,
            registration.get_status_display(),
        )

    @display(description=_("actions"))
    def row_actions(self, registration: Registration) -> str:
        """Approve or reject an access request right from the list."""
        if registration.status != Status.PENDING_REVIEW:
            return ""
        return format_html_join(
            " ",
            '<button type="submit" form="{}" formaction="{}" class="{} button-small">{}</button>',
            (
                (ROW_ACTION_FORM_ID, action["url"], action["classname"], action["label"])
                for action in registration_actions(registration)
                if action["method"] == "post"
            ),
        )


# Actions ------------------------------------------------------------------------------------


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
            messages.error(request, str(ACTION_ERRORS.get(error.code, ACTION_REFUSED)))
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


# The e-mail log ---------------------------------------------------------------------------


class EmailMessageInspectView(InspectView):
    """One message: its subject and plain text as sent (an invitation's Teams link included)."""

    PREFORMATTED = ("body_text", "last_error")

    def get_field_display_value(self, field_name, field=None):
        value = super().get_field_display_value(field_name, field)
        if field_name == "status":
            return format_html("{} {}", value, email_resend_button(self.request, self.instance))
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
        return value


class EmailMessageAdmin(ReadOnlyModelAdmin):
    """Every e-mail queued or sent, with its delivery status: read-only."""

    model = EmailMessage
    menu_label = _("E-mail log")
    menu_icon = "mail"
    list_display = ("kind", "to", "status", "attempts", "created_at", "sent_at", "short_error")
    list_filter = ("status", "kind", WebinarListFilter)
    search_fields = ("to",)
    ordering = ("-created_at",)
    list_per_page = 50
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

    @display(description=_("last error"))
    def short_error(self, message: EmailMessage) -> str:
        return Truncator(message.last_error).chars(80)

    def get_admin_urls_for_registration(self):
        return (
            *super().get_admin_urls_for_registration(),
            path(
                "registrations/emailmessage/resend/<int:pk>/",
                EmailMessageResendView.as_view(),
                name=EMAIL_RESEND_URL_NAME,
            ),
        )


EMAIL_RESEND_URL_NAME = "registrations_emailmessage_resend"


def email_resend_button(request, message: EmailMessage) -> str:
    """A POST button that queues a failed message again (for staff who may change e-mails)."""
    if message.status != EmailMessage.Status.FAILED or not request.user.has_perm(
        "registrations.change_emailmessage"
    ):
        return ""
    return format_html(
        '<form method="post" action="{}" class="w-inline">'
        '<input type="hidden" name="csrfmiddlewaretoken" value="{}">'
        '<button type="submit" class="button button-small button-secondary">{}</button></form>',
        reverse(EMAIL_RESEND_URL_NAME, args=[message.pk]),
        get_token(request),
        gettext("Resend"),
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
        return HttpResponseRedirect(
            reverse("registrations_emailmessage_modeladmin_inspect", args=[quote(message.pk)])
        )
