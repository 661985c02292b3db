"""Reminders before the start: each sent once per registrant, also when the job runs
twice or late, never once the webinar has started."""

from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.utils import timezone

import pytest

from events.models import WebinarPage
from registrations import services
from registrations.models import EmailMessage, Registration
from registrations.reminders import send_reminders
from tests.events.factories import days_from_now
from tests.registrations.conftest import service_data

Kind = EmailMessage.Kind
HOUR = timedelta(hours=1)


@pytest.fixture
def webinar(make_webinar, member_org, confirmed, sends_mail):
    """A webinar in three days with two confirmed registrants, one pending, one cancelled."""
    webinar = make_webinar(start=days_from_now(3))
    confirmed(webinar, "uno@cgm.coop")
    confirmed(webinar, "due@cgm.coop")
    with sends_mail():
        services.registration_create(webinar=webinar, **service_data("tre@cgm.coop"))
    gone = confirmed(webinar, "quattro@cgm.coop")
    with sends_mail():
        services.registration_cancel(registration=gone)
    mail.outbox.clear()
    return webinar


def run(sends_mail, now) -> int:
    with sends_mail():
        return send_reminders(now=now)


def reminders() -> list[EmailMessage]:
    return list(EmailMessage.objects.filter(kind=Kind.REMINDER).order_by("pk"))


@pytest.mark.django_db
def test_nothing_is_due_long_before_the_start(webinar, sends_mail):
    assert run(sends_mail, webinar.start - 25 * HOUR) == 0
    assert mail.outbox == []


@pytest.mark.django_db
def test_each_reminder_goes_once_even_when_the_job_runs_twice(webinar, sends_mail):
    day_before = webinar.start - 23 * HOUR
    assert run(sends_mail, day_before) == 2
    assert run(sends_mail, day_before) == 0
    assert run(sends_mail, day_before + HOUR) == 0
    assert sorted(m.to[0] for m in mail.outbox) == ["due@cgm.coop", "uno@cgm.coop"]

    hour_before = webinar.start - 50 * timedelta(minutes=1)
    assert run(sends_mail, hour_before) == 2
    assert run(sends_mail, hour_before) == 0

    rows = reminders()
    assert len(rows) == 4 == len(mail.outbox)
    assert sorted(row.dedupe_key for row in rows) == sorted(
        f"reminder-{row.registration_id}-{seconds}"
        for row in rows[:2]
        for seconds in (24 * 3600, 3600)
    )
    for row in rows:
        registration = row.registration
        assert f"http://testserver/webinar/entra/{registration.join_token}/" in row.body_text
        assert f"http://testserver/webinar/entra/{registration.join_token}/" in row.body_html
        assert registration.status == registration.Status.CONFIRMED
        assert row.ics == ""


@pytest.mark.django_db
def test_run_late_it_sends_only_the_nearest_reminder(webinar, sends_mail):
    assert run(sends_mail, webinar.start - 30 * timedelta(minutes=1)) == 2
    assert {row.dedupe_key.rsplit("-", 1)[1] for row in reminders()} == {"3600"}


@pytest.mark.django_db
def test_no_reminder_once_the_webinar_has_started(webinar, sends_mail):
    assert run(sends_mail, webinar.start + timedelta(minutes=5)) == 0
    assert reminders() == []


@pytest.mark.django_db
def test_a_cancelled_webinar_gets_no_reminder(webinar, sends_mail):
    page = WebinarPage.objects.get(pk=webinar.pk)
    page.status = WebinarPage.Status.CANCELLED
    with sends_mail():
        page.save_revision().publish()

    assert run(sends_mail, webinar.start - 2 * HOUR) == 0
    assert reminders() == []


@pytest.mark.django_db
def test_the_offsets_come_from_the_settings(webinar, sends_mail, settings):
    settings.REGISTRATION_REMINDERS = [timedelta(hours=2)]

    assert run(sends_mail, webinar.start - 3 * HOUR) == 0
    assert run(sends_mail, webinar.start - 90 * timedelta(minutes=1)) == 2
    assert {row.dedupe_key.rsplit("-", 1)[1] for row in reminders()} == {"7200"}


@pytest.mark.django_db
def test_whoever_confirmed_after_the_reminder_time_is_not_reminded(
    make_webinar, member_org, confirmed, sends_mail
):
    soon = make_webinar(start=timezone.now() + 12 * HOUR, end=timezone.now() + 13 * HOUR)
    confirmed(soon, "uno@cgm.coop")  # the invitation has just gone out

    assert run(sends_mail, timezone.now()) == 0


@pytest.mark.django_db
def test_the_management_command_is_idempotent(make_webinar, member_org, confirmed, sends_mail):
    soon = make_webinar(start=timezone.now() + 12 * HOUR, end=timezone.now() + 13 * HOUR)
    registration = confirmed(soon, "uno@cgm.coop")
    Registration.objects.filter(pk=registration.pk).update(
        confirmed_at=timezone.now() - timedelta(days=2)
    )
    mail.outbox.clear()
    out = StringIO()

    with sends_mail():
        call_command("send_reminders", stdout=out)
    with sends_mail():
        call_command("send_reminders", stdout=out)

    (row,) = reminders()
    assert row.dedupe_key == f"reminder-{registration.pk}-{24 * 3600}"
    assert [m.to for m in mail.outbox] == [["uno@cgm.coop"]]
    assert out.getvalue().splitlines() == ["1 reminder(s) queued.", "0 reminder(s) queued."]
