"""Staff manage the membership registry in the Wagtail admin (wagtail-modeladmin).

``RegistrationsAdminGroup`` is the "Registrations" menu: it lists the member
organisations (with their e-mail domains inline) and the allowed addresses. Other admin
screens of the app join it by being added to its ``items`` in ``wagtail_hooks.py``,
before the group is registered there. ``MembersImportView`` imports organisations from a
CSV file (see ``registrations.imports``); its URL is registered in ``wagtail_hooks.py``.

Domains and addresses are saved in the normalised form the matching compares
(``registrations.membership``): the forms below do it, not the models.
"""

from __future__ import annotations

from contextlib import suppress

from django import forms
from django.contrib.admin import display
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.generic.edit import FormView

from wagtail.admin import messages
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, ObjectList
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin

from wagtail_modeladmin.helpers import DjangoORMSearchHandler
from wagtail_modeladmin.options import ModelAdmin, ModelAdminGroup
from wagtail_modeladmin.views import IndexView

from registrations import selectors
from registrations.admin.base import FilterDrawerMixin
from registrations.admin.display import breakable
from registrations.imports import ImportFileError, member_organisations_import
from registrations.membership import (
    clean_member_domain,
    normalise_domain,
    normalise_email,
    unicode_domain,
)
from registrations.models import AllowedAddress, MemberDomain, MemberOrganisation

IMPORT_URL_NAME = "registrations_memberorganisation_import"
IMPORT_MAX_SIZE = 2 * 1024 * 1024
# What browsers and spreadsheet programs send for a .csv file.
CSV_CONTENT_TYPES = frozenset(
    {
        "",
        "application/csv",
        "application/octet-stream",
        "application/vnd.ms-excel",
        "text/comma-separated-values",
        "text/csv",
        "text/plain",
        "text/x-csv",
    }
)


def user_can_import_members(user) -> bool:
    """Importing creates organisations and rewrites existing ones: it needs both rights."""
    return user.has_perms(
        ["registrations.add_memberorganisation", "registrations.change_memberorganisation"]
    )


# Forms ---------------------------------------------------------------------------------


class MemberOrganisationForm(WagtailAdminModelForm):
    """The organisation: names are unique regardless of case, as the CSV import matches them."""

    def clean_name(self):
        name = " ".join(self.cleaned_data["name"].split())
        clash = MemberOrganisation.objects.filter(name__iexact=name).exclude(pk=self.instance.pk)
        if clash.exists():
            raise forms.ValidationError(
                _("An organisation called «%(name)s» already exists."), params={"name": name}
            )
        return name


class MemberDomainForm(WagtailAdminModelForm):
    """One e-mail domain of an organisation, stored normalised (lowercase, ASCII "xn--")."""

    wildcard = False

    def clean_domain(self):
        value = self.cleaned_data["domain"]
        try:
            domain, self.wildcard = clean_member_domain(value)
        except ValueError:
            raise forms.ValidationError(
                _(
                    "«%(domain)s» is not a valid e-mail domain: write the part after the @, "
                    "e.g. cgm.coop."
                ),
                params={"domain": value},
            ) from None
        holder = (
            MemberDomain.objects.filter(domain=domain)
            .exclude(pk=self.instance.pk)
            .select_related("organisation")
            .first()
        )
        if holder and holder.organisation_id != self.instance.organisation_id:
            raise forms.ValidationError(
                _("The domain %(domain)s already belongs to «%(organisation)s»."),
                params={"domain": domain, "organisation": holder.organisation},
            )
        return domain

    def clean(self):
        cleaned_data = super().clean()
        # "*.cgm.coop" is the CSV's way of saying "with subdomains": accept it here too.
        if getattr(self, "wildcard", False):
            cleaned_data["include_subdomains"] = True
        return cleaned_data


class DomainsInlinePanel(InlinePanel):
    """An ``InlinePanel`` whose forms are ``MemberDomainForm``s."""

    def get_form_options(self):
        options = super().get_form_options()
        options["formsets"][self.relation_name]["form"] = MemberDomainForm
        return options


class AllowedAddressForm(WagtailAdminModelForm):
    """An allow-listed address, stored normalised; it must name its organisation."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # An address without an organisation would match nobody: see membership.py.
        self.fields["organisation"].required = True

    def clean_email(self):
        try:
            return normalise_email(self.cleaned_data["email"])
        except ValueError:
            raise forms.ValidationError(_("Enter a valid email address.")) from None


class MembersImportForm(forms.Form):
    """The CSV upload of the import view."""

    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: name, city, active, domains, allowed_addresses. UTF-8, separated by "
            "commas or semicolons; several domains or addresses separated by spaces or |; "
            "*.example.coop also accepts its subdomains. At most 2 MB."
        ),
    )
    dry_run = forms.BooleanField(
        label=_("Dry run: check without saving"),
        required=False,
        help_text=_("Check the file and show the report without saving anything."),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        content_type = (upload.content_type or "").split(";")[0].strip().lower()
        if not upload.name.lower().endswith(".csv") or content_type not in CSV_CONTENT_TYPES:
            raise forms.ValidationError(_("Choose a CSV file (a name ending in .csv)."))
        if upload.size > IMPORT_MAX_SIZE:
            raise forms.ValidationError(_("The file is larger than 2 MB."))
        return upload.read()


# ModelAdmins ---------------------------------------------------------------------------


class MemberOrganisationSearchHandler(DjangoORMSearchHandler):
    """Search by name, city and domain; "@cooperativà.it" also finds its "xn--" form."""

    def search_queryset(self, queryset, search_term, **kwargs):
        if not search_term:
            return queryset
        for bit in search_term.split():
            query = Q()
            for search_field in self.search_fields:
                query |= Q(**{f"{search_field}__icontains": bit})
            with suppress(ValueError):
                query |= Q(domains__domain__icontains=normalise_domain(bit))
            queryset = queryset.filter(query)
        return queryset.distinct()


class MemberOrganisationIndexView(FilterDrawerMixin, IndexView):
    """The organisations list, with an "Import from CSV" button for those who may import."""

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        if user_can_import_members(self.request.user):
            context["import_url"] = reverse(IMPORT_URL_NAME)
        return context


class MemberOrganisationAdmin(ModelAdmin):
    """Member organisations with their e-mail domains."""

    model = MemberOrganisation
    # Modeladmin's history view checks no permission: it would show the data to anyone.
    history_view_enabled = False
    menu_label = _("Member organisations")
    menu_icon = "site"
    list_display = ("name", "city", "active", "domain_list", "allowed_address_count")
    list_filter = ("active", "city")
    search_fields = ("name", "city", "domains__domain")
    search_handler_class = MemberOrganisationSearchHandler
    index_view_class = MemberOrganisationIndexView
    index_template_name = "registrations/admin/member_organisation_index.html"
    edit_handler = ObjectList(
        [
            FieldPanel("name"),
            FieldPanel("city"),
            FieldPanel("active"),
            DomainsInlinePanel("domains", label=_("E-mail domain")),
        ],
        base_form_class=MemberOrganisationForm,
    )

    def get_queryset(self, request):
        return selectors.with_allowed_address_count(
            super().get_queryset(request).prefetch_related("domains")
        )

    @display(description=_("domains"))
    def domain_list(self, organisation: MemberOrganisation) -> str:
        """The domains, which wrap only after a dot or a comma, never inside a word."""
        return format_html_join(
            ", ",
            "{}",
            (
                (
                    breakable(
                        ("*." if domain.include_subdomains else "") + unicode_domain(domain.domain)
                    ),
                )
                for domain in organisation.domains.all()
            ),
        )

    @display(description=_("allowed addresses"), ordering="allowed_address_total")
    def allowed_address_count(self, organisation: MemberOrganisation) -> int:
        return organisation.allowed_address_total


class AllowedAddressAdmin(ModelAdmin):
    """Addresses of the network's people on public providers (gmail.com …)."""

    model = AllowedAddress
    history_view_enabled = False
    menu_label = _("Allowed addresses")
    menu_icon = "mail"
    list_display = ("email", "organisation", "note")
    list_select_related = ("organisation",)
    search_fields = ("email",)
    edit_handler = ObjectList(
        [FieldPanel("email"), FieldPanel("organisation"), FieldPanel("note")],
        base_form_class=AllowedAddressForm,
    )


class RegistrationsAdminGroup(ModelAdminGroup):
    """The "Registrations" admin menu. Add further ModelAdmins to ``items``."""

    menu_label = _("Registrations")
    menu_icon = "group"
    menu_order = 300
    items = [MemberOrganisationAdmin, AllowedAddressAdmin]


# Import view ---------------------------------------------------------------------------


class MembersImportView(WagtailAdminTemplateMixin, FormView):
    """Upload a CSV file of member organisations and read the import report."""

    form_class = MembersImportForm
    template_name = "registrations/admin/import_members.html"
    page_title = _("Import member organisations")
    header_icon = "upload"

    def dispatch(self, request, *args, **kwargs):
        if not user_can_import_members(request.user):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get_breadcrumbs_items(self):
        return [
            *self.breadcrumbs_items,
            {
                "url": reverse("registrations_memberorganisation_modeladmin_index"),
                "label": MemberOrganisation._meta.verbose_name_plural.capitalize(),
            },
            {"url": "", "label": self.get_page_title()},
        ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["index_url"] = reverse("registrations_memberorganisation_modeladmin_index")
        return context

    def form_valid(self, form):
        try:
            report = member_organisations_import(
                data=form.cleaned_data["file"], dry_run=form.cleaned_data["dry_run"]
            )
        except ImportFileError as error:
            form.add_error("file", str(error))
            return self.form_invalid(form)
        if report.saved:
            messages.success(self.request, report.outcome)
        elif report.rejected:
            messages.warning(self.request, report.outcome)
        else:
            messages.info(self.request, report.outcome)
        return self.render_to_response(self.get_context_data(form=self.form_class(), report=report))

    def form_invalid(self, form):
        messages.error(self.request, gettext("The file could not be imported."))
        return super().form_invalid(form)
