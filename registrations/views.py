"""Thin views: validate, call one service, answer with a page.

Signing up always answers "check your inbox", whatever the address, so that the
site never tells who or which domain belongs to the network.
"""

import logging
import re

from django import forms
from django.conf import settings
from django.http import HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.middleware.csrf import CsrfViewMiddleware, get_token
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from django_ratelimit.core import is_ratelimited

from cgmsite.net import client_ip
from events.models import WebinarPage
from registrations import certificates, invitations, selectors, services, tokens
from registrations.forms import RegistrationForm, clean_person_email
from registrations.models import Certificate, Registration

logger = logging.getLogger(__name__)

# What each refusal means for the person who followed a link or sent the form.
ERRORS = {
    "invalid": (400, _("This link is not valid. Copy it again from the e-mail, whole.")),
    "expired": (
        410,
        _("This link has expired. Sign up again from the webinar page to get a new one."),
    ),
    "used": (409, _("This link has already been used.")),
    "closed": (409, _("Registration for this webinar is not open.")),
    "already_cancelled": (409, _("This registration was already cancelled.")),
    "over": (
        410,
        _("This webinar has already taken place: the registration can no longer be changed."),
    ),
}


def error_page(request, code: str, webinar=None):
    status, message = ERRORS.get(code, ERRORS["invalid"])
    return TemplateResponse(
        request,
        "registrations/message.html",
        {"title": _("We could not complete the request"), "message": message, "webinar": webinar},
        status=status,
    )


def too_many_requests(request):
    response = TemplateResponse(
        request,
        "registrations/message.html",
        {
            "title": _("Too many attempts"),
            "message": _("Too many requests from here. Please wait a few minutes and try again."),
        },
        status=429,
    )
    # The longest window of the limits is an hour; most free up much sooner.
    response["Retry-After"] = "600"
    response["Cache-Control"] = "no-store"
    return response


def rate_limited(request, group: str, *, actor: str, actor_rate: str) -> bool:
    """Whether this POST goes over one of its form's two limits.

    One limit is per client address (through the trusted proxies, ``cgmsite.net``),
    generous enough for a whole organisation behind one NAT; the other is per actor:
    the address typed into the sign-up form (from that client), or the registration a
    link's token belongs to. Each attempt counts against both, whatever its outcome.
    """
    limited_ip = is_ratelimited(
        request,
        group=group,
        key="ip",
        rate=settings.REGISTRATION_RATE_PER_IP,
        method="POST",
        increment=True,
    )
    # An empty actor (a form sent without an address) would put every such visitor
    # in one shared bucket: only the per-address limit applies then.
    if not actor:
        return limited_ip
    limited_actor = is_ratelimited(
        request,
        group=f"{group}.actor",
        key=lambda group, request: actor,
        rate=actor_rate,
        method="POST",
        increment=True,
    )
    return limited_ip or limited_actor


@never_cache
@require_GET
def csrf_token(request):
    """This visitor's CSRF token (and its cookie), for the form of a cached webinar page."""
    return JsonResponse({"token": get_token(request)})


def csrf_rejected(request) -> bool:
    """Django's own CSRF check of this POST (origin, cookie and token), done by hand."""
    return CsrfViewMiddleware(lambda request: None).process_view(request, None, (), {}) is not None


def form_page(request, webinar, form, *, status: int, resend: bool = False):
    """The registration form on a page of its own: what was typed, errors, a fresh token."""
    context = {"webinar": webinar, "form": form, "resend": resend, "with_csrf_token": True}
    response = TemplateResponse(request, "registrations/register.html", context, status=status)
    response["Cache-Control"] = "no-store"
    return response


# The webinar page's form has no token of its own (the page is cached for everyone):
# the check is done here, so that a form sent without one is answered with itself.
@csrf_exempt
def register(request, webinar_id: int):
    if request.method != "POST":
        return register_not_allowed(request, webinar_id)
    webinar = get_object_or_404(WebinarPage.objects.live().public(), pk=webinar_id)
    if csrf_rejected(request):
        # Sent without JavaScript, or the token expired: nothing is done; the person
        # sends the same form again, now with a token of their own.
        return form_page(
            request,
            webinar,
            RegistrationForm(request.POST, webinar=webinar),
            status=403,
            resend=True,
        )
    address = request.POST.get("email", "").strip().lower()[:254]
    # The address as typed from this client, for this webinar: keyed on the address
    # alone, anyone could lock a person out of signing up with five junk posts naming
    # her address; from her own organisation's NAT such posts still reach only this
    # webinar, for REGISTRATION_RATE_PER_ADDRESS's window (ten minutes). E-mail to an
    # address is capped anyway by the database (REGISTRATION_RESEND_INTERVAL).
    limited = rate_limited(
        request,
        "registrations.register",
        actor=f"{webinar.pk} {client_ip(request)} {address}" if address else "",
        actor_rate=settings.REGISTRATION_RATE_PER_ADDRESS,
    )
    if limited:
        return too_many_requests(request)
    form = RegistrationForm(request.POST, webinar=webinar)
    if not form.is_valid():
        return form_page(request, webinar, form, status=400)
    if not form.is_bot:
        try:
            services.registration_submit(
                webinar=webinar,
                first_name=form.cleaned_data["first_name"],
                last_name=form.cleaned_data["last_name"],
                email=form.cleaned_data["email"],
                organisation_name=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
                answers=form.answers(),
                consent_version=settings.PRIVACY_NOTICE_VERSION,
            )
        except services.RegistrationError as error:
            return error_page(request, error.code, webinar)
    return redirect(reverse("registrations:check_inbox", args=[webinar.pk]))


def register_not_allowed(request, webinar_id: int):
    """Only the form posts to its address; opened in the browser (the address shown after
    a form with errors, a tab restored later) it says so, with the way to the webinar."""
    webinar = WebinarPage.objects.live().public().filter(pk=webinar_id).first()
    response = TemplateResponse(
        request,
        "registrations/message.html",
        {
            "title": _("The registration form"),
            "message": _("This address only receives the form: register from the webinar's page."),
            "webinar": webinar,
        },
        status=405,
    )
    response["Allow"] = "POST"
    response["Cache-Control"] = "no-store"
    return response


def check_inbox(request, webinar_id: int):
    webinar = get_object_or_404(WebinarPage.objects.live().public(), pk=webinar_id)
    return TemplateResponse(request, "registrations/check_inbox.html", {"webinar": webinar})


def token_action(request, token: str, *, purpose: str, action, template: str):
    """GET shows what the link will do and a button; POST does it.

    Mail scanners open every link in a message: doing the action on GET would
    confirm or cancel on their behalf.
    """
    if request.method not in ("GET", "POST"):
        return HttpResponseNotAllowed(["GET", "POST"])
    try:
        registration = services.registration_from_token_readonly(token, purpose)
    except tokens.InvalidToken as error:
        return error_page(request, error.reason)
    except services.RegistrationError as error:
        return error_page(request, error.code)
    # The status before the action: what the pages say depends on it (a cancellation
    # frees a seat only for a person who had one).
    context = {
        "registration": registration,
        "webinar": registration.webinar,
        "token": token,
        "status_before": registration.status,
    }
    if purpose != tokens.CANCEL:
        context["details"] = typed_details(registration)
    if request.method == "GET":
        return TemplateResponse(request, f"registrations/{template}_ask.html", context)
    limited = rate_limited(
        request,
        f"registrations.{purpose}",
        actor=f"registration:{registration.pk}",
        actor_rate=settings.REGISTRATION_RATE_PER_REGISTRATION,
    )
    if limited:
        return too_many_requests(request)
    try:
        registration = action(token=token)
    except tokens.InvalidToken as error:
        return error_page(request, error.reason, registration.webinar)
    except services.RegistrationError as error:
        return error_page(request, error.code, registration.webinar)
    context["registration"] = registration
    return TemplateResponse(request, f"registrations/{template}_done.html", context)


def typed_details(registration) -> list[tuple[str, str]]:
    """Whose details a confirmation or access link keeps, each word by its first letter.

    Enough for the owner of the address to tell her own sign-up from a stranger's
    («V••• V••••••» against «A••••••• C•••••»), while the site shows no text a stranger
    typed (a name such as "Premio! Vai su https://evil.example" would be a lure).
    """
    details = [
        (_("Name"), registration.full_name),
        (_("Organisation"), registration.organisation_name),
        (_("Role"), registration.role),
    ]
    return [(label, masked(value)) for label, value in details if value.strip()]


def masked(text: str) -> str:
    """«Maria Dell'Orto» → «M•••• D•••••••»: each word's first letter, a dot for the rest."""
    return " ".join(word[0] + "•" * min(len(word) - 1, 10) for word in text.split())


@never_cache
def confirm(request, token: str):
    return token_action(
        request,
        token,
        purpose=tokens.CONFIRM,
        action=services.registration_confirm,
        template="confirm",
    )


@never_cache
def request_access(request, token: str):
    return token_action(
        request,
        token,
        purpose=tokens.REQUEST_ACCESS,
        action=services.registration_request_access,
        template="request_access",
    )


@never_cache
def cancel(request, token: str):
    return token_action(
        request,
        token,
        purpose=tokens.CANCEL,
        action=services.registration_cancel_by_token,
        template="cancel",
    )


def join_page(request, title, message: str, *, status: int, webinar=None):
    return TemplateResponse(
        request,
        "registrations/join_unavailable.html",
        {"title": title, "message": message, "webinar": webinar},
        status=status,
    )


@require_http_methods(["GET", "HEAD"])
def join(request, token: str):
    """The personal join link: count the visit and redirect to the Teams meeting.

    The meeting URL appears only in the ``Location`` header of a valid link; every
    other answer is a page without it. HEAD (link checkers, mail scanners) is not
    counted as attendance.
    """
    try:
        join_url = services.registration_join(token=token, count=request.method == "GET")
    except services.RegistrationError as error:
        title, message, status = JOIN_REFUSALS.get(error.code, JOIN_REFUSALS["unknown"])
        response = join_page(request, title, message, status=status, webinar=error.webinar)
        if status == 503:
            # The meeting is being created: come back, as the page says, in a minute or two.
            response["Retry-After"] = str(MEETING_RETRY_AFTER)
    else:
        response = HttpResponseRedirect(join_url)
    # The path holds a personal token: keep it out of caches and of the Referer
    # header sent to Teams.
    response["Cache-Control"] = "no-store"
    response["Referrer-Policy"] = "no-referrer"
    return response


# Seconds a join link asks to wait while the webinar's Teams meeting is being created.
MEETING_RETRY_AFTER = 120

JOIN_REFUSALS = {
    "unknown": (
        _("Link not found"),
        _("This join link does not exist. Use the link in your invitation e-mail, whole."),
        404,
    ),
    "registration_cancelled": (
        _("Registration cancelled"),
        _("Your registration has been cancelled, so this link no longer opens the webinar."),
        410,
    ),
    "webinar_cancelled": (
        _("Webinar cancelled"),
        _("This webinar has been cancelled."),
        410,
    ),
    "webinar_past": (
        _("Webinar ended"),
        _("This webinar has already ended."),
        410,
    ),
    # 503: the answer changes by itself, link checkers and browsers may try again.
    "meeting_not_ready": (
        _("Meeting not ready yet"),
        _(
            "The Teams meeting of this webinar is being created. Try this link again in a "
            "few minutes: it will open the meeting."
        ),
        503,
    ),
}


# Certificates of attendance -------------------------------------------------------------

CERTIFICATE_CODE = re.compile(r"[A-Za-z0-9-]{1,24}")


def private(response):
    """Personal answers: kept by no cache, indexed by no search engine, no Referer to
    other sites.

    Not "no-referrer": with it Chromium sends its forms with ``Origin: null``, which
    Django's CSRF check refuses, so nobody could ask for the link to their registrations.
    """
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET", "HEAD"])
def certificate_download(request, token: str):
    """The person's certificate as a PDF, through the link in their follow-up e-mail."""
    certificate = certificates.certificate_for_download(token)
    if certificate is None:
        return private(
            join_page(
                request,
                _("Certificate not found"),
                _(
                    "This link does not lead to a certificate: copy it again from the e-mail, "
                    "whole. Certificate links stop working once the registration data is "
                    "erased; the verification code stays valid."
                ),
                status=404,
            )
        )
    response = HttpResponse(
        certificates.certificate_pdf(certificate), content_type="application/pdf"
    )
    filename = f"attestato-{slugify(certificate.webinar_title)[:60] or 'webinar'}.pdf"
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return private(response)


@require_http_methods(["GET", "HEAD"])
def certificate_verify(request, code: str):
    """Anyone holding a code learns whether it is genuine: name, webinar and date only."""
    code = code.strip().upper()
    certificate = None
    if CERTIFICATE_CODE.fullmatch(code):
        certificate = Certificate.objects.filter(code=code).first()
    context = {"certificate": certificate, "code": code if certificate else ""}
    if certificate is not None:
        context["date"] = certificates.date_label(certificate)
    response = TemplateResponse(
        request,
        "registrations/certificate_verify.html",
        context,
        status=200 if certificate else 404,
    )
    return private(response)


# «Le mie iscrizioni» -------------------------------------------------------------------


class MyRegistrationsForm(forms.Form):
    email = forms.EmailField(
        label=_("Your e-mail address"),
        max_length=254,
        help_text=_("The address you registered with."),
    )

    def clean_email(self):
        return clean_person_email(self.cleaned_data["email"])


@require_http_methods(["GET", "POST"])
def my_registrations_request(request):
    """Ask for the link to one's registrations: the same answer whatever the address.

    An e-mail goes only to an address that has registrations; the page never says
    whether it has, so it cannot be used to learn who signed up.
    """
    form = MyRegistrationsForm(request.POST or None)
    context = {"form": form, "sent": False, "hours": settings.MY_REGISTRATIONS_LINK_HOURS}
    status = 200
    if request.method == "POST":
        address = request.POST.get("email", "").strip().lower()[:254]
        # Per address and client, as on the sign-up form: keyed on the address alone,
        # anyone could refuse a person her own link by naming her address five times.
        if rate_limited(
            request,
            "registrations.mine",
            actor=f"{client_ip(request)} {address}" if address else "",
            actor_rate=settings.REGISTRATION_RATE_PER_ADDRESS,
        ):
            return too_many_requests(request)
        if form.is_valid():
            services.my_registrations_link_request(email=form.cleaned_data["email"])
            context["sent"] = True
        else:
            status = 400
    return private(
        TemplateResponse(
            request, "registrations/my_registrations_request.html", context, status=status
        )
    )


def person_from_token(token: str) -> str | None:
    try:
        return tokens.read_person_token(token)
    except tokens.InvalidToken:
        return None


@require_http_methods(["GET", "HEAD"])
def my_registrations(request, token: str):
    """The person's registrations, upcoming first: what each one allows now.

    The link acts on nothing by itself: cancelling goes through the cancellation page,
    which asks first.
    """
    email = person_from_token(token)
    if email is None:
        context = {
            "form": MyRegistrationsForm(),
            "expired": True,
            "hours": settings.MY_REGISTRATIONS_LINK_HOURS,
        }
        template = "registrations/my_registrations_request.html"
        return private(TemplateResponse(request, template, context, status=400))
    upcoming, past = selectors.person_registrations(email)
    now = timezone.now()
    context = {
        "upcoming": [my_registration_item(registration, token, now) for registration in upcoming],
        "past": [my_registration_item(registration, token, now) for registration in past],
        "email": email,
    }
    return private(TemplateResponse(request, "registrations/my_registrations.html", context))


def my_registration_item(registration, token: str, now) -> dict:
    """What the page shows of one registration, and the links it offers now."""
    webinar = registration.webinar
    confirmed = registration.status == Registration.Status.CONFIRMED
    item = {"registration": registration, "webinar": webinar, "when": webinar.when_label}
    if webinar.end > now and registration.status in Registration.ACTIVE_STATUSES:
        item["cancel_url"] = reverse(
            "registrations:cancel", args=[tokens.make_token(registration, tokens.CANCEL)]
        )
    if confirmed and webinar.end > now and not webinar.is_cancelled:
        item["ics_url"] = reverse("registrations:mine_ics", args=[token, registration.pk])
        if registration.join_token and now >= webinar.start - settings.MY_REGISTRATIONS_JOIN_BEFORE:
            item["join_url"] = reverse("join", args=[registration.join_token])
        else:
            item["join_opens"] = webinar.start - settings.MY_REGISTRATIONS_JOIN_BEFORE
    certificate = getattr(registration, "certificate", None)
    if certificate is not None and certificate.download_token:
        item["certificate_url"] = reverse("certificate_download", args=[certificate.download_token])
    return item


@require_http_methods(["GET", "HEAD"])
def my_registration_ics(request, token: str, registration_id: int):
    """The confirmed registrant's own calendar event (with their join link)."""
    email = person_from_token(token)
    registration = (
        Registration.objects.filter(
            pk=registration_id,
            email__iexact=email or "",
            status=Registration.Status.CONFIRMED,
            anonymised_at__isnull=True,
        )
        .select_related("webinar")
        .first()
        if email
        else None
    )
    if registration is None:
        return private(error_page(request, "invalid"))
    from cgmsite.models import SiteSettings

    ics = invitations.registration_ics(
        registration,
        method=invitations.REQUEST,
        site=SiteSettings.objects.first() or SiteSettings(),
        webinar_url=f"{settings.SITE_BASE_URL}{registration.webinar.url or ''}",
    )
    response = HttpResponse(ics, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="webinar.ics"'
    return private(response)
