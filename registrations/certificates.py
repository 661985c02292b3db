"""Certificates of attendance: issued once per attendee, drawn as a PDF on request.

The PDF is made with fpdf2 (pure Python, installed from PyPI alone, no system
libraries), in the site's typeface, Titillium Web (SIL Open Font License, shipped in
``static/fonts/``), so its text is real, selectable Italian text. It prints its
verification address: ``/attestati/verifica/<code>/`` tells anyone holding the code
whether it is genuine, showing only the name, the webinar and its date.
"""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from fpdf import FPDF

from cgmsite.templatetags.cgm_tags import long_date
from events.models import WebinarPage
from registrations import tokens
from registrations.attendance import minutes, scheduled_seconds
from registrations.models import Certificate, Registration

FONTS = settings.BASE_DIR / "static" / "fonts" / "titillium-web"
BRAND = (0xB3, 0x26, 0x1E)
INK = (0x1D, 0x24, 0x30)
MUTED = (0x4F, 0x5B, 0x6B)


def organiser_name() -> str:
    """The organiser a certificate names: the site settings' organisation."""
    from cgmsite.models import SiteSettings

    return (SiteSettings.objects.first() or SiteSettings()).organisation_name


def certificate_issue(*, registration: Registration, organiser: str) -> Certificate:
    """The registrant's certificate, issued now if they have none (attendees only)."""
    if registration.attendance != Registration.Attendance.ATTENDED:
        raise ValueError("Certificates go only to registrants who attended.")
    with transaction.atomic():
        existing = Certificate.objects.filter(registration=registration).first()
        if existing is not None:
            return existing
        webinar: WebinarPage = registration.webinar
        return Certificate.objects.create(
            registration=registration,
            webinar=webinar,
            name=registration.full_name,
            webinar_title=webinar.title,
            webinar_start=webinar.start,
            scheduled_minutes=minutes(scheduled_seconds(webinar)),
            attended_minutes=minutes(registration.attended_seconds),
            organiser=organiser,
        )


def verification_url(certificate: Certificate) -> str:
    return f"{settings.SITE_BASE_URL}{reverse('certificate_verify', args=[certificate.code])}"


def download_url(certificate: Certificate) -> str:
    path = reverse("certificate_download", args=[certificate.download_token])
    return f"{settings.SITE_BASE_URL}{path}"


def date_label(certificate: Certificate) -> str:
    """«venerdì 17 aprile 2020»."""
    with translation.override(settings.LANGUAGE_CODE):
        return long_date(certificate.webinar_start, with_weekday=True)


def certificate_pdf(certificate: Certificate) -> bytes:
    """The certificate as a one-page A4 landscape PDF, in Italian."""
    with translation.override(settings.LANGUAGE_CODE):
        return draw(certificate)


def draw(certificate: Certificate) -> bytes:
    pdf = FPDF(orientation="landscape", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_lang("it")
    pdf.set_title(_("Certificate of attendance") + f" – {certificate.webinar_title}")
    pdf.set_author(certificate.organiser)
    pdf.set_creator(settings.WAGTAIL_SITE_NAME)
    pdf.add_font("titillium", "", FONTS / "titillium-web-latin-400.ttf")
    pdf.add_font("titillium", "B", FONTS / "titillium-web-latin-700.ttf")
    # Names beyond Latin-1 (Łukasz, Ştefan) are drawn from the extended set.
    pdf.add_font("titillium-ext", "", FONTS / "titillium-web-latin-ext-400.ttf")
    pdf.add_font("titillium-ext", "B", FONTS / "titillium-web-latin-ext-700.ttf")
    pdf.set_fallback_fonts(["titillium-ext"], exact_match=False)
    pdf.add_page()
    width = pdf.w - 40

    pdf.set_draw_color(*BRAND)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    def line(text: str, *, size: float, style: str = "", color=INK, gap: float = 4):
        pdf.set_font("titillium", style, size)
        pdf.set_text_color(*color)
        pdf.set_x(20)
        pdf.multi_cell(width, size * 0.5, text, align="C")
        pdf.ln(gap)

    pdf.set_y(30)
    line(certificate.organiser.upper(), size=13, style="B", color=BRAND, gap=10)
    line(_("Certificate of attendance"), size=34, style="B", gap=10)
    line(_("This is to certify that"), size=14, color=MUTED)
    line(certificate.name or _("(name erased)"), size=26, style="B", gap=6)
    line(_("attended the webinar"), size=14, color=MUTED)
    line(f"«{certificate.webinar_title}»", size=18, style="B", gap=6)
    line(
        _("held online on %(date)s, lasting %(scheduled)d minutes, for %(attended)d minutes.")
        % {
            "date": date_label(certificate),
            "scheduled": certificate.scheduled_minutes,
            "attended": certificate.attended_minutes,
        },
        size=14,
        gap=12,
    )
    issued = long_date(certificate.issued_at)
    line(
        _("Issued on %(date)s by %(organiser)s.")
        % {"date": issued, "organiser": certificate.organiser},
        size=11,
        color=MUTED,
        gap=2,
    )
    line(
        _("Verification code %(code)s: check it at %(url)s")
        % {"code": certificate.code, "url": verification_url(certificate)},
        size=11,
        color=MUTED,
    )
    return bytes(pdf.output())


def certificate_for_download(token: str) -> Certificate | None:
    if not tokens.is_random_token(token):
        return None
    return Certificate.objects.filter(download_token=token).first()
