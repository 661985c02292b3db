"""Who may do what in the registrations admin, its read-only ModelAdmin, shared URLs.

Everything here is personal data. Only holders of the "view" or "change" permission
on ``Registration`` see the list, its export and the counts on a webinar's edit view;
only holders of "change" act; the e-mail log (whose invitations carry the private
Teams link) needs a permission on ``EmailMessage``. Editors who may edit pages see
none of it: no menu item, a refusal on every URL.
"""

from __future__ import annotations

from django.contrib.admin.utils import quote
from django.urls import re_path, reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode

from wagtail.admin.admin_url_finder import register_admin_url_finder

from wagtail_modeladmin.helpers import ModelAdminURLFinder, PermissionHelper
from wagtail_modeladmin.options import ModelAdmin

WEBINAR_PARAM = "webinar__id__exact"
INDEX_URL_NAME = "registrations_registration_modeladmin_index"
INSPECT_URL_NAME = "registrations_registration_modeladmin_inspect"
EMAIL_INSPECT_URL_NAME = "registrations_emailmessage_modeladmin_inspect"
ATTENDANCE_URL_NAME = "registrations_webinar_attendance"


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


# Lists --------------------------------------------------------------------------------


def active_filters(view) -> list[dict]:
    """The filters applied to a list, each with the link that removes it (the pills)."""
    active = []
    for spec in getattr(view, "filter_specs", ()):
        choices = list(spec.choices(view))
        for choice in choices[1:]:  # the first is "All", the filter's removal
            if choice.get("selected"):
                active.append(
                    {
                        "title": spec.title,
                        "value": choice["display"],
                        "remove_url": choices[0]["query_string"],
                    }
                )
    return active


class FilterDrawerMixin:
    """The context of ``includes/index_base.html``: the active filters as pills."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["active_filters"] = active_filters(self)
        return context


# URLs -----------------------------------------------------------------------------------


def safe_next_url(request, default: str) -> str:
    """Where to go back to after an action: a local ``next`` URL, or ``default``."""
    url = request.POST.get("next") or request.GET.get("next")
    if url and url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return url
    return default


def inspect_url(registration) -> str:
    return reverse(INSPECT_URL_NAME, args=[quote(registration.pk)])


def registrations_url(webinar) -> str:
    """The registration list, filtered to one webinar."""
    return f"{reverse(INDEX_URL_NAME)}?{urlencode({WEBINAR_PARAM: webinar.pk})}"


def attendance_url(webinar) -> str:
    """A webinar's attendance screen (``registrations.admin.attendance``)."""
    return reverse(ATTENDANCE_URL_NAME, args=[webinar.pk])
