"""The app's admin: the "Registrations" menu, the member import, registration actions.

To add a ModelAdmin to the menu, append it to ``RegistrationsAdminGroup.items`` here,
before ``modeladmin_register``.
"""

from django.urls import path

from wagtail import hooks

from wagtail_modeladmin.options import modeladmin_register

from registrations.admin_attendance import attendance_urls
from registrations.admin_members import (
    IMPORT_URL_NAME,
    MembersImportView,
    RegistrationsAdminGroup,
)
from registrations.admin_registrations import (
    EmailMessageAdmin,
    RegistrationAdmin,
    action_urls,
    webinar_registration_notice,
)

RegistrationsAdminGroup.items = [
    *RegistrationsAdminGroup.items,
    RegistrationAdmin,
    EmailMessageAdmin,
]

modeladmin_register(RegistrationsAdminGroup)


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
    """Approve, reject, send the invitation again, cancel: see ``admin_registrations``."""
    return action_urls()


@hooks.register("register_admin_urls")
def register_attendance_urls():
    """A webinar's attendance, matches to confirm and follow-ups: see ``admin_attendance``."""
    return attendance_urls()


@hooks.register("before_edit_page")
def show_webinar_registration_counts(request, page):
    """A webinar's edit view opens with its seat counts, for staff who may see them."""
    webinar_registration_notice(request, page)
