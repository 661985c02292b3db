"""An editor publishes a change of time, link or status: each confirmed registrant gets
exactly one update (same UID, higher SEQUENCE) or a cancellation, and nothing else."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

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


# The waiting list ------------------------------------------------------------------------


@pytest.fixture
def waiting(small_webinar, confirmed, sends_mail):
    """Two seats taken ("uno", "due") and two people waiting ("tre", "quattro")."""
    confirmed(small_webinar, "uno@cgm.coop")
    confirmed(small_webinar, "due@cgm.coop")
    people = [
        confirmed(small_webinar, "tre@cgm.coop"),
        confirmed(small_webinar, "quattro@cgm.coop"),
    ]
    assert {person.status for person in people} == {Registration.Status.WAITLISTED}
    mail.outbox.clear()
    return people


WAITING = ["quattro@cgm.coop", "tre@cgm.coop"]


def sent_to(addresses: list[str]) -> list:
    return sorted(
        (message for message in mail.outbox if message.to[0] in addresses),
        key=lambda message: message.to[0],
    )


def assert_plain_notice(message, webinar: WebinarPage) -> str:
    """No calendar, no way into the meeting; the text, HTML and subject together."""
    mime = message.message()
    content_types = {part.get_content_type() for part in mime.walk()}
    assert "text/calendar" not in content_types
    assert message.attachments == []
    html = "".join(content for content, _mimetype in message.alternatives)
    everything = message.subject + message.body + html
    assert webinar.teams_join_url not in everything
    assert "teams.microsoft.com" not in everything
    assert "/webinar/entra/" not in everything
    return everything


def italian(message: str) -> str:
    with translation.override("it"):
        translated = gettext(message)
    assert translated != message, f"no Italian for {message!r}"
    return translated


@pytest.mark.django_db
def test_moving_the_webinar_tells_each_waitlisted_person_once(small_webinar, waiting, sends_mail):
    webinar = publish(small_webinar, sends_mail, **moved(small_webinar, hours=2))

    messages = sent_to(WAITING)
    assert [message.to for message in messages] == [["quattro@cgm.coop"], ["tre@cgm.coop"]]
    for message, registration in zip(messages, reversed(waiting), strict=True):
        everything = assert_plain_notice(message, webinar)
        # It says when the webinar now is, and when it was.
        assert webinar.when_label in message.body
        assert small_webinar.when_label in message.body
        assert (
            italian(
                "You are still on the waiting list: if a seat frees up, you will receive the "
                "invitation by e-mail."
            )
            in message.body
        )
        assert webinar.title in message.subject
        row = EmailMessage.objects.get(registration=registration, kind=Kind.WAITLIST_UPDATE)
        assert row.ics == "" and row.ics_method == ""
        assert row.dedupe_key.startswith(f"waitlist-update-{registration.pk}-")
        assert italian("Hello %(name)s,") % {"name": "Maria"} in everything
        registration.refresh_from_db()
        assert registration.status == Registration.Status.WAITLISTED
    # The confirmed people get their usual update with the calendar, as before.
    assert sorted(row.to for row in rows(Kind.UPDATE)) == ["due@cgm.coop", "uno@cgm.coop"]
    assert {row.ics_method for row in rows(Kind.UPDATE)} == {"REQUEST"}
    assert len(mail.outbox) == 4

    # Publishing again, with or without other changes, tells nobody anything more.
    mail.outbox.clear()
    publish(small_webinar, sends_mail)
    publish(small_webinar, sends_mail, title="Un titolo nuovo")
    with sends_mail():
        page_published.send(sender=WebinarPage, instance=webinar, revision=webinar.live_revision)
    assert mail.outbox == []
    assert len(rows(Kind.WAITLIST_UPDATE)) == 2


@pytest.mark.django_db
def test_a_new_meeting_link_is_no_news_for_the_waiting_list(small_webinar, waiting, sends_mail):
    publish(small_webinar, sends_mail, teams_join_url=TEAMS_URL)

    assert sent_to(WAITING) == []
    assert len(rows(Kind.UPDATE)) == 2


@pytest.mark.django_db
def test_someone_who_joined_the_list_after_a_move_hears_only_of_the_next(
    small_webinar, waiting, confirmed, sends_mail
):
    publish(small_webinar, sends_mail, **moved(small_webinar, hours=1))
    late = confirmed(small_webinar, "cinque@cgm.coop")
    assert late.status == Registration.Status.WAITLISTED
    mail.outbox.clear()

    publish(small_webinar, sends_mail, title="Un titolo nuovo")
    assert sent_to(["cinque@cgm.coop"]) == []

    publish(small_webinar, sends_mail, **moved(small_webinar, hours=3))
    assert len(sent_to(["cinque@cgm.coop"])) == 1
    assert len(sent_to(WAITING)) == 2


@pytest.mark.django_db
def test_cancelling_the_webinar_tells_the_waiting_list_and_closes_it(
    small_webinar, waiting, sends_mail
):
    webinar = publish(small_webinar, sends_mail, status=WebinarPage.Status.CANCELLED)

    messages = sent_to(WAITING)
    assert [message.to for message in messages] == [["quattro@cgm.coop"], ["tre@cgm.coop"]]
    for message, registration in zip(messages, reversed(waiting), strict=True):
        assert_plain_notice(message, webinar)
        assert (
            italian(
                "The waiting list is closed and your registration ends here. Should the "
                "webinar be scheduled again, you can sign up from its page."
            )
            in message.body
        )
        row = EmailMessage.objects.get(registration=registration, kind=Kind.WAITLIST_CANCELLED)
        assert row.ics == ""
        assert row.dedupe_key.startswith(f"waitlist-cancel-{registration.pk}-")
        # A cancelled webinar keeps no waiting list: the place ends with it.
        registration.refresh_from_db()
        assert registration.status == Registration.Status.CANCELLED
        assert registration.waitlist_position is None
        assert registration.cancelled_at is not None
    # The confirmed people get METHOD:CANCEL, as before, and keep their status.
    cancellations = rows(Kind.CANCELLATION)
    assert sorted(row.to for row in cancellations) == ["due@cgm.coop", "uno@cgm.coop"]
    assert {row.ics_method for row in cancellations} == {"CANCEL"}
    assert len(mail.outbox) == 4
    assert (
        Registration.objects.filter(webinar=webinar, status=Registration.Status.CONFIRMED).count()
        == 2
    )

    # Publishing the cancelled webinar again, or reinstating it, tells the list nothing.
    mail.outbox.clear()
    publish(small_webinar, sends_mail, title="Annullato")
    with sends_mail():
        page_published.send(sender=WebinarPage, instance=webinar, revision=webinar.live_revision)
    assert mail.outbox == []
    publish(small_webinar, sends_mail, status=WebinarPage.Status.SCHEDULED)
    assert sent_to(WAITING) == []
    assert sorted(m.to[0] for m in mail.outbox) == ["due@cgm.coop", "uno@cgm.coop"]


@pytest.mark.django_db
def test_a_place_taken_before_waiting_lists_had_a_fingerprint_hears_only_of_a_move(
    small_webinar, waiting, sends_mail
):
    Registration.objects.filter(pk__in=[person.pk for person in waiting]).update(
        invited_fingerprint=""
    )

    publish(small_webinar, sends_mail, title="Un titolo nuovo")
    assert sent_to(WAITING) == []

    publish(small_webinar, sends_mail, **moved(small_webinar, hours=1))
    assert [message.to for message in sent_to(WAITING)] == [
        ["quattro@cgm.coop"],
        ["tre@cgm.coop"],
    ]


@pytest.mark.django_db
def test_a_webinar_moved_back_and_forth_is_news_each_time(small_webinar, waiting, sends_mail):
    """A → B → A → B: the last move back to B was skipped (its dedupe key was already
    used by the first), and people kept believing the webinar was at A."""
    there, back = moved(small_webinar, hours=2), moved(small_webinar, hours=0)
    for _ in range(2):
        publish(small_webinar, sends_mail, **there)
        publish(small_webinar, sends_mail, **back)
    webinar = publish(small_webinar, sends_mail, **there)

    for address in ["uno@cgm.coop", "due@cgm.coop"]:
        updates = [row for row in rows(Kind.UPDATE) if row.to == address]
        assert len(updates) == 5
        _calendar, event = calendar_event(updates[-1])
        assert event.decoded("dtstart") == webinar.start
        assert event["sequence"] == 5
    for address in WAITING:
        assert len([row for row in rows(Kind.WAITLIST_UPDATE) if row.to == address]) == 5
