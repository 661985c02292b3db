"""Every change of a registration's state. Views, admin actions and tasks call these.

Each function runs in one transaction and, where seats are counted, first locks the
webinar's row, so two confirmations can never take the last seat twice, however
many web processes run (``select_for_update`` on PostgreSQL; on SQLite every write
transaction takes the database lock at its start, see settings).
"""

import hashlib
import logging
import time
from datetime import timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Max, Value
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone

from wagtail.models import Page

from events.models import RegistrationState, WebinarPage
from registrations import emails, invitations, selectors, tokens
from registrations.membership import member_organisation_for, normalise_email
from registrations.models import EmailMessage, LinkRequest, Registration, SignupAttempt

Status = Registration.Status

# One line per confirmation with how long it held the webinar's lock (``make bench-burst``
# reads them); quiet unless ``LOCK_TIMING_LOG_LEVEL`` is INFO.
lock_timing = logging.getLogger("registrations.lock_timing")


class RegistrationError(Exception):
    """A request the rules refuse; ``code`` names the reason for the page shown."""

    def __init__(self, code: str, webinar: WebinarPage | None = None):
        super().__init__(code)
        self.code = code
        self.webinar = webinar


def lock_webinar(webinar_id: int) -> WebinarPage:
    """Lock the webinar's page row for the rest of the transaction, and load it.

    One query (``FOR UPDATE OF`` the page table only, as ``share_lock_webinar`` locks
    it): the row it returns is the one the lock was granted on. A round trip less
    while confirmations wait for each other.
    """
    return WebinarPage.objects.select_for_update(of=(PAGE_ROW,)).get(pk=webinar_id)


def page_row_lookup(model) -> str:
    """The path from a page type to the ``wagtailcore_page`` row it extends, through
    its parent links ("postpage_ptr__page_ptr" for a webinar)."""
    links = []
    while model is not Page:
        model, link = next(iter(model._meta.parents.items()))
        links.append(link.name)
    return "__".join(links)


PAGE_ROW = page_row_lookup(WebinarPage)


def share_lock_webinar(webinar_id: int) -> WebinarPage:
    """Hold the webinar's row against changes for the rest of the transaction, then load it.

    Sign-ups take this lock, shared (``FOR SHARE``): they run side by side, while a
    publish of the webinar or a confirmation (``lock_webinar``) waits for them, and they
    for it. They count no seats; the partial unique constraint on (webinar, e-mail)
    keeps one person from being registered twice (``registration_create``). Databases
    without row locks (SQLite) serialise writes anyway.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT id FROM {Page._meta.db_table} WHERE id = %s FOR SHARE",  # noqa: S608
                [webinar_id],
            )
    return WebinarPage.objects.get(pk=webinar_id)


def accepts_registrations(webinar: WebinarPage, now=None) -> bool:
    state = webinar.registration_state(now=now, seats_taken=0)
    return webinar.live and state in (RegistrationState.OPEN, RegistrationState.FULL)


def registration_submit(
    *,
    webinar: WebinarPage,
    first_name: str,
    last_name: str,
    email: str,
    organisation_name: str,
    role: str = "",
    answers: list[dict] | None = None,
    consent_version: str,
    now=None,
) -> None:
    """The sign-up form's request: the same work whatever the address.

    Refuses a webinar that takes no registrations (the one answer that depends on the
    webinar only), keeps what was typed (``signup_attempt_record``: one row) and
    enqueues ``tasks.process_signup`` with the row's id, which decides in the background
    what the address gets (``signup_attempt_process``). Nothing here reads the address's
    registrations or membership, so neither the answer nor its timing tells who is
    registered or a member.
    """
    from registrations.tasks import process_signup  # tasks call services: enqueued here

    attempt = signup_attempt_record(
        webinar=webinar,
        first_name=first_name,
        last_name=last_name,
        email=email,
        organisation_name=organisation_name,
        role=role,
        answers=answers,
        consent_version=consent_version,
        now=now,
    )
    process_signup.enqueue(attempt.pk)


def signup_attempt_record(
    *,
    webinar: WebinarPage,
    first_name: str,
    last_name: str,
    email: str,
    organisation_name: str,
    role: str = "",
    answers: list[dict] | None = None,
    consent_version: str,
    now=None,
) -> SignupAttempt:
    """Keep one sending of the form (``SignupAttempt``), if the webinar takes sign-ups."""
    now = now or timezone.now()
    if not accepts_registrations(webinar, now):
        raise RegistrationError("closed")
    return SignupAttempt.objects.create(
        webinar_id=webinar.pk,
        first_name=first_name,
        last_name=last_name,
        email=normalise_email(email),
        organisation_name=organisation_name,
        role=role,
        answers=answers or [],
        consent_at=now,
        consent_version=consent_version,
        nonce=tokens.new_nonce(),
        created_at=now,
    )


def registration_create(
    *,
    webinar: WebinarPage,
    first_name: str,
    last_name: str,
    email: str,
    organisation_name: str,
    role: str = "",
    answers: list[dict] | None = None,
    consent_version: str,
    now=None,
) -> Registration:
    """Record a sign-up and e-mail the next step, at once (``registration_submit`` and
    its task, in one call): for imports, the shell and tests."""
    attempt = signup_attempt_record(
        webinar=webinar,
        first_name=first_name,
        last_name=last_name,
        email=email,
        organisation_name=organisation_name,
        role=role,
        answers=answers,
        consent_version=consent_version,
        now=now,
    )
    registration = signup_attempt_process(attempt_id=attempt.pk, now=now)
    if registration is None:
        raise RegistrationError("closed")
    return registration


def signup_attempt_process(*, attempt_id: int, now=None) -> Registration | None:
    """What a sign-up gets, decided in the background; the answer on screen was the same
    for all.

    A member address gets a confirmation link, any other address an explanation with a
    link to ask staff for access; each link names this attempt (its nonce), so that
    confirming it keeps the details typed in it. The same address signing up again for
    the same webinar creates no second registration: a person still to confirm gets a
    link to the new attempt (earlier links keep working), anyone further along the
    e-mail for their current state. At most once every ``REGISTRATION_RESEND_INTERVAL``
    seconds; a sign-up again within it is answered at its end, with the link of the
    latest attempt by then. Returns the registration (None: the webinar closed
    meanwhile, or the attempt was processed already).
    """
    now = now or timezone.now()
    webinar_id = SignupAttempt.objects.filter(pk=attempt_id).values_list("webinar_id", flat=True)
    webinar_id = webinar_id.first()
    if webinar_id is None:
        return None
    with transaction.atomic():
        webinar = share_lock_webinar(webinar_id)
        attempt = (
            SignupAttempt.objects.select_for_update()
            .filter(pk=attempt_id, processed_at__isnull=True)
            .first()
        )
        if attempt is None:  # a task run twice
            return None
        # Closed meanwhile: its link could not be confirmed any more (nor is it now).
        if not accepts_registrations(webinar, now):
            attempt.delete()
            return None
        email = attempt.email
        active = Registration.objects.filter(
            webinar=webinar, email=email, status__in=Registration.ACTIVE_STATUSES
        )
        existing = active.first()
        if existing:
            signed_up_again(existing, attempt, now)
            return existing
        try:
            # The same person sending the form twice at once: the second insert waits
            # for the first and fails on the unique constraint; theirs is the answer.
            with transaction.atomic():
                registration = Registration.objects.create(
                    webinar=webinar,
                    answers=attempt.answers,
                    first_name=attempt.first_name,
                    last_name=attempt.last_name,
                    email=email,
                    organisation_name=attempt.organisation_name,
                    role=attempt.role,
                    member_organisation=member_organisation_for(email),
                    consent_at=attempt.consent_at,
                    consent_version=attempt.consent_version,
                    token_nonce=attempt.nonce,
                    last_email_at=now,
                )
        except IntegrityError:
            existing = active.first()
            if existing is None:
                raise
            signed_up_again(existing, attempt, now)
            return existing
        attempt.registration = registration
        attempt.processed_at = now
        attempt.save(update_fields=["registration", "processed_at"])
        if registration.member_organisation:
            emails.queue_confirmation(registration, attempt.nonce)
        else:
            emails.queue_members_only(registration, attempt.nonce)
        return registration


def signed_up_again(registration: Registration, attempt: SignupAttempt, now) -> None:
    """The address signed up again: the e-mail for its current state, once an interval.

    Still to confirm: the new attempt is kept beside the earlier ones and gets a link
    of its own; within the interval that message waits for the interval's end (one per
    interval) and links to the latest attempt then, and a sign-up within it with the
    same details as an earlier one adds nothing. Further along, the typed details are
    not needed: the attempt goes.
    """
    interval = timedelta(seconds=settings.REGISTRATION_RESEND_INTERVAL)
    recent = bool(registration.last_email_at and now - registration.last_email_at < interval)
    if (
        registration.status == Status.PENDING_CONFIRMATION
        and recent
        and typed_before(attempt, registration)
    ):
        # The same form sent again (a double click, a second tab): a link that confirms
        # these very details is out already, or waiting for the interval's end.
        attempt.delete()
        return
    if registration.status == Status.PENDING_CONFIRMATION:
        attempt.registration = registration
        attempt.processed_at = now
        attempt.save(update_fields=["registration", "processed_at"])
        queue_link = (
            emails.queue_confirmation
            if registration.member_organisation or registration.approved_at
            else emails.queue_members_only
        )
        if recent:
            due = registration.last_email_at + interval
            # One waiting message per interval, whoever signs up how often within it.
            key = f"signup-again-{registration.pk}-{int(registration.last_email_at.timestamp())}"
            queue_link(registration, send_after=due, dedupe_key=key)
            return
        queue_link(registration, attempt.nonce)
    else:
        attempt.delete()
        if recent:
            return
        if registration.status == Status.CONFIRMED:
            invite(registration)
        elif registration.status == Status.WAITLISTED:
            tell_waitlisted(registration)
        else:  # pending_review: staff will answer
            return
    registration.last_email_at = now
    registration.save(update_fields=["last_email_at", "updated_at"])


def typed_before(attempt: SignupAttempt, registration: Registration) -> bool:
    """Whether an earlier sign-up for this registration has the same details."""
    fields = [field for field in ATTEMPT_DETAILS if field != "consent_at"]
    typed = [getattr(attempt, field) for field in fields]
    earlier = registration.attempts.exclude(pk=attempt.pk).values_list(*fields)
    return any(list(row) == typed for row in earlier)


def signup_attempts_sweep(*, now=None, older_than: timedelta = timedelta(minutes=10)) -> int:
    """Enqueue again the sign-ups whose task was lost (a worker died); how many.

    Idempotent: the task does nothing for an attempt already processed, so an attempt
    whose task is only late (a backlog longer than ``older_than``) costs a second, empty
    run at most.
    """
    from registrations.tasks import process_signup

    now = now or timezone.now()
    waiting = SignupAttempt.objects.filter(
        processed_at__isnull=True, created_at__lt=now - older_than
    ).values_list("pk", flat=True)
    count = 0
    for attempt_id in waiting.iterator():
        process_signup.enqueue(attempt_id)
        count += 1
    return count


def attempts_forget(registration_id: int) -> None:
    """Delete the sign-up attempts of a registration that has been confirmed (or asked
    for access, or cancelled): what was typed in them is no longer needed."""
    SignupAttempt.objects.filter(registration_id=registration_id).delete()


def attempt_details_apply(registration: Registration, attempt: SignupAttempt | None) -> None:
    """The registration takes the details typed in the attempt whose link was followed
    (in memory; the caller saves). Without one (a link staff's approval sent) it keeps
    its own."""
    if attempt is None:
        return
    for field in ATTEMPT_DETAILS:
        setattr(registration, field, getattr(attempt, field))


ATTEMPT_DETAILS = (
    "first_name",
    "last_name",
    "organisation_name",
    "role",
    "answers",
    "consent_at",
    "consent_version",
)


def invite(registration: Registration, *, also_save=()) -> None:
    """Send a confirmed registrant their invitation, recording what it told them.

    The fingerprint (``invited_fingerprint``) lets a later publication of the webinar send
    an update only when something the person knows has changed. ``also_save``: fields the
    caller changed, written in the same UPDATE.
    """
    if not registration.join_token:
        registration.join_token = emails.new_join_token()
    registration.invited_fingerprint = invitations.webinar_fingerprint(registration.webinar)
    registration.save(update_fields=["join_token", "invited_fingerprint", "updated_at", *also_save])
    emails.queue_invitation(registration)


def tell_waitlisted(registration: Registration, *, also_save=()) -> None:
    """Tell a person their place on the waiting list, recording the schedule it states."""
    registration.invited_fingerprint = invitations.schedule_fingerprint(registration.webinar)
    registration.save(update_fields=["invited_fingerprint", "updated_at", *also_save])
    emails.queue_waitlisted(registration)


def raise_sequence(registration: Registration) -> None:
    """The next calendar message replaces the event the person has (RFC 5546 SEQUENCE)."""
    registration.ics_sequence += 1
    registration.save(update_fields=["ics_sequence", "updated_at"])


def registration_from_token(token: str, purpose: str) -> Registration:
    """The registration a link names, row-locked; the caller locks the webinar first.

    Locks are always taken webinar first, then registration, so that concurrent
    confirmations and cancellations cannot deadlock. A confirmation or access link names
    one sign-up attempt (its nonce), found in ``registration.link_attempt`` (None for
    the link staff's approval sent, which carries the registration's own nonce).
    """
    data = tokens.read_token(token, purpose)
    registration = Registration.objects.select_for_update().filter(pk=data.registration_id).first()
    # An anonymised registration is history: its links do nothing any more.
    if registration is None or registration.anonymised_at:
        raise RegistrationError("invalid")
    if purpose != tokens.CANCEL:
        registration.link_attempt = link_attempt(registration, data.nonce)
    return registration


def link_attempt(registration: Registration, nonce: str) -> SignupAttempt | None:
    """The sign-up attempt a link's nonce names; "used" if it names none still valid."""
    attempt = (
        SignupAttempt.objects.filter(registration=registration, nonce=nonce).first()
        if nonce
        else None
    )
    if attempt is None and (not registration.token_nonce or nonce != registration.token_nonce):
        raise RegistrationError("used")
    return attempt


def registration_from_token_readonly(token: str, purpose: str) -> Registration:
    """The registration a link names, for showing what the link will do (no lock).

    A confirmation or access link shows the details of its own attempt: the registration
    is returned with them (in memory), as confirming it would keep them.
    """
    data = tokens.read_token(token, purpose)
    registration = (
        Registration.objects.select_related("webinar").filter(pk=data.registration_id).first()
    )
    if registration is None or registration.anonymised_at:
        raise RegistrationError("invalid")
    if purpose != tokens.CANCEL:
        attempt_details_apply(registration, link_attempt(registration, data.nonce))
    if purpose == tokens.CANCEL:
        refuse_cancel_after_the_end(registration.webinar)
        if registration.status not in Registration.ACTIVE_STATUSES:
            raise RegistrationError("already_cancelled")
    return registration


def refuse_cancel_after_the_end(webinar: WebinarPage, now=None) -> None:
    """A cancellation link is for a webinar still to come: afterwards it changes nothing
    (attendance and the retention period work on what happened)."""
    if (now or timezone.now()) >= webinar.end:
        raise RegistrationError("over")


def registration_confirm(*, token: str, now=None) -> Registration:
    """Double opt-in: take a free seat, or the next place on the waiting list."""
    with transaction.atomic():
        webinar = lock_webinar(webinar_id_for_token(token, tokens.CONFIRM))
        time_lock_held(webinar.pk, "confirm")
        # Read the clock once the lock is held, so that confirmed_at follows the order
        # in which seats and waiting-list places are handed out.
        now = now or timezone.now()
        # Only the seat decision under the lock: the row written for the message is
        # rendered by the send task (``emails.queue_invitation``, ``queue_waitlisted``),
        # the registration is written once, the webinar is the one just loaded.
        registration = registration_from_token(token, tokens.CONFIRM)
        registration.webinar = webinar
        if registration.status != Status.PENDING_CONFIRMATION:
            raise RegistrationError("used")
        if not (registration.member_organisation_id or registration.approved_at):
            raise RegistrationError("invalid")
        if not accepts_registrations(webinar, now):
            raise RegistrationError("closed")
        # What the person who followed this link from the mailbox typed is what stays.
        attempt_details_apply(registration, registration.link_attempt)
        # The sign-ups' typed details are no longer needed: gone once the lock is released
        # (their links already stop working: the registration is no longer pending).
        transaction.on_commit(partial(attempts_forget, registration.pk))
        registration.token_nonce = ""
        registration.confirmed_at = now
        changed = [*ATTEMPT_DETAILS, "token_nonce", "confirmed_at", "status"]
        if webinar.capacity is None or selectors.seats_taken(webinar.pk) < webinar.capacity:
            registration.status = Status.CONFIRMED
            invite(registration, also_save=changed)
        else:
            registration.status = Status.WAITLISTED
            registration.waitlist_position = next_waitlist_position(webinar)
            tell_waitlisted(registration, also_save=[*changed, "waitlist_position"])
    return registration


def time_lock_held(webinar_id: int, action: str) -> None:
    """With the webinar's lock just taken: log how long it is held, from now to the commit
    that releases it (the first callback after it; ``make bench-burst`` reads the lines)."""
    if not lock_timing.isEnabledFor(logging.INFO):
        return
    locked_at, cpu_at = time.perf_counter(), time.thread_time()

    def released():
        held = (time.perf_counter() - locked_at) * 1000
        # This thread's own work in it, apart from waiting on the database and the CPU.
        cpu = (time.thread_time() - cpu_at) * 1000
        lock_timing.info(
            "webinar %s lock held %.2f ms, cpu %.2f ms (%s)", webinar_id, held, cpu, action
        )

    transaction.on_commit(released)


def webinar_id_for_token(token: str, purpose: str) -> int:
    data = tokens.read_token(token, purpose)
    webinar_id = (
        Registration.objects.filter(pk=data.registration_id)
        .values_list("webinar_id", flat=True)
        .first()
    )
    if webinar_id is None:
        raise RegistrationError("invalid")
    return webinar_id


def next_waitlist_position(webinar: WebinarPage) -> int:
    last = Registration.objects.filter(webinar=webinar, status=Status.WAITLISTED).aggregate(
        last=Max("waitlist_position")
    )["last"]
    return (last or 0) + 1


def registration_request_access(*, token: str) -> Registration:
    """A non-member proved their address and asks staff for access: pending review."""
    with transaction.atomic():
        registration = registration_from_token(token, tokens.REQUEST_ACCESS)
        if registration.status != Status.PENDING_CONFIRMATION or registration.member_organisation:
            raise RegistrationError("used")
        if not accepts_registrations(registration.webinar):
            raise RegistrationError("closed")
        # Staff review what the person who followed this link from the mailbox typed.
        attempt_details_apply(registration, registration.link_attempt)
        registration.attempts.all().delete()
        registration.status = Status.PENDING_REVIEW
        registration.token_nonce = ""
        registration.save()
        emails.queue_access_request_notice(registration)
        return registration


def registration_approve(*, registration: Registration, now=None) -> Registration:
    """Staff let a non-member in: they get a confirmation link like a member."""
    now = now or timezone.now()
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != Status.PENDING_REVIEW:
            raise RegistrationError("not_pending_review")
        registration.status = Status.PENDING_CONFIRMATION
        registration.approved_at = now
        registration.token_nonce = tokens.new_nonce()
        registration.last_email_at = now
        registration.save()
        emails.queue_access_approved(registration)
        return registration


def registration_reject(*, registration: Registration) -> Registration:
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != Status.PENDING_REVIEW:
            raise RegistrationError("not_pending_review")
        registration.status = Status.REJECTED
        registration.save()
        emails.queue_access_rejected(registration)
        return registration


def registration_cancel(*, registration: Registration, now=None) -> Registration:
    """Cancel (by the person or by staff); a freed seat goes to the first on the list."""
    now = now or timezone.now()
    with transaction.atomic():
        webinar = lock_webinar(registration.webinar_id)
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.anonymised_at:
            raise RegistrationError("invalid")
        if registration.status not in Registration.ACTIVE_STATUSES:
            raise RegistrationError("already_cancelled")
        had_seat = registration.status == Status.CONFIRMED
        registration.status = Status.CANCELLED
        registration.cancelled_at = now
        registration.waitlist_position = None
        registration.token_nonce = ""
        registration.save()
        registration.attempts.all().delete()
        # The join link stays, but the join view refuses it by the status.
        if had_seat:
            raise_sequence(registration)
        emails.queue_cancellation(registration, had_seat=had_seat)
        if had_seat:
            waitlist_promote(webinar=webinar, now=now)
        return registration


def registration_cancel_by_token(*, token: str, now=None) -> Registration:
    with transaction.atomic():
        webinar = lock_webinar(webinar_id_for_token(token, tokens.CANCEL))
        refuse_cancel_after_the_end(webinar, now)
        registration = registration_from_token(token, tokens.CANCEL)
        return registration_cancel(registration=registration, now=now)


def waitlist_promote(*, webinar: WebinarPage, now=None) -> Registration | None:
    """Give free seats to the waiting list, first come first served. Webinar row locked."""
    now = now or timezone.now()
    if webinar.registration_state(now=now, seats_taken=0) in (
        RegistrationState.PAST,
        RegistrationState.CANCELLED,
    ):
        return None
    promoted = None
    while webinar.capacity is None or selectors.seats_taken(webinar.pk) < webinar.capacity:
        nxt = (
            Registration.objects.select_for_update()
            .filter(webinar=webinar, status=Status.WAITLISTED)
            .order_by("waitlist_position")
            .first()
        )
        if nxt is None:
            break
        nxt.status = Status.CONFIRMED
        nxt.waitlist_position = None
        nxt.save()
        emails.queue_promoted(nxt)
        invite(nxt)
        promoted = nxt
    return promoted


def waitlist_fill(*, webinar: WebinarPage, now=None) -> int:
    """Staff's «promote from the waiting list»: seats free now (the capacity was raised,
    say) go to the first people waiting, each sent the news and the invitation; how many."""
    with transaction.atomic():
        webinar = lock_webinar(webinar.pk)
        before = selectors.seats_taken(webinar.pk)
        waitlist_promote(webinar=webinar, now=now)
        return selectors.seats_taken(webinar.pk) - before


def waitlist_close(*, webinar: WebinarPage, now=None) -> list[Registration]:
    """The webinar is cancelled: its waiting list ends, each place on it cancelled.

    Each person gets one message saying so (no calendar: they had no invitation). Called
    with the webinar row locked (``updates.webinar_changed``); returns whom it told.
    """
    now = now or timezone.now()
    fingerprint = invitations.webinar_fingerprint(webinar)
    told = []
    waiting = (
        Registration.objects.select_for_update()
        .filter(webinar=webinar, status=Status.WAITLISTED)
        .order_by("waitlist_position", "pk")
    )
    for registration in waiting:
        registration.webinar = webinar
        key = f"waitlist-cancel-{registration.pk}-{fingerprint}"
        if emails.queue_waitlist_cancelled(registration, dedupe_key=key) is not None:
            told.append(registration)
        registration.status = Status.CANCELLED
        registration.cancelled_at = now
        registration.waitlist_position = None
        registration.token_nonce = ""
        registration.save()
    return told


def registration_resend_invitation(*, registration: Registration) -> None:
    """Staff's «Invia di nuovo l'invito». Not twice within ``REGISTRATION_RESEND_INTERVAL``
    (a double click, two colleagues at once: the row lock puts the second after the
    first, which it then sees), unless that invitation failed."""
    with transaction.atomic():
        registration = Registration.objects.select_for_update().get(pk=registration.pk)
        if registration.status != Status.CONFIRMED:
            raise RegistrationError("not_confirmed")
        since = timezone.now() - timedelta(seconds=settings.REGISTRATION_RESEND_INTERVAL)
        recent = registration.emails.filter(
            kind=EmailMessage.Kind.INVITATION, created_at__gte=since
        ).exclude(status=EmailMessage.Status.FAILED)
        if recent.exists():
            raise RegistrationError("invited_recently")
        invite(registration)


def registration_join(*, token: str, count: bool = True, now=None) -> str:
    """Where a personal join link leads now: the meeting's join address.

    Records the use (first time, number of times) with ``F()`` so that concurrent
    clicks are all counted. Raises ``RegistrationError`` with ``unknown``,
    ``registration_cancelled``, ``webinar_cancelled``, ``webinar_past`` or
    ``meeting_not_ready`` (a meeting the site creates, not created yet).
    """
    now = now or timezone.now()
    registration = (
        Registration.objects.select_related("webinar")
        .filter(join_token=token, anonymised_at__isnull=True)
        .first()
        if tokens.is_random_token(token)
        else None
    )
    if registration is None or registration.status not in (Status.CONFIRMED, Status.CANCELLED):
        raise RegistrationError("unknown")
    webinar = registration.webinar
    if registration.status == Status.CANCELLED:
        raise RegistrationError("registration_cancelled", webinar)
    if webinar.is_cancelled:
        raise RegistrationError("webinar_cancelled", webinar)
    if now >= webinar.end:
        raise RegistrationError("webinar_past", webinar)
    join_url = webinar.meeting_join_url
    if not join_url:
        raise RegistrationError("meeting_not_ready", webinar)
    if count:
        Registration.objects.filter(pk=registration.pk).update(
            join_count=F("join_count") + 1,
            join_first_used_at=Coalesce(F("join_first_used_at"), Value(now)),
        )
    return join_url


def my_registrations_link_request(*, email: str) -> None:
    """The «Le mie iscrizioni» form's request: the same work whatever the address.

    One row holding the address (``LinkRequest``) and a task with its id
    (``tasks.send_my_registrations_link``), which decides in the background whether the
    address gets the link (``my_registrations_link_process``).
    """
    from registrations.tasks import send_my_registrations_link  # tasks call services

    request = LinkRequest.objects.create(email=normalise_email(email))
    send_my_registrations_link.enqueue(request.pk)


def my_registrations_link_process(*, request_id: int) -> bool:
    """Send the link asked for by a ``LinkRequest``, which goes with it (the address is
    kept no longer than this). Whether a message was queued."""
    with transaction.atomic():
        request = LinkRequest.objects.select_for_update().filter(pk=request_id).first()
        if request is None:  # a task run twice
            return False
        email = request.email
        request.delete()
    return my_registrations_link_send(email=email)


def my_registrations_link_send(*, email: str) -> bool:
    """E-mail the link to «Le mie iscrizioni», if the address has registrations.

    At most once every ``REGISTRATION_RESEND_INTERVAL`` seconds per address (the outbox's
    key is the address and the interval's slot), so a flood of requests for one address
    sends it one message.
    """
    email = normalise_email(email)
    has_registrations = Registration.objects.filter(
        email__iexact=email, anonymised_at__isnull=True
    ).exists()
    if not has_registrations:
        return False
    slot = int(timezone.now().timestamp()) // max(settings.REGISTRATION_RESEND_INTERVAL, 1)
    token = tokens.make_person_token(email)
    url = emails.absolute(reverse("registrations:mine_page", args=[token]))
    person = hashlib.sha256(email.encode()).hexdigest()[:24]
    with transaction.atomic():
        message = emails.queue_my_registrations_link(email, url, dedupe_key=f"mine-{person}-{slot}")
    return message is not None
