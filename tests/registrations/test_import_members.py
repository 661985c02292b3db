"""Importing member organisations from CSV: idempotent, all or nothing, a clear report."""

import os
import subprocess
import sys
from io import StringIO

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

import pytest

from registrations.imports import (
    ImportFileError,
    member_organisations_import,
    parse_active,
)
from registrations.models import AllowedAddress, MemberDomain, MemberOrganisation

GOOD_CSV = """name,city,active,domains,allowed_addresses
Gruppo Cooperativo CGM,Milano,sì,CGM.coop *.cgm.it.,Mario.Rossi@GMail.com|anna.bianchi@libero.it
Consorzio Proodos,Napoli,,proodos.it,
Cooperativà Sociale,Torino,no,cooperativà.it|xn--mller-kva.de,
"Stripes Cooperativa Sociale, Onlus",Rho,yes,*.stripes.coop,
"""


def it(message: str, **params) -> str:
    """A message as Italian staff read it (the msgid itself until it is translated)."""
    with translation.override("it"):
        text = translation.gettext(message)
    return text % params if params else text


def run_import(text: str, *, dry_run: bool = False, encoding: str = "utf-8"):
    return member_organisations_import(data=text.encode(encoding), dry_run=dry_run)


def registry_snapshot() -> dict:
    """Everything the import may touch, as comparable values."""
    return {
        "organisations": sorted(
            MemberOrganisation.objects.values_list("name", "city", "active", "updated_at")
        ),
        "domains": sorted(
            MemberDomain.objects.values_list("organisation__name", "domain", "include_subdomains")
        ),
        "addresses": sorted(
            AllowedAddress.objects.values_list("organisation__name", "email", "note")
        ),
    }


def domains_of(name: str) -> dict[str, bool]:
    return dict(
        MemberDomain.objects.filter(organisation__name=name).values_list(
            "domain", "include_subdomains"
        )
    )


def rejected_reasons(report) -> dict[int, list[str]]:
    return {row.line: row.reasons for row in report.rejected}


@pytest.mark.django_db
def test_a_good_file_adds_the_organisations_with_normalised_domains_and_addresses():
    report = run_import(GOOD_CSV)

    assert report.saved
    assert report.added == [
        "Gruppo Cooperativo CGM",
        "Consorzio Proodos",
        "Cooperativà Sociale",
        "Stripes Cooperativa Sociale, Onlus",
    ]
    assert (report.updated, report.unchanged, report.rejected) == ([], [], [])
    cgm = MemberOrganisation.objects.get(name="Gruppo Cooperativo CGM")
    assert (cgm.city, cgm.active) == ("Milano", True)
    assert domains_of("Gruppo Cooperativo CGM") == {"cgm.coop": False, "cgm.it": True}
    assert sorted(cgm.allowed_addresses.values_list("email", flat=True)) == [
        "anna.bianchi@libero.it",
        "mario.rossi@gmail.com",
    ]
    assert MemberOrganisation.objects.get(name="Consorzio Proodos").active is True
    assert MemberOrganisation.objects.get(name="Cooperativà Sociale").active is False
    assert domains_of("Cooperativà Sociale") == {
        "xn--cooperativ-q4a.it": False,
        "xn--mller-kva.de": False,
    }
    assert domains_of("Stripes Cooperativa Sociale, Onlus") == {"stripes.coop": True}
    assert report.lines()[:4] == [
        it("Organisations added: %(count)d", count=4),
        it("Organisations updated: %(count)d", count=0),
        it("Organisations unchanged: %(count)d", count=0),
        it("Rows rejected: %(count)d", count=0),
    ]
    assert report.lines()[-1] == it("Import completed.")


@pytest.mark.django_db
def test_importing_the_same_file_again_changes_nothing():
    run_import(GOOD_CSV)
    before = registry_snapshot()

    report = run_import(GOOD_CSV)

    assert report.unchanged == [
        "Gruppo Cooperativo CGM",
        "Consorzio Proodos",
        "Cooperativà Sociale",
        "Stripes Cooperativa Sociale, Onlus",
    ]
    assert (report.added, report.updated, report.rejected) == ([], [], [])
    assert registry_snapshot() == before  # not even updated_at moved


@pytest.mark.django_db
def test_names_match_regardless_of_case_and_spacing():
    run_import(GOOD_CSV)

    report = run_import(
        "name,city,active,domains,allowed_addresses\n"
        "gruppo  cooperativo cgm,Milano,sì,cgm.coop *.cgm.it,"
        "mario.rossi@gmail.com anna.bianchi@libero.it\n"
    )

    assert report.updated == ["gruppo cooperativo cgm"]
    assert MemberOrganisation.objects.count() == 4
    assert MemberOrganisation.objects.filter(name="gruppo cooperativo cgm").exists()


@pytest.mark.django_db
def test_the_file_is_the_truth_for_the_organisations_it_lists_only():
    run_import(GOOD_CSV)
    before = registry_snapshot()

    # CGM drops cgm.it and Anna, gains a domain and takes proodos.it from Proodos,
    # which is listed too; the other two organisations are not in the file.
    report = run_import(
        "name;city;active;domains;allowed_addresses\n"
        "Gruppo Cooperativo CGM;Milano;sì;cgm.coop proodos.it consorziocgm.it;"
        "mario.rossi@gmail.com\n"
        "Consorzio Proodos;Napoli;no;*.proodos.coop;\n"
    )

    assert report.updated == ["Gruppo Cooperativo CGM", "Consorzio Proodos"]
    assert domains_of("Gruppo Cooperativo CGM") == {
        "cgm.coop": False,
        "proodos.it": False,
        "consorziocgm.it": False,
    }
    assert list(
        AllowedAddress.objects.filter(organisation__name="Gruppo Cooperativo CGM").values_list(
            "email", flat=True
        )
    ) == ["mario.rossi@gmail.com"]
    assert domains_of("Consorzio Proodos") == {"proodos.coop": True}
    assert MemberOrganisation.objects.get(name="Consorzio Proodos").active is False
    after = registry_snapshot()
    for untouched in ("Cooperativà Sociale", "Stripes Cooperativa Sociale, Onlus"):
        assert [o for o in after["organisations"] if o[0] == untouched] == [
            o for o in before["organisations"] if o[0] == untouched
        ]
        assert [d for d in after["domains"] if d[0] == untouched] == [
            d for d in before["domains"] if d[0] == untouched
        ]


@pytest.mark.django_db
def test_a_file_with_one_bad_row_writes_nothing_and_says_which_row_and_why():
    run_import(GOOD_CSV)
    before = registry_snapshot()

    report = run_import(
        "name,city,active,domains,allowed_addresses\n"
        "Gruppo Cooperativo CGM,Monza,sì,cgm.coop,\n"  # a valid change, not to be saved
        "Nuova Cooperativa,Bergamo,sì,nuova_coop.it|nuova.coop,\n"
        "Altra Cooperativa,Brescia,sì,altra.coop,\n"
    )

    assert not report.saved
    assert rejected_reasons(report) == {
        3: [it("invalid domain «%(domain)s»", domain="nuova_coop.it")]
    }
    assert registry_snapshot() == before
    assert not MemberOrganisation.objects.filter(name="Altra Cooperativa").exists()
    assert it("Row %(line)d: %(reason)s", line=3, reason=report.rejected[0].reasons[0]) in (
        report.lines()
    )
    assert report.lines()[-1] == it(
        "Nothing was saved because some rows were rejected: correct them and "
        "import the whole file again."
    )


@pytest.mark.django_db
def test_every_reason_for_rejecting_a_row_is_reported():
    holder = MemberOrganisation.objects.create(name="Consorzio Esistente")
    MemberDomain.objects.create(organisation=holder, domain="esistente.coop")
    AllowedAddress.objects.create(email="socio@gmail.com", organisation=holder)

    report = run_import(
        "name,city,active,domains,allowed_addresses\n"
        ",Milano,sì,senzanome.coop,\n"
        "Cooperativa A,Milano,forse,a.coop,\n"
        "Cooperativa B,Milano,sì,esistente.coop,\n"
        "Cooperativa C,Milano,sì,c.coop,mario@@gmail.com\n"
        "Cooperativa D,Milano,sì,d.coop,socio@gmail.com\n"
        "COOPERATIVA A,Milano,sì,a2.coop,\n"
        "Cooperativa E,Milano,sì,A.coop,\n"
        "Cooperativa F,Milano,sì,f.coop,\n"
    )

    assert rejected_reasons(report) == {
        2: [it("the name is missing")],
        3: [it("invalid value «%(value)s» in the “active” column: write yes or no", value="forse")],
        4: [
            it(
                "domain «%(domain)s» already belongs to «%(organisation)s»",
                domain="esistente.coop",
                organisation="Consorzio Esistente",
            )
        ],
        5: [it("invalid address «%(address)s»", address="mario@@gmail.com")],
        6: [
            it(
                "address «%(address)s» already belongs to «%(organisation)s»",
                address="socio@gmail.com",
                organisation="Consorzio Esistente",
            )
        ],
        7: [
            it(
                "duplicate name: «%(name)s» is already at row %(line)d",
                name="COOPERATIVA A",
                line=3,
            )
        ],
        8: [it("domain «%(domain)s» is also listed at row %(line)d", domain="a.coop", line=3)],
    }
    # The valid row is counted, but nothing is saved.
    assert report.added == ["Cooperativa F"]
    assert MemberOrganisation.objects.count() == 1


@pytest.mark.django_db
def test_bom_and_semicolons_are_understood():
    text = (
        "name;city;active;domains;allowed_addresses\r\n"
        "Gruppo Cooperativo CGM;Milano;Sì;cgm.coop | *.cgm.it;mario.rossi@gmail.com\r\n"
        "Consorzio Proodos;Napoli;0;proodos.it;\r\n"
    )

    report = member_organisations_import(data=b"\xef\xbb\xbf" + text.encode())

    assert report.added == ["Gruppo Cooperativo CGM", "Consorzio Proodos"]
    assert domains_of("Gruppo Cooperativo CGM") == {"cgm.coop": False, "cgm.it": True}
    assert MemberOrganisation.objects.get(name="Consorzio Proodos").active is False


@pytest.mark.django_db
def test_columns_may_come_in_any_order_and_blank_lines_are_skipped():
    report = run_import(
        "Domains,Name,Allowed_Addresses,Active,City\n\ncgm.coop,Gruppo Cooperativo CGM,,,Milano\n\n"
    )

    assert report.added == ["Gruppo Cooperativo CGM"]
    assert MemberOrganisation.objects.get().city == "Milano"


@pytest.mark.django_db
def test_a_dry_run_reports_but_writes_nothing():
    report = run_import(GOOD_CSV, dry_run=True)

    assert len(report.added) == 4
    assert not report.saved
    assert report.lines()[-1] == it("Dry run: nothing was saved.")
    assert not MemberOrganisation.objects.exists()
    assert not MemberDomain.objects.exists()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "The file is empty."),
        ("name,città\nCGM,Milano\n".encode(), None),
        (
            "name,city,active,domains,allowed_addresses\nCGM,Città,,cgm.coop,\n".encode("latin-1"),
            None,
        ),
        (b"\x89PNG\r\n\x1a\n\x00\x00", None),
        (b'name,city,active,domains,allowed_addresses\n"CGM,Milano,,cgm.coop,\n', None),
    ],
    ids=["empty", "wrong-columns", "latin-1", "binary", "broken-quotes"],
)
@pytest.mark.django_db
def test_a_malformed_file_is_refused_as_a_whole(data, message):
    with pytest.raises(ImportFileError) as error:
        member_organisations_import(data=data)

    if message:
        assert str(error.value) == it(message)
    assert not MemberOrganisation.objects.exists()


@pytest.mark.parametrize(
    ("value", "active"),
    [("sì", True), ("SI", True), ("yes", True), ("true", True), ("1", True), ("", True)]
    + [("no", False), ("No", False), ("false", False), ("0", False)],
)
def test_active_values(value, active):
    assert parse_active(value) is active


def test_unknown_active_values_are_refused():
    with pytest.raises(ValueError):
        parse_active("forse")


# The command ---------------------------------------------------------------------------


@pytest.fixture
def good_file(tmp_path):
    path = tmp_path / "soci.csv"
    path.write_text(GOOD_CSV, encoding="utf-8")
    return path


@pytest.mark.django_db
def test_the_command_prints_the_report(good_file):
    out = StringIO()

    call_command("import_members", str(good_file), stdout=out)

    lines = out.getvalue().splitlines()
    assert it("Organisations added: %(count)d", count=4) in lines
    assert it("Added: %(name)s", name="Consorzio Proodos") in lines
    assert lines[-1] == it("Import completed.")
    assert MemberOrganisation.objects.count() == 4

    out = StringIO()
    call_command("import_members", str(good_file), stdout=out)
    assert it("Organisations unchanged: %(count)d", count=4) in out.getvalue().splitlines()


@pytest.mark.django_db
def test_the_command_dry_run_writes_nothing(good_file):
    out = StringIO()

    call_command("import_members", str(good_file), "--dry-run", stdout=out)

    assert it("Organisations added: %(count)d", count=4) in out.getvalue().splitlines()
    assert out.getvalue().splitlines()[-1] == it("Dry run: nothing was saved.")
    assert not MemberOrganisation.objects.exists()


@pytest.mark.django_db
def test_the_command_fails_with_status_1_when_a_row_is_rejected(tmp_path):
    path = tmp_path / "soci.csv"
    path.write_text(GOOD_CSV + "Senza Dominio Valido,Roma,sì,roma,\n", encoding="utf-8")
    out = StringIO()

    with pytest.raises(CommandError) as error:
        call_command("import_members", str(path), stdout=out)

    assert error.value.returncode == 1
    assert str(error.value) == it("%(count)d rows rejected: nothing was saved.", count=1)
    assert (
        it(
            "Row %(line)d: %(reason)s",
            line=6,
            reason=it("invalid domain «%(domain)s»", domain="roma"),
        )
        in out.getvalue().splitlines()
    )
    assert not MemberOrganisation.objects.exists()


@pytest.mark.django_db
def test_the_command_refuses_a_malformed_file(tmp_path):
    path = tmp_path / "soci.csv"
    path.write_text("nome,città\nCGM,Milano\n", encoding="utf-8")

    with pytest.raises(CommandError) as error:
        call_command("import_members", str(path))

    assert error.value.returncode == 1
    assert str(error.value).startswith(f"{path}: ")


@pytest.mark.parametrize("kind", ["missing", "malformed"])
def test_the_command_exits_with_status_1_and_no_traceback(tmp_path, kind):
    """Run as staff would run it, in a process of its own (no database is touched)."""
    path = tmp_path / "soci.csv"
    if kind == "malformed":
        path.write_bytes(b"\xff\xfe not utf-8")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "cgmsite.settings.test"}

    result = subprocess.run(  # noqa: S603
        [sys.executable, "manage.py", "import_members", str(path)],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert str(path) in result.stderr
