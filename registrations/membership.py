"""Who is a member of the network: normalising addresses and domains, and matching them.

An address belongs to the network when it is on the allow-list of an active member
organisation, or when its domain is one of an active organisation's ``MemberDomain``s:
exactly, or as a subdomain on a label boundary where the organisation includes
subdomains. ``evil-cgm.coop``, ``cgm.coop.evil.com`` or ``xcgm.coop`` never pass for
``cgm.coop``.

Domains are compared in their ASCII ("xn--", IDNA 2008 with UTS #46 mapping) form, in
lowercase and without the trailing dot of a fully qualified name, so ``Cooperativà.IT.``
and ``xn--cooperativ-q4a.it`` are the same domain. The admin and the CSV import store
domains and addresses in that form (see ``normalise_domain`` and ``normalise_email``).
"""

from __future__ import annotations

import re

from django.db.models import Q

import idna

from registrations.models import AllowedAddress, MemberDomain, MemberOrganisation

# An ASCII label after IDNA encoding: letters, digits and inner hyphens, 1 to 63 chars.
_LABEL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
_MAX_DOMAIN_LENGTH = 253


def normalise_domain(domain: str) -> str:
    """The canonical form of an e-mail domain: ``" @Cooperativà.IT. "`` → ``xn--cooperativ-q4a.it``.

    Strips spaces and a leading "@", lowercases, drops the trailing dot of a fully
    qualified name and encodes internationalised labels to their ASCII "xn--" form.
    Raises ``ValueError`` for anything that is not a valid domain name: empty, with
    spaces or other forbidden characters, an empty label, a label over 63 characters,
    a malformed "xn--" label, a name over 253 characters.
    """
    value = domain.strip().removeprefix("@")
    if value.endswith("."):
        value = value[:-1]
    if not value:
        raise ValueError("empty domain")
    try:
        ascii_domain = idna.encode(value, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError) as error:
        raise ValueError(f"invalid domain: {error}") from error
    ascii_domain = ascii_domain.lower()
    if len(ascii_domain) > _MAX_DOMAIN_LENGTH:
        raise ValueError("domain too long")
    # idna already refuses most bad names; this also catches what UTS #46 lets through.
    if not all(_LABEL_RE.match(label) for label in ascii_domain.split(".")):
        raise ValueError("invalid domain label")
    return ascii_domain


def normalise_email(address: str) -> str:
    """The canonical form of an address: stripped, lowercase, domain in ASCII form.

    ``" Mario.Rossi@Cooperativà.IT. "`` → ``mario.rossi@xn--cooperativ-q4a.it``.
    Raises ``ValueError`` unless the address has exactly one "@", a non-empty local part
    and a valid domain (see ``normalise_domain``). It does not otherwise judge the local
    part: forms validate addresses with Django's ``EmailValidator`` first.
    """
    value = address.strip()
    if value.count("@") != 1:
        raise ValueError("an address needs exactly one @")
    local, domain = value.split("@")
    if not local or local != local.strip():
        raise ValueError("empty or padded local part")
    if not domain or domain != domain.strip():
        raise ValueError("empty or padded domain")
    return f"{local.lower()}@{normalise_domain(domain)}"


def clean_member_domain(domain: str) -> tuple[str, bool]:
    """A domain as staff write it in the admin or a CSV file: ``(domain, include_subdomains)``.

    ``*.cgm.coop`` means ``cgm.coop`` with its subdomains. A member domain needs at
    least two labels: accepting ``coop`` would let a whole top-level domain in.
    Raises ``ValueError`` for an invalid domain.
    """
    value = domain.strip()
    include_subdomains = value.startswith("*.")
    if include_subdomains:
        value = value[2:]
    normalised = normalise_domain(value)
    if "." not in normalised:
        raise ValueError("a member domain needs at least two labels")
    return normalised, include_subdomains


def unicode_domain(domain: str) -> str:
    """The readable form of a normalised domain (``xn--cooperativ-q4a.it`` → ``cooperativà.it``).

    Falls back to the domain itself if it cannot be decoded.
    """
    try:
        return idna.decode(domain)
    except (idna.IDNAError, UnicodeError):
        return domain


def _lookup_forms(domain: str) -> set[str]:
    """The spellings a stored domain may have: ASCII and, for IDNs, Unicode."""
    return {domain, unicode_domain(domain)}


def member_organisation_for(email: str) -> MemberOrganisation | None:
    """The active member organisation an address belongs to, or ``None``.

    In order: an allow-listed address (the most specific rule), else the most specific
    ``MemberDomain`` that is the address's domain itself or, where the organisation
    includes subdomains, a parent of it. Inactive organisations never match; an invalid
    address matches nothing. Two queries at most.
    """
    try:
        address = normalise_email(email)
    except ValueError:
        return None
    local, domain = address.split("@")

    allowed = (
        AllowedAddress.objects.filter(
            email__in={f"{local}@{form}" for form in _lookup_forms(domain)},
            organisation__active=True,
        )
        .select_related("organisation")
        .first()
    )
    if allowed:
        return allowed.organisation

    # The domain itself and every parent on a label boundary: a.b.cgm.coop, b.cgm.coop,
    # cgm.coop, coop. Only these can match, so "evil-cgm.coop" is never a candidate.
    labels = domain.split(".")
    suffixes = [".".join(labels[i:]) for i in range(len(labels))]
    candidates = set().union(*(_lookup_forms(suffix) for suffix in suffixes))
    rows = MemberDomain.objects.filter(
        Q(domain__in=candidates), organisation__active=True
    ).select_related("organisation")

    best: MemberDomain | None = None
    best_length = -1
    for row in rows:
        try:
            stored = normalise_domain(row.domain)
        except ValueError:
            continue
        is_exact = stored == domain
        if not (is_exact or (row.include_subdomains and domain.endswith("." + stored))):
            continue
        if len(stored) > best_length:
            best, best_length = row, len(stored)
    return best.organisation if best else None


def is_member_address(email: str) -> bool:
    """Whether an address may register for members-only webinars."""
    return member_organisation_for(email) is not None
