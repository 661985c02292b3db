"""The Teams meeting created and kept in step by the site, through a local Microsoft Graph.

Every call goes over real HTTP to ``tests.graph_server`` (token request included), which
checks the request bodies as Microsoft documents them.
"""

import logging
from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import formats, timezone, translation

import pytest
import time_machine
from icalendar import Calendar

from events.models import WebinarPage
from events.teams import meetings
from events.teams.models import TeamsMeeting
from registrations import services
from registrations.models import EmailMessage
from tests.registrations.conftest import sent, service_data
from tests.registrations.test_updates import publish

Kind = EmailMessage.Kind
State = TeamsMeeting.State
AUTOMATIC = WebinarPage.MeetingMode.AUTOMATIC


@pytest.fixture
def auto_webinar(make_webinar, member_org, graph, sends_mail):
    """A members-only webinar whose meeting the site creates, published (so created)."""
    with sends_mail():
        return make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")


def meeting_of(webinar) -> TeamsMeeting:
    return TeamsMeeting.objects.get(webinar_id=webinar.pk)


@pytest.mark.django_db
def test_publishing_creates_one_meeting_with_the_webinars_title_times_and_settings(
    auto_webinar, graph, sends_mail
):
    meeting = meeting_of(auto_webinar)
    assert meeting.state == State.CREATED
    (created,) = graph.meetings.values()
    assert meeting.meeting_id == created["id"]
    assert meeting.join_url == created["joinWebUrl"]
    assert auto_webinar.meeting_join_url == created["joinWebUrl"]

    (token_request,) = graph.seen("token")
    assert token_request.body["grant_type"] == "client_credentials"
    (create,) = graph.seen("createOrGet")
    assert create.body == {
        "externalId": f"cgmsite-webinar-{auto_webinar.pk}",
        "subject": auto_webinar.title,
        "startDateTime": meetings.graph_time(auto_webinar.start),
        "endDateTime": meetings.graph_time(auto_webinar.end),
    }
    assert create.headers["Accept-Language"] == "it-IT"
    (update,) = graph.seen("update")
    assert update.body["lobbyBypassSettings"]["scope"] == "everyone"
    assert update.body["allowedPresenters"] == "organizer"
    assert update.body["isEntryExitAnnounced"] is False
    assert created["lobbyBypassSettings"]["scope"] == "everyone"

    # Publishing again with no change to the meeting sends nothing more to Graph.
    before = len(graph.requests)
    publish(auto_webinar, sends_mail, standfirst="Un nuovo sommario.")
    assert len(graph.requests) == before


@pytest.mark.django_db
def test_a_retry_or_a_sync_killed_midway_never_makes_a_second_meeting(
    make_webinar, member_org, graph, sends_mail, settings
):
    # Graph creates the meeting but answers too late: the site never hears of it and
    # cannot tell whether the meeting exists.
    graph.slow("createOrGet", seconds=settings.TEAMS_GRAPH_TIMEOUT + 1)
    with sends_mail():
        webinar = make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")
    meeting = meeting_of(webinar)
    assert meeting.state == State.PENDING
    assert meeting.next_attempt_at is not None
    assert "non ha risposto in tempo" in meeting.error or "did not answer" in meeting.error

    # The periodic job picks it up once due; running it twice changes nothing more.
    assert meetings.meetings_due() == []
    out = StringIO()
    with time_machine.travel(timezone.now() + timedelta(hours=1)):
        assert meetings.meetings_due() == [webinar.pk]
        call_command("run_periodic_jobs", stdout=out)
        call_command("teams_sync", stdout=out)
    assert "1 created" in out.getvalue()
    assert "none due" in out.getvalue()
    assert len(graph.meetings) == 1
    assert meeting_of(webinar).state == State.CREATED
    assert len(graph.seen("createOrGet")) == 2  # the lost answer, and the one that came


@pytest.mark.django_db
def test_a_meeting_made_by_a_lost_answer_is_found_again_by_its_external_id(auto_webinar, graph):
    # The site lost its record of the meeting (a worker killed after Graph created it).
    TeamsMeeting.objects.filter(pk=auto_webinar.pk).update(meeting_id="", join_url="", synced={})
    created = next(iter(graph.meetings.values()))
    meetings.meeting_sync(webinar_id=auto_webinar.pk)
    assert len(graph.meetings) == 1
    assert meeting_of(auto_webinar).join_url == created["joinWebUrl"]


@pytest.mark.django_db
def test_a_registrant_confirmed_before_the_meeting_existed_gets_its_link_once(
    make_webinar, member_org, graph, sends_mail, confirmed, client
):
    # Graph is down when the webinar is published: members sign up all the same.
    graph.fail("createOrGet", 503, code="ServiceUnavailable", times=1)
    with sends_mail():
        webinar = make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")
    registration = confirmed(webinar, "anna.verdi@cgm.coop")
    assert len(sent(Kind.INVITATION)) == 1
    join_url = reverse("join", args=[registration.join_token])
    # Their personal link says the meeting is on its way, and counts nothing.
    response = client.get(join_url)
    assert response.status_code == 503
    assert response["Retry-After"] == "120"  # a 503 says when to come back
    assert "riprova" in response.content.decode().lower()

    # The retry creates it; the registrant gets one update with a higher SEQUENCE.
    mail.outbox.clear()
    with sends_mail():
        meetings.meeting_sync(webinar_id=webinar.pk, now=timezone.now() + timedelta(hours=1))
    meeting = meeting_of(webinar)
    assert meeting.state == State.CREATED
    (update,) = sent(Kind.UPDATE)
    assert update.to == ["anna.verdi@cgm.coop"]
    row = EmailMessage.objects.get(kind=Kind.UPDATE)
    (event,) = Calendar.from_ical(row.ics).walk("VEVENT")
    assert event["SEQUENCE"] == registration.ics_sequence + 1
    assert event["X-MICROSOFT-SKYPETEAMSMEETINGURL"] == meeting.join_url

    response = client.get(join_url)
    assert response.status_code == 302
    assert response["Location"] == meeting.join_url

    # Syncing again changes nothing and tells nobody.
    with sends_mail():
        meetings.meeting_sync(webinar_id=webinar.pk)
    assert len(sent(Kind.UPDATE)) == 1


@pytest.mark.django_db
def test_moving_the_webinar_patches_the_meeting_and_sends_one_update(
    auto_webinar, graph, sends_mail, confirmed
):
    confirmed(auto_webinar, "anna.verdi@cgm.coop")
    mail.outbox.clear()
    new_start = auto_webinar.start + timedelta(hours=2)
    publish(auto_webinar, sends_mail, start=new_start, end=auto_webinar.end + timedelta(hours=2))

    patch = graph.seen("update")[-1]
    assert patch.body["startDateTime"] == meetings.graph_time(new_start)
    (created,) = graph.meetings.values()
    assert created["startDateTime"] == meetings.graph_time(new_start)
    assert len(sent(Kind.UPDATE)) == 1  # one calendar update, not one per system


@pytest.mark.django_db
def test_cancelling_deletes_the_meeting_and_reinstating_makes_a_new_one(
    auto_webinar, graph, sends_mail, confirmed
):
    confirmed(auto_webinar, "anna.verdi@cgm.coop")
    mail.outbox.clear()
    publish(auto_webinar, sends_mail, status=WebinarPage.Status.CANCELLED)
    assert graph.meetings == {}
    assert meeting_of(auto_webinar).state == State.DELETED
    assert len(sent(Kind.CANCELLATION)) == 1
    assert len(sent()) == 1  # the meeting's removal is not a second message

    publish(auto_webinar, sends_mail, status=WebinarPage.Status.SCHEDULED)
    (created,) = graph.meetings.values()
    assert created["externalId"] == f"cgmsite-webinar-{auto_webinar.pk}-1"
    assert meeting_of(auto_webinar).state == State.CREATED


@pytest.mark.django_db
def test_an_expired_token_is_renewed_without_an_error(auto_webinar, graph, sends_mail):
    graph.expire_tokens()
    publish(auto_webinar, sends_mail, title="Privacy: il nuovo regolamento")
    assert meeting_of(auto_webinar).state == State.CREATED
    assert next(iter(graph.meetings.values()))["subject"] == "Privacy: il nuovo regolamento"
    assert len(graph.seen("token")) == 2


@pytest.mark.django_db
def test_a_missing_application_access_policy_is_explained_to_staff_in_italian(
    make_webinar, member_org, graph, sends_mail, admin_client
):
    graph.fail(
        "createOrGet",
        403,
        code="Forbidden",
        message="No application access policy found for this app.",
    )
    with sends_mail(), translation.override("it"):
        webinar = make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")
    meeting = meeting_of(webinar)
    assert meeting.state == State.FAILED
    assert meeting.next_attempt_at is None  # not retried by itself: an admin must act

    page = admin_client.get(reverse("wagtailadmin_pages:edit", args=[webinar.pk]))
    text = page.content.decode()
    assert 'data-teams-meeting-state="failed"' in text
    assert "Grant-CsApplicationAccessPolicy" in text
    assert "criterio di accesso" in text  # Italian words, not Graph's English


@pytest.mark.django_db
def test_throttling_waits_as_long_as_graph_asks(make_webinar, member_org, graph, sends_mail):
    graph.fail("createOrGet", 429, code="TooManyRequests", headers={"Retry-After": "120"})
    before = timezone.now()
    with sends_mail():
        webinar = make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")
    meeting = meeting_of(webinar)
    assert meeting.state == State.PENDING
    wait = (meeting.next_attempt_at - before).total_seconds()
    assert 119 <= wait <= 130
    assert meetings.meetings_due(before + timedelta(seconds=60)) == []
    assert meetings.meetings_due(before + timedelta(seconds=125)) == [webinar.pk]


@pytest.mark.django_db
def test_a_wrong_secret_fails_with_a_message_that_never_shows_the_secret(
    make_webinar, member_org, graph, sends_mail, settings, caplog
):
    settings.TEAMS_GRAPH_CLIENT_SECRET = "wrong-secret-value-123"
    caplog.set_level(logging.DEBUG)
    with sends_mail():
        webinar = make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")
    meeting = meeting_of(webinar)
    assert meeting.state == State.FAILED
    assert "TEAMS_GRAPH_CLIENT_SECRET" in meeting.error
    for secret in ("wrong-secret-value-123", graph.client_secret):
        assert secret not in meeting.error
        assert secret not in caplog.text


@pytest.mark.django_db
def test_without_graph_a_webinar_cannot_ask_for_an_automatic_meeting(make_webinar, member_org):
    webinar = WebinarPage(
        title="x", start=timezone.now() + timedelta(days=3), teams_meeting_mode=AUTOMATIC
    )
    webinar.end = webinar.start + timedelta(hours=1)
    errors = webinar.publishing_errors()
    assert "teams_meeting_mode" in errors
    assert "teams_join_url" not in errors


@pytest.mark.django_db
def test_a_meeting_created_whose_settings_failed_is_announced_once_when_the_retry_succeeds(
    make_webinar, member_org, graph, sends_mail, confirmed
):
    graph.fail("update", 503, code="ServiceUnavailable")
    with sends_mail():
        webinar = make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")
    confirmed(webinar, "anna.verdi@cgm.coop")
    meeting = meeting_of(webinar)
    assert meeting.state == State.PENDING and meeting.meeting_id  # created, not yet set up
    assert webinar.meeting_join_url == ""  # not offered before it is set up

    mail.outbox.clear()
    with sends_mail():
        meetings.meeting_sync(webinar_id=webinar.pk, now=timezone.now() + timedelta(hours=1))
        meetings.meeting_sync(webinar_id=webinar.pk)
    assert len(graph.meetings) == 1
    assert len(sent(Kind.UPDATE)) == 1
    assert graph.meetings[meeting.meeting_id]["lobbyBypassSettings"]["scope"] == "everyone"


@pytest.mark.django_db
def test_a_meeting_deleted_in_teams_is_made_again_and_registrants_get_its_link(
    auto_webinar, graph, sends_mail, confirmed
):
    registration = confirmed(auto_webinar, "anna.verdi@cgm.coop")
    graph.meetings.clear()  # someone deleted it in Teams
    mail.outbox.clear()
    publish(auto_webinar, sends_mail, title="Privacy: un nuovo titolo")
    (created,) = graph.meetings.values()
    assert created["externalId"] == f"cgmsite-webinar-{auto_webinar.pk}-1"
    assert meeting_of(auto_webinar).join_url == created["joinWebUrl"]
    (update,) = sent(Kind.UPDATE)
    assert created["joinWebUrl"] in update.body
    registration.refresh_from_db()
    assert registration.ics_sequence == 1


@pytest.mark.django_db
def test_the_meeting_sync_waits_in_its_own_queue_not_in_the_emails(
    make_webinar, member_org, graph, db_tasks, sends_mail
):
    """A Graph that hangs holds back its own worker (queue "teams"), never an e-mail's."""
    from django_tasks_db.models import DBTaskResult

    with sends_mail():  # runs the on-commit enqueues: tasks go to the database queue
        webinar = make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")
        services.registration_create(webinar=webinar, **service_data("anna.verdi@cgm.coop"))
    queues = {
        row.task_path.rsplit(".", 1)[-1]: row.queue_name for row in DBTaskResult.objects.all()
    }
    assert queues == {"sync_teams_meeting": "teams", "send_email": "default"}


@pytest.mark.django_db
def test_the_editor_panel_says_when_the_meeting_was_checked_in_lowercase_italian(
    auto_webinar, admin_client
):
    meeting = meeting_of(auto_webinar)
    checked = timezone.localtime(meeting.updated_at)
    response = admin_client.get(reverse("wagtailadmin_pages:edit", args=[auto_webinar.pk]))
    text = " ".join(response.content.decode().split())
    month = formats.date_format(checked, "F").lower()
    assert f"ultimo controllo {checked.day} {month} {checked.year}, {checked:%H:%M}" in text
