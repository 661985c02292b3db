"""Every e-mail the registrations module sends, built from templates in one place.

Each ``queue_*`` function renders ``templates/registrations/emails/<kind>_subject.txt``,
``_body.txt`` and ``_body.html`` and writes the message to the outbox; it must be
called inside the transaction of the change that causes the message.

The subject and the text part are plain text, rendered without HTML escaping ("Dell'Orto"
stays as typed); the HTML part is escaped as any Django template. Until a person has
followed a link sent to their address, no message to it repeats what was typed into the
form: anyone can type any address, and the site must not carry their words to it.
"""

import re
from functools import partial

from django.conf import settings
from django.db import transaction
from django.template import Context, Engine
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from registrations import invitations, tokens
from registrations.models import EmailMessage, Registration
from registrations.outbox import email_queue

Kind = EmailMessage.Kind


def absolute(path: str) -> str:
    return f"{settings.SITE_BASE_URL}{path}"


def link(name: str, token: str) -> str:
    return absolute(reverse(name, args=[token]))


def address_proven(registration: Registration) -> bool:
    """Whether the person followed a link sent to this address: confirmed, or asked for access.

    A registration cancelled before either (by staff, say) counts as not proven.
    """
    return bool(registration.confirmed_at or registration.approved_at) or (
        registration.status in (Registration.Status.PENDING_REVIEW, Registration.Status.REJECTED)
    )


def base_context(registration: Registration) -> dict:
    from cgmsite.models import SiteSettings

    webinar = registration.webinar
    return {
        "registration": registration,
        # The greeting names the person only once the address is theirs (``_greeting.txt``).
        "greeting_name": registration.first_name if address_proven(registration) else "",
        "webinar": webinar,
        "webinar_url": absolute(webinar.url or ""),
        "when": webinar.when_label,
        "site": SiteSettings.objects.first() or SiteSettings(),
        "cancel_url": link("registrations:cancel", tokens.make_token(registration, tokens.CANCEL)),
        # Every message to a registrant points at the page of all their registrations.
        "my_registrations_url": absolute(reverse("registrations:mine")),
    }


def reply_to(message: EmailMessage) -> list[str]:
    """Where a registrant's reply goes (``Reply-To``): the webinar's contact address, else
    the site's (``SiteSettings.contact_email``), else nowhere (no header; replies go to
    the sender). Read when the message is sent (``outbox.deliver``), so a contact address
    changed meanwhile is the one used.

    The notice to staff goes to the webinar's contact address itself: it gets none.
    """
    from cgmsite.models import SiteSettings

    if message.kind == Kind.ACCESS_REQUEST_NOTICE:
        return []
    webinar = message.webinar if message.webinar_id else None
    address = webinar.contact_email if webinar is not None else ""
    if not address:
        site = SiteSettings.objects.first()
        address = site.contact_email if site is not None else ""
    return [address] if address else []


def render_text(template_name: str, context: dict) -> str:
    """A plain-text template, rendered without HTML autoescaping (its includes too).

    The site's template engine and loaders, with the one difference a ``Context`` can
    make; every ``.txt`` e-mail template goes through here, none can forget it.
    """
    template = Engine.get_default().get_template(template_name)
    return template.render(Context(context, autoescape=False))


def render(kind: str, context: dict) -> tuple[str, str, str]:
    """Subject, plain text and HTML of a message, in Italian.

    The subject is collapsed to one line (``str.split`` breaks at CR, LF, U+2028 and every
    other line or paragraph separator), so no title or name can start a header, and cut
    to what the outbox row holds (a long title is what is cut).
    """
    with translation.override(settings.LANGUAGE_CODE):
        prefix = f"registrations/emails/{kind}"
        subject = " ".join(render_text(f"{prefix}_subject.txt", context).split())
        limit = EmailMessage._meta.get_field("subject").max_length
        if len(subject) > limit:
            subject = subject[: limit - 1].rstrip() + "…"
        body_text = render_text(f"{prefix}_body.txt", context).strip() + "\n"
        body_html = render_to_string(f"{prefix}_body.html", {**context, "subject": subject})
    return subject, body_text, body_html


def build(kind: str, registration: Registration, ics_method: str = "", **extra) -> dict:
    """Subject, bodies and calendar part of one message to (or about) a registration."""
    context = {**base_context(registration), **extra}
    subject, body_text, body_html = render(kind, context)
    ics = ""
    if ics_method:
        ics = invitations.registration_ics(
            registration,
            method=ics_method,
            site=context["site"],
            webinar_url=context["webinar_url"],
        )
    return {"subject": subject, "body_text": body_text, "body_html": body_html, "ics": ics}


def queue(
    kind: str,
    registration: Registration,
    to: str = "",
    *,
    ics_method: str = "",
    dedupe_key: str = "",
    render_later: bool = False,
    send_after=None,
    **extra,
) -> EmailMessage | None:
    """Render and queue one message; with ``ics_method`` it carries the personal .ics.

    A message with a ``dedupe_key`` goes out at most once (the outbox decides, and then
    renders nothing): a second call with the same key (a signal delivered twice, a job
    run twice) queues nothing and returns None.

    With ``render_later`` the row is written with what identifies it only (kind,
    recipient, registration, calendar method) and the send task renders it
    (``message_render``, from what ``LATER`` says each kind needs): nothing slow is done
    under the caller's lock, and the row is still written in the caller's transaction.
    """
    if render_later and kind not in LATER:
        raise ValueError(f"{kind} messages are rendered when queued")
    message = email_queue(
        kind=kind,
        to=to or registration.email,
        registration=registration,
        webinar=registration.webinar,
        ics_method=ics_method,
        dedupe_key=dedupe_key,
        send_after=send_after,
        render_pending=render_later,
        build=None if render_later else lambda: build(kind, registration, ics_method, **extra),
    )
    if message is not None and render_later and send_after is None:
        # Rendered by this process as soon as the lock is released, so that the e-mail
        # workers only send; whichever of the two comes first renders it.
        transaction.on_commit(partial(message_render, message_id=message.pk, wait=False))
    return message


def message_render(*, message_id: int, wait: bool = True) -> bool:
    """Render a row queued with ``render_later`` (the send task, before sending it).

    Under the row's lock, once. The send task waits for a render under way and then
    finds the row rendered; the request that queued it (right after its commit,
    ``wait=False``) leaves a row being rendered to the task, and never holds the row's
    lock when the task claims it (a waiter on a row lock keeps it after its recheck
    fails, and the claim skips locked rows). A row
    that no longer applies (an invitation for a registration cancelled meanwhile, a
    confirmation link for one confirmed meanwhile) is marked failed, with why.
    """
    with transaction.atomic():
        message = (
            EmailMessage.objects.select_for_update(skip_locked=not wait, of=("self",))
            .select_related("registration__webinar")
            .filter(pk=message_id, render_pending=True, status=EmailMessage.Status.QUEUED)
            .first()
        )
        if message is None or message.registration is None:
            return False
        try:
            extra = LATER[message.kind](message.registration)
        except ValueError as error:
            # Still unrendered: a resend by staff renders it again, or refuses again.
            message.status = EmailMessage.Status.FAILED
            message.last_error = f"not sent: {error}"
            message.save(update_fields=["status", "last_error"])
            return False
        fields = build(message.kind, message.registration, message.ics_method, **extra)
        for name, value in fields.items():
            setattr(message, name, value)
        message.render_pending = False
        message.save(update_fields=[*fields, "render_pending"])
    return True


def confirmation_context(registration: Registration, nonce: str | None = None) -> dict:
    """The double opt-in link of one sign-up attempt (``nonce``; else the latest)."""
    return {
        "confirm_url": link(
            "registrations:confirm", attempt_token(registration, tokens.CONFIRM, nonce)
        )
    }


def members_only_context(registration: Registration, nonce: str | None = None) -> dict:
    url = link(
        "registrations:request_access",
        attempt_token(registration, tokens.REQUEST_ACCESS, nonce),
    )
    return {"access_url": url}


def attempt_token(registration: Registration, purpose: str, nonce: str | None) -> str:
    """A link's token for one attempt's nonce; for a message rendered later, the latest
    attempt's (the registration's own nonce when it has none, as after staff approval)."""
    if nonce is None:
        if registration.status != Registration.Status.PENDING_CONFIRMATION:
            raise ValueError("the registration is no longer waiting for confirmation")
        latest = registration.attempts.order_by("-created_at", "-pk").first()
        nonce = latest.nonce if latest else registration.token_nonce
    return tokens.make_token(registration, purpose, nonce=nonce)


def queue_confirmation(
    registration: Registration, nonce: str | None = None, *, send_after=None, dedupe_key=""
) -> EmailMessage | None:
    """The double opt-in link, for a member address (or one staff approved).

    With ``send_after`` (a sign-up again within ``REGISTRATION_RESEND_INTERVAL``) the
    message waits until then and links to the latest attempt at that time.
    """
    return queue_now_or_held(
        Kind.CONFIRMATION, registration, confirmation_context, nonce, send_after, dedupe_key
    )


def queue_members_only(
    registration: Registration, nonce: str | None = None, *, send_after=None, dedupe_key=""
) -> EmailMessage | None:
    """The webinar is reserved to the network; a link to ask staff for access."""
    return queue_now_or_held(
        Kind.MEMBERS_ONLY, registration, members_only_context, nonce, send_after, dedupe_key
    )


def queue_now_or_held(kind, registration, context, nonce, send_after, dedupe_key):
    """A sign-up's answer: rendered now for the attempt ``nonce``, or, held until
    ``send_after``, rendered then for the latest attempt (``render_later``)."""
    if send_after is not None:
        return queue(
            kind, registration, render_later=True, send_after=send_after, dedupe_key=dedupe_key
        )
    return queue(kind, registration, **context(registration, nonce))


# "https://" and "evil.example": what mail clients turn into links by themselves.
URL_SCHEME = re.compile(r"\b([a-z][a-z0-9+.-]*):(?=//)", re.IGNORECASE)
DOMAIN_DOT = re.compile(r"(?<=\w)\.(?=[^\W\d_]{2})")


def unlinkable(text: str) -> str:
    """Free text for staff to read, which no mail client makes into a link.

    ``https://evil.example/x`` becomes ``https[:]//evil[.]example/x``: still legible, no
    longer an address (as security teams "defang" the links they quote).
    """
    return DOMAIN_DOT.sub("[.]", URL_SCHEME.sub(r"\1[:]", text))


def queue_access_request_notice(registration: Registration) -> EmailMessage | None:
    """Tell the webinar's contact address that someone asks for access.

    Staff need the name, organisation and role the person typed; they are shown escaped
    (HTML) and never as a link (``unlinkable``).
    """
    to = registration.webinar.contact_email
    if not to:
        return None
    admin_url = absolute(reverse("wagtailadmin_home"))
    applicant = {
        "name": unlinkable(registration.full_name),
        "organisation": unlinkable(registration.organisation_name),
        "role": unlinkable(registration.role),
    }
    return queue(
        Kind.ACCESS_REQUEST_NOTICE,
        registration,
        to=to,
        admin_url=admin_url,
        applicant=applicant,
        my_registrations_url="",  # to staff, not to the registrant
    )


def queue_access_approved(registration: Registration) -> EmailMessage:
    url = link("registrations:confirm", tokens.make_token(registration, tokens.CONFIRM))
    return queue(Kind.ACCESS_APPROVED, registration, confirm_url=url)


def queue_access_rejected(registration: Registration) -> EmailMessage:
    return queue(Kind.ACCESS_REJECTED, registration)


def queue_waitlisted(registration: Registration) -> EmailMessage:
    """A place on the waiting list (the caller records the schedule it states); rendered
    by the send task, out of the webinar's lock."""
    return queue(Kind.WAITLISTED, registration, render_later=True)


def queue_waitlist_update(
    registration: Registration, *, changes: list[str], dedupe_key: str = ""
) -> EmailMessage | None:
    """The webinar moved: the new date and time for a person still waiting for a seat.

    A plain message, without calendar or join link: they never had an invitation.
    """
    return queue(Kind.WAITLIST_UPDATE, registration, dedupe_key=dedupe_key, changes=changes)


def queue_waitlist_cancelled(
    registration: Registration, *, dedupe_key: str = ""
) -> EmailMessage | None:
    """The webinar is cancelled: the waiting list, and this place on it, end."""
    return queue(Kind.WAITLIST_CANCELLED, registration, dedupe_key=dedupe_key)


def queue_promoted(registration: Registration) -> EmailMessage:
    return queue(Kind.PROMOTED, registration)


def new_join_token() -> str:
    return tokens.new_random_token()


def check_may_join(registration: Registration) -> None:
    if registration.status != Registration.Status.CONFIRMED or not registration.join_token:
        raise ValueError("Join links go only to confirmed registrants (who have a token).")


def join_context(registration: Registration) -> dict:
    """The personal join link, the Teams fallback and the programme: confirmed people only."""
    check_may_join(registration)
    webinar = registration.webinar
    return {
        "personal_join_url": invitations.join_link(registration),
        "teams_url": webinar.meeting_join_url,
        "programme_url": absolute(webinar.programme.url) if webinar.programme else "",
    }


def queue_invitation(registration: Registration) -> EmailMessage:
    """The Teams guest invitation with its calendar event, for a confirmed registrant only.

    The caller records what the person was told (``services.invite``). Rendered with its
    .ics by the send task (``message_render``), out of the webinar's lock.
    """
    check_may_join(registration)  # refuses now, in the caller's transaction
    return queue(Kind.INVITATION, registration, ics_method=invitations.REQUEST, render_later=True)


def queue_update(
    registration: Registration, *, changes: list[str], dedupe_key: str = ""
) -> EmailMessage | None:
    """The webinar's time or link changed: a new REQUEST for the same calendar event.

    The caller raises ``registration.ics_sequence`` first.
    """
    context = join_context(registration)
    return queue(
        Kind.UPDATE,
        registration,
        ics_method=invitations.REQUEST,
        dedupe_key=dedupe_key,
        changes=changes,
        **context,
    )


def queue_reminder(
    registration: Registration, *, starts: str, dedupe_key: str = ""
) -> EmailMessage | None:
    """A reminder before the start, with the personal join link (no .ics).

    ``starts`` says when, in subject and body: «domani alle 10:30»
    (``reminders.starts_phrase``).
    """
    context = join_context(registration)
    del context["teams_url"]
    return queue(Kind.REMINDER, registration, dedupe_key=dedupe_key, starts=starts, **context)


def queue_cancellation(
    registration: Registration,
    *,
    had_seat: bool = False,
    webinar_cancelled: bool = False,
    dedupe_key: str = "",
) -> EmailMessage | None:
    """The registration, or the whole webinar, is cancelled.

    A person who held a seat had the event in their calendar: they also get
    METHOD:CANCEL for the same UID, with the higher SEQUENCE the caller has set, so it
    disappears.
    """
    return queue(
        Kind.CANCELLATION,
        registration,
        ics_method=invitations.CANCEL if had_seat else "",
        dedupe_key=dedupe_key,
        webinar_cancelled=webinar_cancelled,
    )


def followup_context(registration: Registration, certificate=None) -> dict:
    """What a follow-up says: minutes attended, the certificate, the webinar's materials."""
    from registrations import certificates

    webinar = registration.webinar
    document = webinar.materials_document
    return {
        # After the webinar there is nothing left to cancel.
        "cancel_url": "",
        "attended_minutes": round((registration.attended_seconds or 0) / 60),
        "certificate_url": certificates.download_url(certificate) if certificate else "",
        "certificate_code": certificate.code if certificate else "",
        "materials_url": webinar.materials_url,
        "materials_document": document,
        "materials_document_url": absolute(document.url) if document else "",
    }


def queue_followup(
    registration: Registration, *, certificate=None, dedupe_key: str = ""
) -> EmailMessage | None:
    """Thanks (with the certificate, for attendees) or «ci dispiace non averti visto»."""
    context = followup_context(registration, certificate)
    return queue(followup_kind(registration), registration, dedupe_key=dedupe_key, **context)


def followup_kind(registration: Registration) -> str:
    if registration.attendance == Registration.Attendance.ABSENT:
        return Kind.FOLLOWUP_ABSENT
    return Kind.FOLLOWUP_ATTENDED


def queue_my_registrations_link(
    email: str, url: str, *, dedupe_key: str = ""
) -> EmailMessage | None:
    """The personal link to «Le mie iscrizioni», to an address that has registrations.

    Nothing typed by the requester is repeated: the message names no one and only says
    what the link opens.
    """
    from cgmsite.models import SiteSettings

    context = {
        "greeting_name": "",
        "my_registrations_url": url,
        "hours": settings.MY_REGISTRATIONS_LINK_HOURS,
        "site": SiteSettings.objects.first() or SiteSettings(),
    }

    def build() -> dict:
        subject, body_text, body_html = render(Kind.MY_REGISTRATIONS, context)
        return {"subject": subject, "body_text": body_text, "body_html": body_html}

    return email_queue(kind=Kind.MY_REGISTRATIONS, to=email, dedupe_key=dedupe_key, build=build)


# What a message rendered by the send task needs besides ``base_context``, by kind.
LATER = {
    Kind.CONFIRMATION: confirmation_context,
    Kind.MEMBERS_ONLY: members_only_context,
    Kind.INVITATION: join_context,
    Kind.WAITLISTED: lambda registration: {},
}


# Messages from staff («Scrivi agli iscritti», ``registrations.staff_messages``) ----------


def staff_message_context(registration: Registration, *, subject: str, body: str, now=None):
    """What a message staff wrote adds to the person's context: their words, and the
    cancellation link only while the person has a registration to cancel."""
    from django.utils import timezone

    can_cancel = (
        registration.status
        in (
            Registration.Status.CONFIRMED,
            Registration.Status.WAITLISTED,
        )
        and (now or timezone.now()) < registration.webinar.end
    )
    context = {"staff_subject": subject, "staff_body": body}
    if not can_cancel:
        context["cancel_url"] = ""
    return context


def render_staff_message(registration: Registration, *, subject: str, body: str):
    """Subject, text and HTML of a staff message as this person gets it (the preview)."""
    context = {
        **base_context(registration),
        **staff_message_context(registration, subject=subject, body=body),
    }
    return render(Kind.STAFF_MESSAGE, context)


def queue_staff_message(
    registration: Registration, *, subject: str, body: str, dedupe_key: str
) -> EmailMessage | None:
    """A staff message to one registrant, once per key (None when already queued).

    The text part is the text as typed; the HTML part escapes it (no markup from staff
    reaches the mail), makes paragraphs of blank lines and links of bare addresses.
    """
    return queue(
        Kind.STAFF_MESSAGE,
        registration,
        dedupe_key=dedupe_key,
        **staff_message_context(registration, subject=subject, body=body),
    )
