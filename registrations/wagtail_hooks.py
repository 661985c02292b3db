"""The app's admin: the "Registrations" menu, the member import, registration actions.

The screens themselves are in ``registrations/admin/``. To add a ModelAdmin to the
menu, append it to ``RegistrationsAdminGroup.items`` here, before ``modeladmin_register``.
"""

from django.templatetags.static import static
from django.urls import path
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from wagtail import hooks
from wagtail.admin.widgets import Button

from wagtail_modeladmin.options import modeladmin_register

from registrations.admin.actions import action_urls
from registrations.admin.attendance import attendance_urls
from registrations.admin.base import user_can_view_registrations
from registrations.admin.console import (
    UpcomingWebinarsPanel,
    console_url,
    console_urls,
    is_webinar,
)
from registrations.admin.lists import (
    EmailMessageAdmin,
    RegistrationAdmin,
    webinar_registration_notice,
)
from registrations.admin.members import (
    IMPORT_URL_NAME,
    MembersImportView,
    RegistrationsAdminGroup,
)
from registrations.admin.messages import message_urls

RegistrationsAdminGroup.items = [
    *RegistrationsAdminGroup.items,
    RegistrationAdmin,
    EmailMessageAdmin,
]

modeladmin_register(RegistrationsAdminGroup)


@hooks.register("insert_global_admin_css")
def registrations_admin_css():
    """The lists' layout and the state badges: a static file, no inline style (CSP)."""
    return format_html('<link rel="stylesheet" href="{}">', static("registrations/css/admin.css"))


@hooks.register("register_admin_urls")
def register_members_import_url():
    return [
        path(
            "registrations/memberorganisation/import/",
            MembersImportView.as_view(),
            name=IMPORT_URL_NAME,
        )
    ]


@hooks.register("register_admin_urls")
def register_registration_action_urls():
    """Approve, reject, send the invitation again, cancel: see ``admin.actions``."""
    return action_urls()


@hooks.register("register_admin_urls")
def register_attendance_urls():
    """A webinar's attendance, matches to confirm and follow-ups: see ``admin.attendance``."""
    return attendance_urls()


@hooks.register("before_edit_page")
def show_webinar_registration_counts(request, page):
    """A webinar's edit view opens with its seat counts, for staff who may see them."""
    webinar_registration_notice(request, page)


@hooks.register("register_admin_urls")
def register_console_urls():
    """A webinar's console and its messages to registrants: see ``admin.console``."""
    return [*console_urls(), *message_urls()]


def console_button(page, user, priority: int):
    if is_webinar(page) and user_can_view_registrations(user):
        yield Button(
            _("Registrations console"),
            console_url(page),
            icon_name="group",
            attrs={"data-registrations-console": ""},
            priority=priority,
        )


@hooks.register("register_page_header_buttons")
def webinar_console_header_button(page, user, view_name, next_url=None):
    """In a webinar's editor header (its "more" menu), the way to its console."""
    yield from console_button(page, user, priority=12)


@hooks.register("register_page_listing_more_buttons")
def webinar_console_listing_button(page, user, next_url=None):
    """In the page listing's row actions of a webinar, the way to its console."""
    yield from console_button(page, user, priority=3)


@hooks.register("construct_homepage_panels")
def upcoming_webinars_panel(request, panels):
    """The dashboard lists the upcoming webinars and their seats, for registrations staff."""
    if user_can_view_registrations(request.user):
        panels.append(UpcomingWebinarsPanel())
