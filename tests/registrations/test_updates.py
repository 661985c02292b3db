"""An editor publishes a change of time, link or status: each confirmed registrant gets
exactly one update (same UID, higher SEQUENCE) or a cancellation, and nothing else."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from wagtail.signals import page_published

import pytest
from icalendar import Calendar

from events.models import WebinarPage
from registrations import services
from registrations.models import EmailMessage, Registration
from tests.events.test_publishing_rules import webinar_form
from tests.registrations.conftest import service_data

Kind = EmailMessage.Kind
TEAMS_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_nuovo%40thread.v2/0"


@pytest.fixture
def audience(open_webinar, confirmed, sends_mail):
    """Two confirmed registrants, one pending and one who cancelled; mail outbox empty."""
    people = [confirmed(open_webinar, "uno@cgm.coop"), confirmed(open_webinar, "due@cgm.coop")]
    with sends_mail():
        services.registration_create(webinar=open_webinar, **service_data("tre@cgm.coop"))
    gone = confirmed(open_webinar, "quattro@cgm.coop")
    with sends_mail():
        services.registration_cancel(registration=gone)
    mail.outbox.clear()
    return people


def publish(webinar: WebinarPage, sends_mail, **changes) -> WebinarPage:
    """Save a revision with ``changes`` and publish it, as an editor would."""
    webinar = WebinarPage.objects.get(pk=webinar.pk)
    for name, value in changes.items():
        setattr(webinar, name, value)
    with sends_mail():
        webinar.save_revision().publish()
    return WebinarPage.objects.get(pk=webinar.pk)


def moved(webinar: WebinarPage, *, hours: int) -> dict:
    return {
        "start": webinar.start + timedelta(hours=hours),
        "end": webinar.end + timedelta(hours=hours),
    }


def rows(kind: str) -> list[EmailMessage]:
    return list(EmailMessage.objects.filter(kind=kind).order_by("pk"))


def calendar_event(row: EmailMessage):
    calendar = Calendar.from_ical(row.ics)
    (event,) = calendar.walk("VEVENT")
    return calendar, event


def invitation_event(registration: Registration):
    row = EmailMessage.objects.get(kind=Kind.INVITATION, registration=registration)
    return calendar_event(row)[1]


@pytest.mark.django_db
def test_moving_the_webinar_sends_one_update_each(open_webinar, audience, sends_mail):
    later = open_webinar.start + timedelta(hours=1)
    webinar = publish(
        open_webinar, sends_mail, start=later, end=open_webinar.end + timedelta(hours=1)
    )

    updates = rows(Kind.UPDATE)
    assert sorted(row.to for row in updates) == ["due@cgm.coop", "uno@cgm.coop"]
    assert sorted(m.to[0] for m in mail.outbox) == ["due@cgm.coop", "uno@cgm.coop"]
    for registration in audience:
        (row,) = [r for r in updates if r.registration_id == registration.pk]
        registration.refresh_from_db()
        assert row.ics_method == "REQUEST"
        calendar, event = calendar_event(row)
        before = invitation_event(registration)
        assert str(calendar["METHOD"]) == "REQUEST"
        assert event["UID"] == before["UID"]
        assert event["SEQUENCE"] == before["SEQUENCE"] + 1 == registration.ics_sequence
        assert event.decoded("DTSTART") == webinar.start == later
        assert f"/webinar/entra/{registration.join_token}/" in row.body_text
        assert str(event["X-MICROSOFT-SKYPETEAMSMEETINGURL"]) == webinar.teams_join_url
        # It says what changed: the new time and the one it replaces.
        assert webinar.when_label in row.body_text
        assert open_webinar.when_label in row.body_text
        assert row.dedupe_key.startswith(f"update-{registration.pk}-")


@pytest.mark.django_db
def test_a_new_meeting_link_sends_an_update(open_webinar, audience, sends_mail):
    publish(open_webinar, sends_mail, teams_join_url=TEAMS_URL)

    updates = rows(Kind.UPDATE)
    assert len(updates) == 2
    for row in updates:
        assert TEAMS_URL in row.body_text
        assert open_webinar.teams_join_url not in row.body_text + row.ics


@pytest.mark.django_db
def test_publishing_without_a_relevant_change_sends_nothing(open_webinar, audience, sends_mail):
    publish(open_webinar, sends_mail, title="Un titolo nuovo", standfirst="Altro testo.")
    publish(open_webinar, sends_mail)

    assert mail.outbox == []
    assert rows(Kind.UPDATE) == []


@pytest.mark.django_db
def test_the_signal_delivered_twice_sends_one_update(open_webinar, audience, sends_mail):
    webinar = publish(open_webinar, sends_mail, **moved(open_webinar, hours=2))
    with sends_mail():
        page_published.send(sender=WebinarPage, instance=webinar, revision=webinar.live_revision)

    assert len(rows(Kind.UPDATE)) == 2
    assert len(mail.outbox) == 2


@pytest.mark.django_db
def test_each_change_raises_the_sequence_again(open_webinar, audience, sends_mail):
    publish(open_webinar, sends_mail, **moved(open_webinar, hours=1))
    publish(open_webinar, sends_mail, **moved(open_webinar, hours=2))

    first = audience[0]
    sequences = [
        calendar_event(row)[1]["SEQUENCE"]
        for row in EmailMessage.objects.filter(registration=first, kind=Kind.UPDATE).order_by("pk")
    ]
    assert sequences == [1, 2]


@pytest.mark.django_db
def test_cancelling_the_webinar_sends_method_cancel(open_webinar, audience, sends_mail):
    publish(open_webinar, sends_mail, status=WebinarPage.Status.CANCELLED)

    cancellations = rows(Kind.CANCELLATION)[-2:]
    assert sorted(row.to for row in cancellations) == ["due@cgm.coop", "uno@cgm.coop"]
    assert rows(Kind.UPDATE) == []
    assert len(mail.outbox) == 2
    for row in cancellations:
        registration = Registration.objects.get(pk=row.registration_id)
        calendar, event = calendar_event(row)
        before = invitation_event(registration)
        assert str(calendar["METHOD"]) == "CANCEL"
        assert row.ics_method == "CANCEL"
        assert event["UID"] == before["UID"]
        assert event["SEQUENCE"] == before["SEQUENCE"] + 1
        assert str(event["STATUS"]) == "CANCELLED"
        assert open_webinar.teams_join_url not in row.body_text + row.body_html + row.ics
        assert "/webinar/entra/" not in row.body_text + row.body_html + row.ics
        assert row.dedupe_key.startswith(f"cancel-{registration.pk}-")

    # Publishing the cancelled webinar again tells nobody anything more.
    mail.outbox.clear()
    publish(open_webinar, sends_mail, title="Annullato")
    assert mail.outbox == []


@pytest.mark.django_db
def test_an_editor_moving_the_webinar_in_the_admin_sends_updates(
    client, open_webinar, audience, sends_mail
):
    editor = get_user_model().objects.create_superuser(
        username="redazione", email="redazione@cgm.coop", password="password"
    )
    client.force_login(editor)
    new_start = open_webinar.start + timedelta(hours=1)
    new_end = open_webinar.end + timedelta(hours=1)
    data = webinar_form(
        title=open_webinar.title,
        slug=open_webinar.slug,
        date=open_webinar.date.isoformat(),
        start=timezone.localtime(new_start).strftime("%Y-%m-%d %H:%M"),
        end=timezone.localtime(new_end).strftime("%Y-%m-%d %H:%M"),
        teams_join_url=open_webinar.teams_join_url,
        contact_email=open_webinar.contact_email,
    )

    with sends_mail():
        response = client.post(reverse("wagtailadmin_pages:edit", args=[open_webinar.pk]), data)

    assert response.status_code == 302, response.context["form"].errors
    webinar = WebinarPage.objects.get(pk=open_webinar.pk)
    assert webinar.start == new_start
    updates = rows(Kind.UPDATE)
    assert sorted(row.to for row in updates) == ["due@cgm.coop", "uno@cgm.coop"]
    assert {calendar_event(row)[1]["SEQUENCE"] for row in updates} == {1}
