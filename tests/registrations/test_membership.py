"""Who is a member: normalising addresses and domains, and matching them to organisations."""

import pytest

from registrations.membership import (
    clean_member_domain,
    is_member_address,
    member_organisation_for,
    normalise_domain,
    normalise_email,
)
from registrations.models import AllowedAddress, MemberDomain, MemberOrganisation

IDN_ASCII = "xn--cooperativ-q4a.it"  # cooperativà.it


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("cgm.coop", "cgm.coop"),
        ("  CGM.Coop  ", "cgm.coop"),
        ("@cgm.coop", "cgm.coop"),
        ("cgm.coop.", "cgm.coop"),
        ("Cooperativà.IT", IDN_ASCII),
        (IDN_ASCII, IDN_ASCII),
        ("XN--COOPERATIV-Q4A.IT.", IDN_ASCII),
        ("milano.cgm.coop", "milano.cgm.coop"),
    ],
)
def test_normalise_domain(given, expected):
    assert normalise_domain(given) == expected


@pytest.mark.parametrize(
    "given",
    [
        "",
        "   ",
        ".",
        "cgm coop",
        "cgm..coop",
        ".cgm.coop",
        "cgm.coop..",
        "-cgm.coop",
        "cgm_coop.it",
        "a" * 64 + ".coop",
        "xn--zz.it",
        "cgm.coop/evil",
        ("a" * 60 + ".") * 5 + "coop",
    ],
)
def test_normalise_domain_refuses_invalid_domains(given):
    with pytest.raises(ValueError):
        normalise_domain(given)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("Mario.Rossi@CGM.coop", "mario.rossi@cgm.coop"),
        ("  mario@cgm.coop.  ", "mario@cgm.coop"),
        ("anna@Cooperativà.it", f"anna@{IDN_ASCII}"),
    ],
)
def test_normalise_email(given, expected):
    assert normalise_email(given) == expected


@pytest.mark.parametrize(
    "given",
    ["", "mario", "mario@", "@cgm.coop", "mario@@cgm.coop", "a@b@cgm.coop", "mario@cgm..coop"],
)
def test_normalise_email_refuses_invalid_addresses(given):
    with pytest.raises(ValueError):
        normalise_email(given)


def test_a_member_domain_is_written_with_a_star_for_subdomains_and_needs_two_labels():
    assert clean_member_domain("*.CGM.coop") == ("cgm.coop", True)
    assert clean_member_domain("cgm.coop") == ("cgm.coop", False)
    with pytest.raises(ValueError):
        clean_member_domain("coop")


@pytest.fixture
def registry(db):
    """CGM (cgm.coop, exact), Proodos (*.proodos.it), an IDN member stored in ASCII and
    one stored in Unicode, an inactive consortium, and a gmail address on the allow-list."""
    cgm = MemberOrganisation.objects.create(name="Gruppo Cooperativo CGM", city="Milano")
    MemberDomain.objects.create(organisation=cgm, domain="cgm.coop")
    AllowedAddress.objects.create(email="mario.rossi@gmail.com", organisation=cgm)
    proodos = MemberOrganisation.objects.create(name="Consorzio Proodos", city="Napoli")
    MemberDomain.objects.create(organisation=proodos, domain="proodos.it", include_subdomains=True)
    ascii_idn = MemberOrganisation.objects.create(name="Cooperativà", city="Torino")
    MemberDomain.objects.create(organisation=ascii_idn, domain=IDN_ASCII)
    unicode_idn = MemberOrganisation.objects.create(name="Müller Sozialgenossenschaft")
    MemberDomain.objects.create(organisation=unicode_idn, domain="müller.de")
    closed = MemberOrganisation.objects.create(name="Consorzio Chiuso", active=False)
    MemberDomain.objects.create(organisation=closed, domain="chiuso.coop", include_subdomains=True)
    AllowedAddress.objects.create(email="ex.socio@gmail.com", organisation=closed)
    # A more specific domain of another member inside Proodos's subdomains.
    stripes = MemberOrganisation.objects.create(name="Stripes Cooperativa Sociale")
    MemberDomain.objects.create(organisation=stripes, domain="stripes.proodos.it")
    return {
        "cgm": cgm,
        "proodos": proodos,
        "ascii_idn": ascii_idn,
        "unicode_idn": unicode_idn,
        "stripes": stripes,
        None: None,
    }


@pytest.mark.parametrize(
    ("email", "member"),
    [
        # exact domain, whatever the case, with or without the trailing dot
        ("mario@cgm.coop", "cgm"),
        ("Mario.Rossi@CGM.COOP", "cgm"),
        ("mario@cgm.coop.", "cgm"),
        ("  mario@cgm.coop  ", "cgm"),
        # look-alikes never pass for cgm.coop
        ("mario@evil-cgm.coop", None),
        ("mario@cgm.coop.evil.com", None),
        ("mario@xcgm.coop", None),
        ("mario@cgm.co", None),
        ("mario@cgm.coopp", None),
        ("mario@coop", None),
        # subdomains only where the organisation says so
        ("mario@milano.cgm.coop", None),
        ("anna@napoli.proodos.it", "proodos"),
        ("anna@a.b.proodos.it", "proodos"),
        ("anna@proodos.it", "proodos"),
        ("anna@evilproodos.it", None),
        ("anna@proodos.it.evil.com", None),
        # the most specific domain wins
        ("luca@stripes.proodos.it", "stripes"),
        # internationalised domains, stored in ASCII or in Unicode, asked either way
        ("anna@cooperativà.it", "ascii_idn"),
        ("anna@COOPERATIVÀ.IT", "ascii_idn"),
        (f"anna@{IDN_ASCII}", "ascii_idn"),
        ("hans@müller.de", "unicode_idn"),
        ("hans@xn--mller-kva.de", "unicode_idn"),
        # the allow-list, for people on public providers
        ("mario.rossi@gmail.com", "cgm"),
        ("Mario.Rossi@GMail.com", "cgm"),
        ("giulia@gmail.com", None),
        # inactive organisations never match, by domain or by allow-list
        ("mario@chiuso.coop", None),
        ("mario@sede.chiuso.coop", None),
        ("ex.socio@gmail.com", None),
        # unknown and malformed addresses
        ("someone@example.org", None),
        ("not an address", None),
        ("", None),
        ("mario@cgm..coop", None),
    ],
)
def test_member_organisation_for(registry, email, member):
    assert member_organisation_for(email) == registry[member]
    assert is_member_address(email) is (member is not None)


def test_matching_takes_at_most_two_queries(registry, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert member_organisation_for("anna@a.b.c.proodos.it") == registry["proodos"]


def test_deactivating_an_organisation_takes_its_people_out(registry):
    cgm = registry["cgm"]
    cgm.active = False
    cgm.save()

    assert not is_member_address("mario@cgm.coop")
    assert not is_member_address("mario.rossi@gmail.com")
