"""The invitation a confirmed registrant receives, read back as a mail client would.

Each message is built as the outbox sends it (``outbox.deliver`` to the locmem backend)
and parsed with the standard library's MIME parser; the calendar part is parsed with
``icalendar`` and checked field by field.
"""

import email
import re
from datetime import timedelta
from email import policy

from django.core import mail
from django.utils import translation
from django.utils.translation import gettext

import pytest
from icalendar import Calendar

from cgmsite.models import SiteSettings
from registrations import outbox, services
from registrations.models import EmailMessage, Registration
from tests.registrations.conftest import (
    ACCESS_LINK,
    CANCEL_LINK,
    only_token,
    service_data,
)

Kind = EmailMessage.Kind
MEMBER = "maria.bianchi@cgm.coop"
JOIN_LINK = re.compile(r"http://testserver/webinar/entra/([A-Za-z0-9_-]+)/")


@pytest.fixture
def site_settings(registration_site):
    settings, _ = SiteSettings.objects.update_or_create(
        site=registration_site.site,
        defaults={"organisation_name": "Gruppo Cooperativo CGM", "contact_email": "info@cgm.coop"},
    )
    return settings


def delivered(row: EmailMessage) -> email.message.EmailMessage:
    """The message as the outbox hands it to the mail backend, parsed back from bytes."""
    mail.outbox.clear()
    outbox.deliver(row)
    assert len(mail.outbox) == 1
    raw = mail.outbox[0].message().as_bytes()
    return email.message_from_bytes(raw, policy=policy.default)


def parts(message) -> dict[str, object]:
    """The text, HTML and calendar parts of a parsed message, by content type."""
    found = {}
    for part in message.walk():
        if part.is_multipart():
            continue
        found.setdefault(part.get_content_type(), part)
    return found


def event_of(calendar: Calendar):
    (event,) = calendar.walk("VEVENT")
    return event


def last_row(kind: str, registration: Registration) -> EmailMessage:
    return EmailMessage.objects.filter(kind=kind, registration=registration).latest("pk")


@pytest.mark.django_db
def test_the_invitation_reads_right_in_a_mail_client(open_webinar, confirmed, site_settings):
    registration = confirmed(open_webinar)
    message = delivered(last_row(Kind.INVITATION, registration))
    found = parts(message)

    assert message["To"] == MEMBER
    assert open_webinar.title in message["Subject"]
    text = found["text/plain"].get_content()
    html = found["text/html"].get_content()
    join_link = f"http://testserver/webinar/entra/{registration.join_token}/"
    for body in (text, html):
        assert join_link in body
        # The Teams link as plain-text fallback, for when the site cannot be reached.
        assert open_webinar.teams_join_url in body
        assert "http://testserver/iscrizioni/annulla/" in body
        assert open_webinar.contact_email in body
    # The personal link is the button.
    assert re.search(rf'<a href="{re.escape(join_link)}"[^>]*>', html)
    with translation.override("it"):
        guest_step = gettext("Choose “Continue in this browser” (no app needed).")
    assert guest_step in text
    assert found["text/calendar"].get_content_type() == "text/calendar"
    assert found["text/calendar"].get_param("method") == "REQUEST"


@pytest.mark.django_db
def test_the_invitation_calendar_event_field_by_field(open_webinar, confirmed, site_settings):
    registration = confirmed(open_webinar)
    message = delivered(last_row(Kind.INVITATION, registration))
    calendar = Calendar.from_ical(parts(message)["text/calendar"].get_content())
    event = event_of(calendar)
    join_link = f"http://testserver/webinar/entra/{registration.join_token}/"

    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(event["UID"]) == (
        f"webinar-{open_webinar.pk}-registration-{registration.pk}@testserver"
    )
    assert event["SEQUENCE"] == 0
    assert str(event["ORGANIZER"]) == "mailto:info@cgm.coop"
    assert event["ORGANIZER"].params["CN"] == "Gruppo Cooperativo CGM"
    attendee = event["ATTENDEE"]
    assert str(attendee) == f"mailto:{MEMBER}"
    assert attendee.params["CN"] == "Maria Bianchi"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "NEEDS-ACTION"
    assert attendee.params["RSVP"] == "FALSE"
    assert event["DTSTART"].params["TZID"] == "Europe/Rome"
    assert event["DTEND"].params["TZID"] == "Europe/Rome"
    assert event.decoded("DTSTART") == open_webinar.start
    assert event.decoded("DTEND") == open_webinar.end
    (vtimezone,) = calendar.walk("VTIMEZONE")
    assert str(vtimezone["TZID"]) == "Europe/Rome"
    assert str(event["LOCATION"]) == "Microsoft Teams"
    assert str(event["URL"]) == join_link
    assert join_link in str(event["DESCRIPTION"])
    assert str(event["X-MICROSOFT-SKYPETEAMSMEETINGURL"]) == open_webinar.teams_join_url
    assert str(event["SUMMARY"]) == open_webinar.title
    (alarm,) = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -timedelta(minutes=15)
    registration.refresh_from_db()
    assert len(registration.invited_fingerprint) == 64


@pytest.mark.django_db
def test_the_organiser_falls_back_to_the_sender_address(open_webinar, confirmed, settings):
    settings.DEFAULT_FROM_EMAIL = "CGM Webinar <webinar@cgm.coop>"
    registration = confirmed(open_webinar)
    calendar = Calendar.from_ical(last_row(Kind.INVITATION, registration).ics)

    assert str(event_of(calendar)["ORGANIZER"]) == "mailto:webinar@cgm.coop"


@pytest.mark.django_db
def test_confirming_gives_a_personal_join_link(open_webinar, confirmed):
    first = confirmed(open_webinar)
    second = confirmed(open_webinar, "luca.verdi@cgm.coop", first_name="Luca")

    assert first.join_token and second.join_token
    assert first.join_token != second.join_token
    assert len(first.join_token) >= 40
    invitation = mail.outbox[-1]
    assert JOIN_LINK.findall(invitation.body) == [second.join_token]


@pytest.mark.django_db
def test_a_promoted_registrant_gets_a_join_link(small_webinar, confirmed, sends_mail):
    first = confirmed(small_webinar, "uno@cgm.coop")
    confirmed(small_webinar, "due@cgm.coop")
    third = confirmed(small_webinar, "tre@cgm.coop")
    assert third.status == Registration.Status.WAITLISTED
    assert not third.join_token

    with sends_mail():
        services.registration_cancel(registration=first)

    third.refresh_from_db()
    assert third.status == Registration.Status.CONFIRMED
    assert third.join_token
    invitation = last_row(Kind.INVITATION, third)
    assert f"/webinar/entra/{third.join_token}/" in invitation.body_text
    assert invitation.ics_method == "REQUEST"


@pytest.mark.django_db
def test_cancelling_a_seat_sends_method_cancel_for_the_same_uid(
    open_webinar, confirmed, sends_mail, site_settings
):
    registration = confirmed(open_webinar)
    invitation = Calendar.from_ical(last_row(Kind.INVITATION, registration).ics)
    cancel_token = only_token(mail.outbox[-1], CANCEL_LINK)

    with sends_mail():
        services.registration_cancel_by_token(token=cancel_token)

    message = delivered(last_row(Kind.CANCELLATION, registration))
    found = parts(message)
    assert found["text/calendar"].get_param("method") == "CANCEL"
    calendar = Calendar.from_ical(found["text/calendar"].get_content())
    assert str(calendar["METHOD"]) == "CANCEL"
    event = event_of(calendar)
    assert event["UID"] == event_of(invitation)["UID"]
    assert event["SEQUENCE"] == event_of(invitation)["SEQUENCE"] + 1
    assert str(event["STATUS"]) == "CANCELLED"
    # No way into the meeting in a cancellation.
    for body in (found["text/plain"].get_content(), found["text/html"].get_content(), str(event)):
        assert open_webinar.teams_join_url not in body
        assert registration.join_token not in body
    assert "X-MICROSOFT-SKYPETEAMSMEETINGURL" not in found["text/calendar"].get_content()


@pytest.mark.django_db
def test_a_pending_registration_cancelled_gets_no_calendar(open_webinar, sends_mail):
    with sends_mail():
        registration = services.registration_create(webinar=open_webinar, **service_data(MEMBER))
    with sends_mail():
        services.registration_cancel(registration=registration)

    row = last_row(Kind.CANCELLATION, registration)
    assert row.ics == ""
    assert "text/calendar" not in parts(delivered(row))


@pytest.mark.django_db
def test_the_teams_link_is_only_in_messages_to_confirmed_registrants(
    small_webinar, confirmed, sends_mail
):
    first = confirmed(small_webinar, "uno@cgm.coop")
    confirmed(small_webinar, "due@cgm.coop")
    confirmed(small_webinar, "tre@cgm.coop")  # waiting list
    for outsider in ("chi@gmail.com", "altro@gmail.com"):
        with sends_mail():
            services.registration_create(webinar=small_webinar, **service_data(outsider))
        with sends_mail():
            services.registration_request_access(token=only_token(mail.outbox[-1], ACCESS_LINK))
    with sends_mail():
        services.registration_approve(registration=Registration.objects.get(email="chi@gmail.com"))
        services.registration_reject(registration=Registration.objects.get(email="altro@gmail.com"))
    with sends_mail():
        services.registration_cancel(registration=first)  # promotes the third

    join_kinds = {Kind.INVITATION, Kind.UPDATE, Kind.REMINDER}
    rows = list(EmailMessage.objects.all())
    assert {row.kind for row in rows} >= {
        Kind.CONFIRMATION,
        Kind.MEMBERS_ONLY,
        Kind.ACCESS_REQUEST_NOTICE,
        Kind.ACCESS_APPROVED,
        Kind.ACCESS_REJECTED,
        Kind.WAITLISTED,
        Kind.PROMOTED,
        Kind.CANCELLATION,
        Kind.INVITATION,
    }
    for row in rows:
        content = row.subject + row.body_text + row.body_html + row.ics
        if row.kind in join_kinds:
            assert small_webinar.teams_join_url in content
        else:
            assert small_webinar.teams_join_url not in content, row.kind
            assert "/webinar/entra/" not in content, row.kind
