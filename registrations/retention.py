"""Personal data kept no longer than needed: the retention purge and one person's erasure.

``registrations_purge`` is the periodic job (``manage.py purge_registrations``):

- a request never confirmed is deleted ``REGISTRATION_UNCONFIRMED_HOURS`` after its last
  link was sent (the link has expired by then);
- ``REGISTRATION_RETENTION_DAYS`` after a webinar ends, the requests that never became a
  seat (unconfirmed, unanswered or rejected) are deleted and every other registration
  (confirmed, waitlisted, cancelled) is anonymised: names, role, organisation as written
  and address are blanked or replaced, while status, member organisation, timestamps and
  so the counts per status stay. Their e-mails keep kind, status, attempts and times but
  lose recipient, subject, bodies, calendar part (with the Teams link), error and
  provider id. Attendance records keep their minutes but lose the name and address in
  the report; certificates lose the name and their download link, and their code still
  verifies the webinar and date they were issued for.

``person_erase`` (``manage.py erase_person EMAIL``) removes everything about one address
at once, queued e-mails included (and the person's attendance records; their
certificates keep only webinar and date), and gives a freed seat to the waiting list.

Both run in one transaction, are idempotent (a second run reports zeros) and take
``dry_run=True`` to report what they would do and roll everything back. A deleted
e-mail row is never sent: the send task finds no queued row and does nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext as _

from events.models import WebinarPage
from registrations import selectors, services
from registrations.membership import normalise_email, unicode_domain
from registrations.models import (
    AllowedAddress,
    AttendanceRecord,
    Certificate,
    EmailMessage,
    LinkRequest,
    PersonLink,
    Registration,
    SignupAttempt,
)

Status = Registration.Status

# RFC 2606 reserves ".invalid": a placeholder there can never reach anybody.
ANONYMOUS_DOMAIN = "invalid"
UNSENT_STATUSES = (EmailMessage.Status.QUEUED, EmailMessage.Status.SENDING)
# Requests that never became a seat or a place on the waiting list: nothing to count.
NEVER_ADMITTED_STATUSES = (Status.PENDING_CONFIRMATION, Status.PENDING_REVIEW, Status.REJECTED)


def anonymous_address(registration_id: int) -> str:
    """The placeholder address of an anonymised registration (unique, as the rules need)."""
    return f"anonimo-{registration_id}@{ANONYMOUS_DOMAIN}"


def _anonymous_address_of(field: str) -> Concat:
    """``anonymous_address`` as a database expression over the registration id ``field``."""
    return Concat(
        Value("anonimo-"),
        Cast(field, output_field=CharField()),
        Value(f"@{ANONYMOUS_DOMAIN}"),
        output_field=CharField(),
    )


@dataclass
class PurgeReport:
    """What ``registrations_purge`` did (or, in a dry run, would have done)."""

    unconfirmed_deleted: int = 0
    requests_deleted: int = 0
    registrations_anonymised: int = 0
    webinars_anonymised: int = 0
    emails_deleted: int = 0
    emails_anonymised: int = 0
    unsent_emails_stopped: int = 0
    attendance_records_anonymised: int = 0
    signup_attempts_deleted: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return any(getattr(self, f.name) for f in fields(self) if f.name != "dry_run")

    def lines(self) -> list[str]:
        """The report as lines of text, for the command line; counts only."""
        lines = [
            _("Unconfirmed registrations deleted: %(count)d") % {"count": self.unconfirmed_deleted},
            _("Unanswered or rejected access requests deleted: %(count)d")
            % {"count": self.requests_deleted},
            _("Registrations anonymised: %(count)d (webinars: %(webinars)d)")
            % {"count": self.registrations_anonymised, "webinars": self.webinars_anonymised},
            _("E-mails deleted: %(count)d") % {"count": self.emails_deleted},
            _("E-mails anonymised: %(count)d") % {"count": self.emails_anonymised},
            _("Unsent e-mails stopped: %(count)d") % {"count": self.unsent_emails_stopped},
            _("Attendance records anonymised: %(count)d")
            % {"count": self.attendance_records_anonymised},
            _("Sign-up attempts deleted: %(count)d") % {"count": self.signup_attempts_deleted},
        ]
        if self.dry_run:
            lines.append(_("Dry run: nothing was changed."))
        elif self.changed:
            lines.append(_("Purge completed."))
        else:
            lines.append(_("Nothing to purge."))
        return lines


@dataclass
class EraseReport:
    """What ``person_erase`` did (or, in a dry run, would have done) for one address."""

    email: str
    registrations_deleted: int = 0
    emails_deleted: int = 0
    unsent_emails_deleted: int = 0
    allowed_addresses_deleted: int = 0
    attendance_records_deleted: int = 0
    promoted: int = 0
    # Not erased (it is page content, changed by editors), only reported.
    webinar_contacts: int = 0
    dry_run: bool = False

    @property
    def changed(self) -> bool:
        return bool(
            self.registrations_deleted
            or self.emails_deleted
            or self.allowed_addresses_deleted
            or self.attendance_records_deleted
            or self.promoted
        )

    def lines(self) -> list[str]:
        """The report as lines of text; the only address in it is the one erased."""
        lines = [
            _("Personal data of %(email)s") % {"email": self.email},
            _("Registrations deleted: %(count)d") % {"count": self.registrations_deleted},
            _("E-mails deleted: %(count)d (not yet sent: %(unsent)d)")
            % {"count": self.emails_deleted, "unsent": self.unsent_emails_deleted},
            _("Allowed addresses deleted: %(count)d") % {"count": self.allowed_addresses_deleted},
            _("Attendance records deleted: %(count)d") % {"count": self.attendance_records_deleted},
            _("Seats given to the waiting list: %(count)d") % {"count": self.promoted},
        ]
        if self.webinar_contacts:
            lines.append(
                _(
                    "The address is still the contact address of %(count)d webinars: "
                    "change it in the admin."
                )
                % {"count": self.webinar_contacts}
            )
        if self.dry_run:
            lines.append(_("Dry run: nothing was changed."))
        elif self.changed:
            lines.append(_("Erasure completed."))
        else:
            lines.append(_("No data found for this address."))
        return lines


def registrations_purge(*, now: datetime | None = None, dry_run: bool = False) -> PurgeReport:
    """Delete stale requests and anonymise past webinars' registrations; see the module."""
    now = now or timezone.now()
    link_expired = now - timedelta(hours=settings.REGISTRATION_UNCONFIRMED_HOURS)
    retention_over = now - timedelta(days=settings.REGISTRATION_RETENTION_DAYS)
    report = PurgeReport(dry_run=dry_run)
    # A re-sent or approved request has a fresh link: it counts from the latest one.
    stale_request = Q(
        Q(created_at__lt=link_expired),
        Q(last_email_at__isnull=True) | Q(last_email_at__lt=link_expired),
        Q(approved_at__isnull=True) | Q(approved_at__lt=link_expired),
        status=Status.PENDING_CONFIRMATION,
    )
    webinar_over = Q(webinar__end__lt=retention_over)

    with transaction.atomic():
        deleted, emails, unsent = _registrations_delete(
            Registration.objects.filter(
                stale_request | Q(webinar_over, status=Status.PENDING_CONFIRMATION)
            )
        )
        report.unconfirmed_deleted = deleted
        report.emails_deleted += emails
        report.unsent_emails_stopped += unsent
        # What was typed in sign-ups whose links have expired (those of the registrations
        # just deleted went with them), and «Le mie iscrizioni» requests a lost task left.
        report.signup_attempts_deleted = _delete(
            SignupAttempt.objects.filter(Q(created_at__lt=link_expired) | webinar_over)
        )
        _delete(LinkRequest.objects.filter(created_at__lt=now - timedelta(hours=1)))

        deleted, emails, unsent = _registrations_delete(
            Registration.objects.filter(
                webinar_over, status__in=[Status.PENDING_REVIEW, Status.REJECTED]
            )
        )
        report.requests_deleted = deleted
        report.emails_deleted += emails
        report.unsent_emails_stopped += unsent

        # What is left of those webinars is what they are counted by.
        pending = Registration.objects.filter(webinar_over, anonymised_at__isnull=True)
        report.webinars_anonymised = pending.order_by().values("webinar_id").distinct().count()
        report.registrations_anonymised = pending.update(
            first_name="",
            last_name="",
            role="",
            organisation_name="",
            answers=[],
            email=_anonymous_address_of("pk"),
            token_nonce="",
            join_token=None,
            anonymised_at=now,
        )
        # Attendance keeps its minutes, not who: the name and address in the report go.
        report.attendance_records_anonymised = (
            AttendanceRecord.objects.filter(webinar__end__lt=retention_over)
            .exclude(email="", display_name="")
            .update(
                email="",
                display_name="",
                person_key=Concat(Value("anonimo:"), Cast("pk", CharField())),
            )
        )
        _certificates_anonymise(Certificate.objects.filter(webinar__end__lt=retention_over))

        messages = EmailMessage.objects.filter(
            Q(registration__webinar__end__lt=retention_over)
            | Q(registration__isnull=True, webinar__end__lt=retention_over)
        ).exclude(
            to__endswith=f"@{ANONYMOUS_DOMAIN}",
            subject="",
            body_text="",
            body_html="",
            ics="",
            last_error="",
            esp_message_id="",
        )
        # An empty message to a placeholder is not worth sending, nor retrying.
        report.unsent_emails_stopped += messages.filter(status__in=UNSENT_STATUSES).update(
            status=EmailMessage.Status.FAILED
        )
        blank = {
            "subject": "",
            "body_text": "",
            "body_html": "",
            "ics": "",
            "last_error": "",
            "esp_message_id": "",
        }
        report.emails_anonymised = messages.filter(registration__isnull=False).update(
            to=_anonymous_address_of("registration_id"), **blank
        ) + messages.filter(registration__isnull=True).update(
            to=f"anonimo@{ANONYMOUS_DOMAIN}", **blank
        )

        # Links to «Le mie iscrizioni» past their hours open nothing: their rows go.
        link_hours = timedelta(hours=settings.MY_REGISTRATIONS_LINK_HOURS)
        PersonLink.objects.filter(created_at__lt=now - link_hours).delete()

        if dry_run:
            transaction.set_rollback(True)
    return report


def person_erase(*, email: str, now: datetime | None = None, dry_run: bool = False) -> EraseReport:
    """Remove every registration, e-mail and allow-list entry of one address.

    The address is matched whatever its case and in both forms of an internationalised
    domain. A confirmed seat freed on a webinar that has not ended goes to the first on
    its waiting list, who is invited. Raises ``ValueError`` for something that is not an
    address (see ``membership.normalise_email``).
    """
    address = normalise_email(email)
    now = now or timezone.now()
    local, domain = address.split("@")
    spellings = {address, f"{local}@{unicode_domain(domain)}", email.strip()}
    report = EraseReport(email=address, dry_run=dry_run)

    with transaction.atomic():
        theirs = Registration.objects.filter(_any_of("email", spellings))
        webinar_ids = sorted(set(theirs.values_list("webinar_id", flat=True)))
        # Webinars first, in a fixed order, then registrations: as every service locks.
        webinars = [services.lock_webinar(webinar_id) for webinar_id in webinar_ids]
        rows = list(
            theirs.filter(webinar_id__in=webinar_ids)
            .select_for_update()
            .values_list("pk", "webinar_id", "status")
        )
        ids = [pk for pk, _webinar_id, _status in rows]
        seat_freed = {webinar_id for _pk, webinar_id, status in rows if status == Status.CONFIRMED}

        # Their certificates stay genuine for the webinar and date, without the name.
        _certificates_anonymise(Certificate.objects.filter(registration_id__in=ids))
        report.attendance_records_deleted = _delete(
            AttendanceRecord.objects.filter(
                Q(registration_id__in=ids) | _any_of("email", spellings)
            )
        )
        messages = EmailMessage.objects.filter(
            Q(registration_id__in=ids) | _any_of("to", spellings)
        )
        report.unsent_emails_deleted = messages.filter(status__in=UNSENT_STATUSES).count()
        report.emails_deleted = _delete(messages)
        report.registrations_deleted = _delete(Registration.objects.filter(pk__in=ids))
        report.allowed_addresses_deleted = _delete(
            AllowedAddress.objects.filter(_any_of("email", spellings))
        )
        _delete(SignupAttempt.objects.filter(_any_of("email", spellings)))
        _delete(LinkRequest.objects.filter(_any_of("email", spellings)))
        _delete(PersonLink.objects.filter(_any_of("email", spellings)))

        for webinar in webinars:
            if webinar.pk in seat_freed:
                taken = selectors.seats_taken(webinar.pk)
                services.waitlist_promote(webinar=webinar, now=now)
                report.promoted += selectors.seats_taken(webinar.pk) - taken

        report.webinar_contacts = WebinarPage.objects.filter(
            _any_of("contact_email", spellings)
        ).count()

        if dry_run:
            transaction.set_rollback(True)
    return report


def _certificates_anonymise(certificates: QuerySet) -> int:
    """The name goes and the download link stops; the code still verifies webinar and date."""
    return certificates.exclude(name="", download_token=None).update(name="", download_token=None)


def _registrations_delete(registrations: QuerySet) -> tuple[int, int, int]:
    """Delete registrations with their e-mails: ``(registrations, e-mails, unsent e-mails)``.

    The rows are locked first and the conditions checked again under the lock, so a
    request confirmed meanwhile is not deleted.
    """
    ids = list(registrations.select_for_update(of=("self",)).values_list("pk", flat=True))
    if not ids:
        return 0, 0, 0
    messages = EmailMessage.objects.filter(registration_id__in=ids)
    unsent = messages.filter(status__in=UNSENT_STATUSES).count()
    emails_deleted = _delete(messages)
    return _delete(Registration.objects.filter(pk__in=ids)), emails_deleted, unsent


def _delete(queryset: QuerySet) -> int:
    """Delete the rows; how many of the queryset's own model went (cascades not counted)."""
    return queryset.delete()[1].get(queryset.model._meta.label, 0)


def _any_of(field: str, spellings: set[str]) -> Q:
    """``field`` equals one of the spellings of an address, ignoring case."""
    condition = Q()
    for spelling in spellings:
        condition |= Q(**{f"{field}__iexact": spelling})
    return condition
