"""Import the member organisations from a CSV file: shared by ``import_members`` and the admin.

The file has a header row with the columns ``name,city,active,domains,allowed_addresses``
(in any order), is UTF-8 with or without a byte order mark and uses ``;`` or ``,`` as
delimiter. ``domains`` and ``allowed_addresses`` hold several values separated by spaces
or ``|``; ``*.example.coop`` means ``example.coop`` with its subdomains. ``active`` is
yes/sì/si/true/1 or no/false/0, empty meaning yes.

The file is the truth for the organisations it lists, matched by name without regard to
case: their city, active flag, domains and allowed addresses become what the row says
(domains and addresses missing from the row are removed). Organisations the file does
not list are left alone. The whole file is validated first; if any row is rejected
nothing is written, otherwise everything is written in one transaction. Importing the
same file twice changes nothing the second time.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from registrations.membership import clean_member_domain, normalise_domain, normalise_email
from registrations.models import AllowedAddress, MemberDomain, MemberOrganisation

COLUMNS = ("name", "city", "active", "domains", "allowed_addresses")
TRUE_VALUES = frozenset({"", "sì", "si", "yes", "y", "s", "true", "vero", "1"})
FALSE_VALUES = frozenset({"no", "n", "false", "falso", "0"})
# Values inside the domains and allowed_addresses cells: spaces, "|" (and, leniently,
# commas or semicolons, which can be part of neither a domain nor an address).
_VALUE_SEPARATORS = re.compile(r"[\s|,;]+")
_NAME_MAX_LENGTH = MemberOrganisation._meta.get_field("name").max_length
_CITY_MAX_LENGTH = MemberOrganisation._meta.get_field("city").max_length
_EMAIL_MAX_LENGTH = AllowedAddress._meta.get_field("email").max_length


class ImportFileError(Exception):
    """The file as a whole cannot be read as a members CSV; the message says why."""


@dataclass
class RejectedRow:
    """A row of the file that cannot be imported, with every reason found."""

    line: int
    name: str
    reasons: list[str]


@dataclass
class MembersImportReport:
    """What an import did (or, in a dry run or with rejected rows, would have done).

    ``added``, ``updated`` and ``unchanged`` hold organisation names in file order.
    """

    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    dry_run: bool = False

    @property
    def saved(self) -> bool:
        """Whether the changes were written to the database."""
        return not self.dry_run and not self.rejected

    @property
    def outcome(self) -> str:
        """One sentence on what happened to the database."""
        if self.rejected:
            return _(
                "Nothing was saved because some rows were rejected: correct them and "
                "import the whole file again."
            )
        if self.dry_run:
            return _("Dry run: nothing was saved.")
        return _("Import completed.")

    def lines(self) -> list[str]:
        """The report as lines of text, for the command line and the admin."""
        lines = [
            _("Organisations added: %(count)d") % {"count": len(self.added)},
            _("Organisations updated: %(count)d") % {"count": len(self.updated)},
            _("Organisations unchanged: %(count)d") % {"count": len(self.unchanged)},
            _("Rows rejected: %(count)d") % {"count": len(self.rejected)},
        ]
        lines += [_("Added: %(name)s") % {"name": name} for name in self.added]
        lines += [_("Updated: %(name)s") % {"name": name} for name in self.updated]
        lines += [
            _("Row %(line)d: %(reason)s") % {"line": row.line, "reason": reason}
            for row in self.rejected
            for reason in row.reasons
        ]
        lines.append(self.outcome)
        return lines


@dataclass
class _Row:
    """A row of the file, parsed: what the organisation should look like afterwards."""

    line: int
    name: str
    city: str
    active: bool
    domains: dict[str, bool]  # normalised domain → include_subdomains
    addresses: list[str]
    reasons: list[str] = field(default_factory=list)
    organisation: MemberOrganisation | None = None


def member_organisations_import(*, data: bytes, dry_run: bool = False) -> MembersImportReport:
    """Import member organisations from the bytes of a CSV file; see the module docstring.

    Returns the report. Raises ``ImportFileError`` when the file cannot be read at all
    (not UTF-8, no header, missing or unknown columns, broken CSV quoting). With
    ``dry_run`` or any rejected row, nothing is written.
    """
    rows = _parse(data)
    report = MembersImportReport(dry_run=dry_run)
    try:
        with transaction.atomic():
            registry = _Registry.load()
            _plan(rows, registry, report)
            if report.saved:
                _write(rows, registry)
    except IntegrityError as error:
        # Someone changed the same domains or addresses while we were importing.
        raise ImportFileError(
            _("The registry changed during the import and nothing was saved: try again.")
        ) from error
    return report


def parse_active(value: str) -> bool:
    """The ``active`` cell: yes/sì/si/true/1 or no/false/0, empty meaning yes.

    Raises ``ValueError`` for anything else.
    """
    word = value.strip().casefold()
    if word in TRUE_VALUES:
        return True
    if word in FALSE_VALUES:
        return False
    raise ValueError(value)


def _decode(data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            _("The file is not UTF-8 text: save it from your spreadsheet as “CSV UTF-8”.")
        ) from error
    if "\x00" in text:
        raise ImportFileError(_("The file is not a text file."))
    return text


def _parse(data: bytes) -> list[_Row]:
    """Read the file into rows; every problem of a single row is kept as a reason."""
    text = _decode(data)
    if not text.strip():
        raise ImportFileError(_("The file is empty."))
    header_line = text.lstrip("\r\n").splitlines()[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    try:
        header = _header(reader)
        rows = []
        for values in reader:
            if not any(value.strip() for value in values):
                continue
            rows.append(_parse_row(reader.line_num, header, values))
    except csv.Error as error:
        raise ImportFileError(
            _("The file is not valid CSV (line %(line)d): %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from error
    return rows


def _header(reader) -> list[str]:
    for values in reader:
        if any(value.strip() for value in values):
            header = [value.strip().casefold() for value in values]
            break
    else:
        raise ImportFileError(_("The file is empty."))
    missing = [column for column in COLUMNS if column not in header]
    unknown = [column for column in header if column not in COLUMNS]
    if missing or unknown or len(set(header)) != len(header):
        raise ImportFileError(
            _("The first row must name the columns %(expected)s; it names %(found)s.")
            % {"expected": ", ".join(COLUMNS), "found": ", ".join(header)}
        )
    return header


def _parse_row(line: int, header: list[str], values: list[str]) -> _Row:
    reasons = []
    if len(values) > len(header) and any(value.strip() for value in values[len(header) :]):
        reasons.append(
            _("the row has %(count)d values but the header names %(columns)d columns")
            % {"count": len(values), "columns": len(header)}
        )
    cells = dict(zip(header, values, strict=False))
    name = " ".join(cells.get("name", "").split())
    city = " ".join(cells.get("city", "").split())
    if not name:
        reasons.append(_("the name is missing"))
    elif len(name) > _NAME_MAX_LENGTH:
        reasons.append(_("the name is longer than %(max)d characters") % {"max": _NAME_MAX_LENGTH})
    if len(city) > _CITY_MAX_LENGTH:
        reasons.append(_("the city is longer than %(max)d characters") % {"max": _CITY_MAX_LENGTH})
    try:
        active = parse_active(cells.get("active", ""))
    except ValueError:
        active = True
        reasons.append(
            _("invalid value «%(value)s» in the “active” column: write yes or no")
            % {"value": cells.get("active", "").strip()}
        )

    domains: dict[str, bool] = {}
    for value in _values(cells.get("domains", "")):
        try:
            domain, include_subdomains = clean_member_domain(value)
        except ValueError:
            reasons.append(_("invalid domain «%(domain)s»") % {"domain": value})
            continue
        domains[domain] = domains.get(domain, False) or include_subdomains

    addresses: list[str] = []
    for value in _values(cells.get("allowed_addresses", "")):
        try:
            address = normalise_email(value)
            if len(address) > _EMAIL_MAX_LENGTH:
                raise ValueError(address)
            validate_email(address)
        except (ValueError, ValidationError):
            reasons.append(_("invalid address «%(address)s»") % {"address": value})
            continue
        if address not in addresses:
            addresses.append(address)

    return _Row(
        line=line,
        name=name,
        city=city,
        active=active,
        domains=domains,
        addresses=addresses,
        reasons=reasons,
    )


def _values(cell: str) -> list[str]:
    return [value for value in _VALUE_SEPARATORS.split(cell) if value]


def _name_key(name: str) -> str:
    """Names match without regard to case or repeated spaces."""
    return " ".join(name.split()).casefold()


def _domain_key(domain: str) -> str:
    """A stored domain as the matching compares it (rows saved elsewhere may not be)."""
    try:
        return normalise_domain(domain)
    except ValueError:
        return domain.strip().lower()


def _email_key(email: str) -> str:
    try:
        return normalise_email(email)
    except ValueError:
        return email.strip().lower()


@dataclass
class _Registry:
    """The database as the import found it, indexed the way the file is compared to it."""

    organisations: dict[int, MemberOrganisation] = field(default_factory=dict)
    organisations_by_name: dict[str, list[MemberOrganisation]] = field(default_factory=dict)
    domains: dict[str, MemberDomain] = field(default_factory=dict)  # by normalised domain
    domains_by_organisation: dict[int, list[MemberDomain]] = field(default_factory=dict)
    addresses: dict[str, AllowedAddress] = field(default_factory=dict)  # by normalised address
    addresses_by_organisation: dict[int | None, list[AllowedAddress]] = field(default_factory=dict)

    @classmethod
    def load(cls) -> _Registry:
        """Read the registry whole: it holds hundreds of rows, and this spares an IN
        clause with thousands of parameters."""
        registry = cls()
        for organisation in MemberOrganisation.objects.order_by("pk"):
            registry.organisations[organisation.pk] = organisation
            registry.organisations_by_name.setdefault(_name_key(organisation.name), []).append(
                organisation
            )
        for domain in MemberDomain.objects.order_by("pk"):
            registry.domains_by_organisation.setdefault(domain.organisation_id, []).append(domain)
            key = _domain_key(domain.domain)
            # Of two spellings of one domain saved by other means, keep the canonical one.
            if key not in registry.domains or domain.domain == key:
                registry.domains[key] = domain
        for address in AllowedAddress.objects.order_by("pk"):
            registry.addresses_by_organisation.setdefault(address.organisation_id, []).append(
                address
            )
            key = _email_key(address.email)
            if key not in registry.addresses or address.email == key:
                registry.addresses[key] = address
        return registry

    def organisation_named(self, name: str) -> MemberOrganisation | None:
        """The organisation called ``name``, regardless of case (the exact spelling first)."""
        candidates = self.organisations_by_name.get(_name_key(name), [])
        exact = [organisation for organisation in candidates if organisation.name == name]
        return (exact or candidates or [None])[0]

    def name_of(self, organisation_id: int) -> str:
        return self.organisations[organisation_id].name


def _plan(rows: list[_Row], registry: _Registry, report: MembersImportReport) -> None:
    """Check every row against the rest of the file and the database; fill in the report.

    Sets ``row.organisation`` to the existing organisation of that name, if any.
    """
    first_line_of_name: dict[str, int] = {}
    named_rows = []
    for row in rows:
        if not row.name:
            continue
        key = _name_key(row.name)
        if key in first_line_of_name:
            row.reasons.append(
                _("duplicate name: «%(name)s» is already at row %(line)d")
                % {"name": row.name, "line": first_line_of_name[key]}
            )
            continue
        first_line_of_name[key] = row.line
        row.organisation = registry.organisation_named(row.name)
        named_rows.append(row)
    # Domains and addresses of these organisations may move between them.
    listed_ids = {row.organisation.pk for row in named_rows if row.organisation}

    first_line_of_domain: dict[str, int] = {}
    first_line_of_address: dict[str, int] = {}
    for row in named_rows:
        for domain in row.domains:
            if domain in first_line_of_domain:
                row.reasons.append(
                    _("domain «%(domain)s» is also listed at row %(line)d")
                    % {"domain": domain, "line": first_line_of_domain[domain]}
                )
                continue
            first_line_of_domain[domain] = row.line
            holder = registry.domains.get(domain)
            if holder and holder.organisation_id not in listed_ids:
                row.reasons.append(
                    _("domain «%(domain)s» already belongs to «%(organisation)s»")
                    % {"domain": domain, "organisation": registry.name_of(holder.organisation_id)}
                )

        for address in row.addresses:
            if address in first_line_of_address:
                row.reasons.append(
                    _("address «%(address)s» is also listed at row %(line)d")
                    % {"address": address, "line": first_line_of_address[address]}
                )
                continue
            first_line_of_address[address] = row.line
            holder = registry.addresses.get(address)
            if holder and holder.organisation_id not in (None, *listed_ids):
                row.reasons.append(
                    _("address «%(address)s» already belongs to «%(organisation)s»")
                    % {"address": address, "organisation": registry.name_of(holder.organisation_id)}
                )

    for row in rows:
        if row.reasons:
            report.rejected.append(RejectedRow(line=row.line, name=row.name, reasons=row.reasons))
        elif row.organisation is None:
            report.added.append(row.name)
        elif _has_changes(row, registry):
            report.updated.append(row.name)
        else:
            report.unchanged.append(row.name)


def _details_differ(organisation: MemberOrganisation, row: _Row) -> bool:
    return (organisation.name, organisation.city, organisation.active) != (
        row.name,
        row.city,
        row.active,
    )


def _has_changes(row: _Row, registry: _Registry) -> bool:
    """Whether writing ``row`` would change its existing organisation in any way."""
    organisation = row.organisation
    if _details_differ(organisation, row):
        return True
    for domain, include_subdomains in row.domains.items():
        existing = registry.domains.get(domain)
        if existing is None or (
            existing.organisation_id,
            existing.domain,
            existing.include_subdomains,
        ) != (organisation.pk, domain, include_subdomains):
            return True
    for existing in registry.domains_by_organisation.get(organisation.pk, []):
        key = _domain_key(existing.domain)
        if key not in row.domains or registry.domains[key] is not existing:
            return True
    for address in row.addresses:
        existing = registry.addresses.get(address)
        if existing is None or (existing.organisation_id, existing.email) != (
            organisation.pk,
            address,
        ):
            return True
    for existing in registry.addresses_by_organisation.get(organisation.pk, []):
        key = _email_key(existing.email)
        if key not in row.addresses or registry.addresses[key] is not existing:
            return True
    return False


def _write(rows: list[_Row], registry: _Registry) -> None:
    """Make the database say what the file says, for the organisations it lists.

    Runs inside the import's transaction; every row has been validated.
    """
    for row in rows:
        organisation = row.organisation or MemberOrganisation()
        if organisation.pk is None or _details_differ(organisation, row):
            organisation.name = row.name
            organisation.city = row.city
            organisation.active = row.active
            organisation.save()
        row.organisation = organisation

    wanted_domains = {domain: row for row in rows for domain in row.domains}
    wanted_addresses = {address: row for row in rows for address in row.addresses}
    listed_ids = [row.organisation.pk for row in rows]

    # First let go of what the listed organisations no longer have, so that a domain
    # moving from one listed organisation to another is updated, never duplicated.
    stale_domains = [
        domain.pk
        for pk in listed_ids
        for domain in registry.domains_by_organisation.get(pk, [])
        if registry.domains.get(_domain_key(domain.domain)) is not domain
        or _domain_key(domain.domain) not in wanted_domains
    ]
    MemberDomain.objects.filter(pk__in=stale_domains).delete()
    stale_addresses = [
        address.pk
        for pk in listed_ids
        for address in registry.addresses_by_organisation.get(pk, [])
        if registry.addresses.get(_email_key(address.email)) is not address
        or _email_key(address.email) not in wanted_addresses
    ]
    AllowedAddress.objects.filter(pk__in=stale_addresses).delete()

    for domain, row in wanted_domains.items():
        include_subdomains = row.domains[domain]
        existing = registry.domains.get(domain)
        if existing is None:
            MemberDomain.objects.create(
                organisation=row.organisation, domain=domain, include_subdomains=include_subdomains
            )
        elif (existing.organisation_id, existing.domain, existing.include_subdomains) != (
            row.organisation.pk,
            domain,
            include_subdomains,
        ):
            existing.organisation = row.organisation
            existing.domain = domain
            existing.include_subdomains = include_subdomains
            existing.save(update_fields=["organisation", "domain", "include_subdomains"])

    for address, row in wanted_addresses.items():
        existing = registry.addresses.get(address)
        if existing is None:
            AllowedAddress.objects.create(
                email=address, organisation=row.organisation, note=_("Imported from CSV")
            )
        elif (existing.organisation_id, existing.email) != (row.organisation.pk, address):
            existing.organisation = row.organisation
            existing.email = address
            existing.save(update_fields=["organisation", "email"])
