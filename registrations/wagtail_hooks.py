"""The app's admin: the "Registrations" menu and the member import view.

To add a ModelAdmin to the menu, append it to ``RegistrationsAdminGroup.items`` here,
before ``modeladmin_register``.
"""

from django.urls import path

from wagtail import hooks

from wagtail_modeladmin.options import modeladmin_register

from registrations.admin_members import (
    IMPORT_URL_NAME,
    MembersImportView,
    RegistrationsAdminGroup,
)

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
