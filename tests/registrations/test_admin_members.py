"""Staff at work: member organisations, allowed addresses and the CSV import in the admin."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from wagtail.test.utils.form_data import inline_formset, nested_form_data

import pytest

from registrations.admin.members import RegistrationsAdminGroup
from registrations.models import AllowedAddress, MemberDomain, MemberOrganisation
from tests.utils import soup, text_of

INDEX_URL = "registrations_memberorganisation_modeladmin_index"
CREATE_URL = "registrations_memberorganisation_modeladmin_create"
EDIT_URL = "registrations_memberorganisation_modeladmin_edit"
ADDRESS_INDEX_URL = "registrations_allowedaddress_modeladmin_index"
ADDRESS_CREATE_URL = "registrations_allowedaddress_modeladmin_create"
IMPORT_URL = "registrations_memberorganisation_import"

CSV = (
    "name;city;active;domains;allowed_addresses\n"
    "Gruppo Cooperativo CGM;Milano;sì;cgm.coop;mario.rossi@gmail.com\n"
    "Consorzio Proodos;Napoli;sì;*.proodos.it;\n"
)


def it(message: str, **params) -> str:
    """A message as Italian staff read it (the msgid itself until it is translated)."""
    with translation.override("it"):
        text = translation.gettext(message)
    return text % params if params else text


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_superuser(
        username="segreteria", email="segreteria@cgm.coop", password="password"
    )


@pytest.fixture
def admin_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def editor_client(client, db):
    """A communications editor: may use the admin, has no rights on the registry."""
    editor = get_user_model().objects.create_user(
        username="redazione", email="redazione@example.org", password="password"
    )
    editor.user_permissions.add(Permission.objects.get(codename="access_admin"))
    client.force_login(editor)
    return client


@pytest.fixture
def cgm(db):
    organisation = MemberOrganisation.objects.create(name="Gruppo Cooperativo CGM", city="Milano")
    MemberDomain.objects.create(organisation=organisation, domain="cgm.coop")
    MemberDomain.objects.create(organisation=organisation, domain="cgm.it", include_subdomains=True)
    AllowedAddress.objects.create(email="mario.rossi@gmail.com", organisation=organisation)
    AllowedAddress.objects.create(email="anna@libero.it", organisation=organisation)
    return organisation


@pytest.fixture
def proodos(db):
    organisation = MemberOrganisation.objects.create(
        name="Consorzio Proodos", city="Napoli", active=False
    )
    MemberDomain.objects.create(organisation=organisation, domain="xn--cooperativ-q4a.it")
    return organisation


def listed_rows(response) -> list[list[str]]:
    """A modeladmin list as staff read it: one list of cell texts per row, the first
    cell without its "Edit" and "Delete" buttons."""
    rows = []
    for row in soup(response).select("table.listing tbody tr"):
        cells = row.select("td")
        title = cells[0].select_one(".title-wrapper") or cells[0]
        rows.append([text_of(title)] + [text_of(cell) for cell in cells[1:]])
    return rows


def listed_names(response) -> list[str]:
    return [row[0] for row in listed_rows(response)]


def organisation_form(*, domains, initial=0, **fields):
    """The POST data of the organisation form; ``initial`` domains are existing rows."""
    data = {"name": "Consorzio Nuovo", "city": "Bergamo", "active": "on", **fields}
    data["domains"] = inline_formset(domains, initial=initial)
    return nested_form_data(data)


def report_counts(response) -> dict[str, str]:
    """The import report's counts table, label → number."""
    report = soup(response).select_one("[data-import-report]")
    return {
        text_of(row.select_one("th")): text_of(row.select_one("td"))
        for row in report.select("table.listing tbody tr")
        if row.select_one("th")
    }


def form_error_texts(response) -> str:
    return text_of(soup(response).select_one("main") or soup(response))


def test_the_group_collects_the_registry_admins():
    assert str(RegistrationsAdminGroup.menu_label) == it("Registrations")
    assert [item.model for item in RegistrationsAdminGroup.items][:2] == [
        MemberOrganisation,
        AllowedAddress,
    ]


def test_organisations_are_listed_with_domains_and_address_counts(admin_client, cgm, proodos):
    response = admin_client.get(reverse(INDEX_URL))

    assert response.status_code == 200
    rows = listed_rows(response)
    cgm_row = next(row for row in rows if row[0] == "Gruppo Cooperativo CGM")
    assert cgm_row[1] == "Milano"
    assert cgm_row[3] == "cgm.coop, *.cgm.it"
    assert cgm_row[4] == "2"
    proodos_row = next(row for row in rows if row[0] == "Consorzio Proodos")
    assert proodos_row[3] == "cooperativà.it"  # shown readable, stored in ASCII
    assert proodos_row[4] == "0"
    import_link = soup(response).find("a", href=reverse(IMPORT_URL))
    assert import_link is not None
    assert text_of(import_link) == it("Import from CSV")


@pytest.mark.parametrize(
    ("query", "found"),
    [
        ("cgm.coop", ["Gruppo Cooperativo CGM"]),
        ("@cgm.coop", ["Gruppo Cooperativo CGM"]),
        ("cooperativà.it", ["Consorzio Proodos"]),
        ("Napoli", ["Consorzio Proodos"]),
        ("proodos", ["Consorzio Proodos"]),
        ("evil.com", []),
    ],
)
def test_search_by_name_city_and_domain(admin_client, cgm, proodos, query, found):
    response = admin_client.get(reverse(INDEX_URL), {"q": query})

    assert response.status_code == 200
    assert listed_names(response) == found


def test_filter_by_active(admin_client, cgm, proodos):
    response = admin_client.get(reverse(INDEX_URL), {"active__exact": "0"})

    assert listed_names(response) == ["Consorzio Proodos"]


def test_create_an_organisation_with_its_domains(admin_client):
    url = reverse(CREATE_URL)
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(
        url,
        organisation_form(
            domains=[
                {"id": "", "domain": "  Cooperativà.IT. ", "include_subdomains": ""},
                {"id": "", "domain": "*.Nuovo.coop", "include_subdomains": ""},
            ]
        ),
    )

    assert response.status_code == 302, form_error_texts(response)
    organisation = MemberOrganisation.objects.get(name="Consorzio Nuovo")
    assert (organisation.city, organisation.active) == ("Bergamo", True)
    assert dict(organisation.domains.values_list("domain", "include_subdomains")) == {
        "xn--cooperativ-q4a.it": False,
        "nuovo.coop": True,
    }


@pytest.mark.parametrize("domain", ["cgm coop", "nuovo..coop", "coop", "nuovo_coop.it"])
def test_an_invalid_domain_is_refused_with_a_clear_message(admin_client, domain):
    response = admin_client.post(
        reverse(CREATE_URL), organisation_form(domains=[{"id": "", "domain": domain}])
    )

    assert response.status_code == 200
    assert it(
        "«%(domain)s» is not a valid e-mail domain: write the part after the @, e.g. cgm.coop.",
        domain=domain,
    ) in form_error_texts(response)
    assert not MemberOrganisation.objects.filter(name="Consorzio Nuovo").exists()


def test_a_domain_of_another_organisation_is_refused(admin_client, cgm):
    response = admin_client.post(
        reverse(CREATE_URL), organisation_form(domains=[{"id": "", "domain": "CGM.coop."}])
    )

    assert response.status_code == 200
    assert it(
        "The domain %(domain)s already belongs to «%(organisation)s».",
        domain="cgm.coop",
        organisation=cgm.name,
    ) in form_error_texts(response)
    assert not MemberOrganisation.objects.filter(name="Consorzio Nuovo").exists()


def test_names_are_unique_regardless_of_case(admin_client, cgm):
    response = admin_client.post(
        reverse(CREATE_URL),
        organisation_form(name="gruppo cooperativo cgm", domains=[]),
    )

    assert response.status_code == 200
    assert it(
        "An organisation called «%(name)s» already exists.", name="gruppo cooperativo cgm"
    ) in form_error_texts(response)


def test_edit_an_organisation_keeping_one_domain_and_dropping_another(admin_client, cgm):
    url = reverse(EDIT_URL, args=[cgm.pk])
    assert admin_client.get(url).status_code == 200
    cgm_coop, cgm_it = cgm.domains.order_by("domain")

    response = admin_client.post(
        url,
        organisation_form(
            name=cgm.name,
            city="Roma",
            domains=[
                {"id": str(cgm_coop.pk), "domain": "cgm.coop", "include_subdomains": "on"},
                {"id": str(cgm_it.pk), "domain": "cgm.it", "DELETE": "1"},
                {"id": "", "domain": "Nuovo.CGM.coop"},
            ],
            initial=2,
        ),
    )

    assert response.status_code == 302, form_error_texts(response)
    cgm.refresh_from_db()
    assert cgm.city == "Roma"
    assert dict(cgm.domains.values_list("domain", "include_subdomains")) == {
        "cgm.coop": True,
        "nuovo.cgm.coop": False,
    }


def test_allowed_addresses_are_listed_and_stored_normalised(admin_client, cgm):
    response = admin_client.get(reverse(ADDRESS_INDEX_URL), {"q": "gmail"})
    assert response.status_code == 200
    assert listed_rows(response) == [["mario.rossi@gmail.com", cgm.name, "-"]]

    response = admin_client.post(
        reverse(ADDRESS_CREATE_URL),
        {"email": " Giulia.Verdi@GMail.com ", "organisation": str(cgm.pk), "note": "Sede Roma"},
    )

    assert response.status_code == 302, form_error_texts(response)
    assert AllowedAddress.objects.filter(
        email="giulia.verdi@gmail.com", organisation=cgm, note="Sede Roma"
    ).exists()


def test_an_allowed_address_is_unique_whatever_its_case(admin_client, cgm):
    response = admin_client.post(
        reverse(ADDRESS_CREATE_URL),
        {"email": "MARIO.Rossi@gmail.com", "organisation": str(cgm.pk), "note": ""},
    )

    assert response.status_code == 200
    assert list(AllowedAddress.objects.values_list("email", flat=True).order_by("email")) == [
        "anna@libero.it",
        "mario.rossi@gmail.com",
    ]


def test_an_allowed_address_needs_an_organisation(admin_client):
    response = admin_client.post(
        reverse(ADDRESS_CREATE_URL), {"email": "giulia@gmail.com", "organisation": "", "note": ""}
    )

    assert response.status_code == 200
    assert not AllowedAddress.objects.exists()


# The CSV import view -------------------------------------------------------------------


def upload(content: bytes | str, name: str = "soci.csv", content_type: str = "text/csv"):
    if isinstance(content, str):
        content = content.encode()
    return SimpleUploadedFile(name, content, content_type=content_type)


def test_the_import_view_imports_and_shows_the_report(admin_client):
    url = reverse(IMPORT_URL)
    page = admin_client.get(url)
    assert page.status_code == 200
    assert soup(page).select_one("form[enctype='multipart/form-data'] input[type=file]")

    response = admin_client.post(url, {"file": upload(CSV)})

    assert response.status_code == 200
    report = soup(response).select_one("[data-import-report]")
    assert report is not None
    report_text = text_of(report)
    assert it("Import completed.") in report_text
    assert report_counts(response) == {
        it("Organisations added"): "2",
        it("Organisations updated"): "0",
        it("Organisations unchanged"): "0",
        it("Rows rejected"): "0",
    }
    assert [text_of(item) for item in report.select("[data-added] li")] == [
        "Gruppo Cooperativo CGM",
        "Consorzio Proodos",
    ]
    assert MemberDomain.objects.get(domain="proodos.it").include_subdomains is True
    assert AllowedAddress.objects.get().email == "mario.rossi@gmail.com"

    again = admin_client.post(url, {"file": upload(CSV)})
    assert report_counts(again)[it("Organisations unchanged")] == "2"
    assert report_counts(again)[it("Organisations added")] == "0"


def test_the_import_view_dry_run_writes_nothing(admin_client):
    response = admin_client.post(reverse(IMPORT_URL), {"file": upload(CSV), "dry_run": "on"})

    assert response.status_code == 200
    report_text = text_of(soup(response).select_one("[data-import-report]"))
    assert it("Dry run: nothing was saved.") in report_text
    assert not MemberOrganisation.objects.exists()


def test_the_import_view_lists_rejected_rows(admin_client):
    response = admin_client.post(
        reverse(IMPORT_URL), {"file": upload(CSV + "Senza Nome Valido;Roma;sì;roma;\n")}
    )

    rows = [
        [text_of(cell) for cell in row.select("td")]
        for row in soup(response).select("[data-rejected-rows] tbody tr")
    ]
    assert rows == [["4", "Senza Nome Valido", it("invalid domain «%(domain)s»", domain="roma")]]
    assert not MemberOrganisation.objects.exists()


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (
            upload(b"PK\x03\x04", "soci.xlsx", "application/vnd.ms-excel"),
            "Choose a CSV file (a name ending in .csv).",
        ),
        (upload(b"\x89PNG", "soci.csv", "image/png"), "Choose a CSV file (a name ending in .csv)."),
        (
            upload("name,city,active,domains,allowed_addresses\n" + "x" * (2 * 1024 * 1024)),
            "The file is larger than 2 MB.",
        ),
    ],
    ids=["xlsx", "png", "too-large"],
)
def test_the_import_view_refuses_other_files(admin_client, file, message):
    response = admin_client.post(reverse(IMPORT_URL), {"file": file})

    assert response.status_code == 200
    assert it(message) in form_error_texts(response)
    assert soup(response).select_one("[data-import-report]") is None


def test_the_import_view_explains_a_file_it_cannot_read(admin_client):
    response = admin_client.post(
        reverse(IMPORT_URL), {"file": upload("città;nome\nMilano;CGM\n".encode("latin-1"))}
    )

    assert response.status_code == 200
    assert it(
        "The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”."
    ) in form_error_texts(response)
    assert not MemberOrganisation.objects.exists()


# Who may see all this --------------------------------------------------------------------


def assert_refused(response):
    """Wagtail's answer to a permission denied: back to the dashboard, with a message."""
    assert response.redirect_chain == [(reverse("wagtailadmin_home"), 302)]
    page = response.content.decode()
    assert it("Sorry, you do not have permission to access this area.") in page
    assert "cgm.coop" not in page
    assert "mario.rossi@gmail.com" not in page


@pytest.mark.parametrize(
    "url",
    [
        reverse(INDEX_URL),
        reverse(CREATE_URL),
        reverse(ADDRESS_INDEX_URL),
        reverse(IMPORT_URL),
    ],
)
def test_an_editor_without_permissions_is_refused(editor_client, cgm, url):
    response = editor_client.get(url, follow=True)

    assert_refused(response)


def test_an_editor_cannot_post_an_import(editor_client):
    response = editor_client.post(reverse(IMPORT_URL), {"file": upload(CSV)}, follow=True)

    assert_refused(response)
    assert not MemberOrganisation.objects.exists()


def test_an_editor_cannot_edit_an_organisation(editor_client, cgm):
    response = editor_client.post(
        reverse(EDIT_URL, args=[cgm.pk]),
        organisation_form(name=cgm.name, city="Roma", domains=[]),
        follow=True,
    )

    assert_refused(response)
    cgm.refresh_from_db()
    assert cgm.city == "Milano"


def test_staff_who_may_only_view_organisations_get_no_import_button(client, cgm):
    user = get_user_model().objects.create_user(username="lettore", password="password")
    user.user_permissions.add(
        Permission.objects.get(codename="access_admin"),
        Permission.objects.get(codename="view_memberorganisation"),
    )
    client.force_login(user)

    response = client.get(reverse(INDEX_URL))

    assert response.status_code == 200
    assert soup(response).find("a", href=reverse(IMPORT_URL)) is None
    assert client.get(reverse(IMPORT_URL)).url == reverse("wagtailadmin_home")


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    for url in (reverse(INDEX_URL), reverse(IMPORT_URL)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("wagtailadmin_login"))


@pytest.mark.parametrize("model", ["memberorganisation", "allowedaddress"])
def test_no_history_view_shows_the_registry_to_an_editor(editor_client, cgm, model):
    """Modeladmin's history view checks no permission: it is switched off."""
    address = AllowedAddress.objects.get(email="mario.rossi@gmail.com")
    pk = cgm.pk if model == "memberorganisation" else address.pk
    response = editor_client.get(f"/admin/registrations/{model}/history/{pk}/")
    assert response.status_code == 404
    assert b"mario.rossi@gmail.com" not in response.content
