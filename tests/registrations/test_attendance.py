"""Attendance brought back (a Teams file, or Microsoft Graph through its local stand-in),
matched to registrations, then certificates and follow-ups, each sent once."""

import re
from datetime import timedelta
from io import BytesIO, StringIO
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

import pytest
import time_machine
from pypdf import PdfReader

from events.models import WebinarPage
from registrations import attendance, services
from registrations.attendance_file import AttendanceFileError, parse
from registrations.followups import followups_preview, followups_send
from registrations.models import AttendanceRecord, Certificate, EmailMessage, Registration
from registrations.retention import person_erase, registrations_purge
from tests.events.factories import rome
from tests.registrations.conftest import message_text, sent

FILES = Path(__file__).parent / "fixtures" / "teams"
Match = AttendanceRecord.Match
Verdict = Registration.Attendance
Kind = EmailMessage.Kind
AUTOMATIC = WebinarPage.MeetingMode.AUTOMATIC
ATTENDEE = "Attendee"
CERTIFICATE_LINK = re.compile(r"http://testserver(/attestati/[\w-]+/)")

PEOPLE = {
    "anna.verdi@cgm.coop": ("Anna", "Verdi"),
    "marco.rossi@cgm.coop": ("Marco", "Rossi"),
    "giulia.neri@cgm.coop": ("Giulia", "Neri"),
    "paolo.bruni@cgm.coop": ("Paolo", "Bruni"),
}


def held_on_17_april_2020(webinar: WebinarPage) -> WebinarPage:
    """Move a webinar people signed up for to 17 April 2020, 10:30–12:00 (90 minutes)."""
    WebinarPage.objects.filter(pk=webinar.pk).update(
        start=rome(2020, 4, 17, 10, 30), end=rome(2020, 4, 17, 12, 0)
    )
    return WebinarPage.objects.get(pk=webinar.pk)


@pytest.fixture
def held(make_webinar, member_org, confirmed, sends_mail):
    """A webinar that took place, with four confirmed registrants, one who cancelled and
    one on the waiting list; Marco joined with his personal link (as a guest)."""
    webinar = make_webinar(capacity=5)
    for email, (first, last) in PEOPLE.items():
        confirmed(webinar, email, first_name=first, last_name=last)
    gone = confirmed(webinar, "sara.gialli@cgm.coop", first_name="Sara", last_name="Gialli")
    with sends_mail():
        services.registration_cancel(registration=gone)
    confirmed(webinar, "extra1@cgm.coop")
    confirmed(webinar, "attesa@cgm.coop", first_name="Lucia", last_name="Attesa")
    Registration.objects.filter(email="marco.rossi@cgm.coop").update(join_count=1)
    mail.outbox.clear()
    return held_on_17_april_2020(webinar)


def person(email: str) -> Registration:
    return Registration.objects.get(email=email, status=Registration.Status.CONFIRMED)


def record_of(name: str) -> AttendanceRecord:
    return AttendanceRecord.objects.get(display_name__startswith=name)


def graph_interval(start, minutes_from: int, minutes_to: int) -> dict:
    """An ``attendanceInterval`` as Graph returns it, minutes from ``start``."""
    return {
        "joinDateTime": (start + timedelta(minutes=minutes_from)).isoformat(),
        "leaveDateTime": (start + timedelta(minutes=minutes_to)).isoformat(),
        "durationInSeconds": (minutes_to - minutes_from) * 60,
    }


def graph_record(email, name: str, role: str, *intervals) -> dict:
    """An ``attendanceRecord`` as Graph returns it."""
    return {
        "emailAddress": email,
        "totalAttendanceInSeconds": sum(i["durationInSeconds"] for i in intervals),
        "role": role,
        "identity": {"id": name, "displayName": name, "tenantId": None},
        "attendanceIntervals": list(intervals),
    }


def pdf_text(content: bytes) -> str:
    pages = PdfReader(BytesIO(content)).pages
    return " ".join(" ".join(page.extract_text().split()) for page in pages)


@pytest.mark.parametrize(
    "filename", ["attendance-2023.csv", "attendance-2020.csv", "attendance-actions.csv"]
)
def test_each_teams_file_layout_reads_as_people_with_their_time(filename):
    report = parse((FILES / filename).read_bytes())
    by_name = {attendee.name.split(" (")[0]: attendee for attendee in report.attendees}
    # Anna left and came back in the 2023 file: two joins, the break not counted.
    assert by_name["Anna Verdi"].seconds in (4829, 5429)
    # Marco joined as a guest: no e-mail, twice in two of the layouts.
    assert by_name["Marco Rossi"].email == ""
    assert by_name["Marco Rossi"].seconds in (5220, 4920)
    if filename != "attendance-2023.csv":
        assert len(by_name["Marco Rossi"].intervals) == 2


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"Nome;Cognome\nAnna;Verdi\n",
        "Name\tJoin Time\tLeave Time\nAnna Verdi\tieri\tdopo\n".encode("utf-16"),
        b"PK\x03\x04\x14\x00\x06\x00 a spreadsheet, not the report",
        b"\xff\xfe" + b"\x00\xd8" * 10,  # UTF-16 that does not decode
    ],
    ids=["empty", "semicolons", "no-times", "xlsx", "broken-utf16"],
)
def test_anything_but_a_teams_report_is_refused_with_a_clear_message(data):
    with pytest.raises(AttendanceFileError) as error:
        parse(data)
    assert "Teams" in str(error.value) or "text" in str(error.value)


@pytest.mark.django_db
def test_a_teams_file_counts_registrants_by_email_and_proposes_guests_by_name(held):
    result = attendance.import_file(webinar=held, data=(FILES / "attendance-2023.csv").read_bytes())
    assert (result.records, result.matched, result.proposed, result.unmatched) == (5, 2, 1, 1)

    assert record_of("Laura").match == Match.IGNORED  # the organiser
    assert record_of("Sconosciuto").match == Match.NONE
    guest = record_of("Marco Rossi")
    assert (guest.match, guest.registration) == (Match.PROPOSED, person("marco.rossi@cgm.coop"))

    anna = person("anna.verdi@cgm.coop")
    assert (anna.attendance, attendance.minutes(anna.attended_seconds)) == (Verdict.ATTENDED, 80)
    assert person("giulia.neri@cgm.coop").attendance == Verdict.PARTLY  # 20 of 90 minutes
    assert person("paolo.bruni@cgm.coop").attendance == Verdict.ABSENT
    # Marco is not counted until staff confirm the name match.
    assert person("marco.rossi@cgm.coop").attendance == Verdict.ABSENT
    # Nobody without a confirmed registration is marked at all.
    assert set(Registration.objects.exclude(attendance="").values_list("status", flat=True)) == {
        Registration.Status.CONFIRMED
    }

    attendance.record_decide(record=guest, registration=guest.registration)
    assert person("marco.rossi@cgm.coop").attendance == Verdict.ATTENDED

    # The same file again changes nothing, and keeps staff's decision.
    attendance.import_file(webinar=held, data=(FILES / "attendance-2023.csv").read_bytes())
    assert AttendanceRecord.objects.count() == 5
    assert record_of("Marco Rossi").match == Match.CONFIRMED
    assert person("marco.rossi@cgm.coop").attendance == Verdict.ATTENDED


@pytest.mark.django_db
def test_the_threshold_is_the_webinars_own(held):
    WebinarPage.objects.filter(pk=held.pk).update(attendance_threshold=20)
    webinar = WebinarPage.objects.get(pk=held.pk)
    attendance.import_file(webinar=webinar, data=(FILES / "attendance-2023.csv").read_bytes())
    assert person("giulia.neri@cgm.coop").attendance == Verdict.ATTENDED  # 20 of 90 ≥ 20 %


@pytest.mark.django_db
def test_import_attendance_command_reports_and_refuses_a_wrong_file(held, tmp_path):
    out = StringIO()
    call_command("import_attendance", held.pk, FILES / "attendance-2020.csv", stdout=out)
    assert "2 " in out.getvalue()
    assert person("anna.verdi@cgm.coop").attendance == Verdict.ATTENDED

    other = tmp_path / "presenze.xlsx"
    other.write_bytes(b"PK\x03\x04 not a report")
    with pytest.raises(CommandError, match="Teams"):
        call_command("import_attendance", held.pk, other)
    with pytest.raises(CommandError):
        call_command("import_attendance", 999999, FILES / "attendance-2020.csv")


@pytest.mark.django_db
def test_attendees_get_a_certificate_absentees_a_sorry_each_once(held, sends_mail, client):
    attendance.import_file(webinar=held, data=(FILES / "attendance-2023.csv").read_bytes())
    preview = followups_preview(webinar=held)
    assert (preview.attended, preview.partly, preview.absent) == (1, 1, 3)
    assert (
        Certificate.objects.count() == 0
        and EmailMessage.objects.filter(kind__startswith="followup").count() == 0
    )  # the preview writes nothing

    with sends_mail():
        assert followups_send(webinar=held) == 5
    with sends_mail():
        assert followups_send(webinar=held) == 0  # each person once
    # Everyone confirmed, not Sara (cancelled), not Lucia (waiting list).
    assert sorted(m.to[0] for m in sent()) == sorted([*PEOPLE, "extra1@cgm.coop"])

    (thanks,) = sent(Kind.FOLLOWUP_ATTENDED, to="anna.verdi@cgm.coop")
    text = message_text(thanks)
    assert "80 minuti" in text
    certificate = Certificate.objects.get(registration=person("anna.verdi@cgm.coop"))
    assert certificate.code in text
    path = CERTIFICATE_LINK.search(text)[1]

    response = client.get(path)
    assert response["Content-Type"] == "application/pdf"
    assert response["Cache-Control"] == "no-store"
    text = pdf_text(response.content)
    assert "Attestato di partecipazione" in text
    assert "Anna Verdi" in text
    assert held.title.split()[0] in text
    assert "venerdì 17 aprile 2020" in text
    assert "80 minuti" in text and "90 minuti" in text
    assert certificate.code in text
    assert f"/attestati/verifica/{certificate.code}/" in text

    # Her registrations page offers the same certificate, under the past webinars.
    with sends_mail():
        client.post(reverse("registrations:mine"), {"email": "anna.verdi@cgm.coop"})
    (link,) = sent(Kind.MY_REGISTRATIONS)
    page = client.get(
        re.search(r"http://testserver(/iscrizioni/le-mie/\S+/)", message_text(link))[1]
    )
    assert path in page.content.decode()

    partly = message_text(sent(Kind.FOLLOWUP_ATTENDED, to="giulia.neri@cgm.coop")[0])
    assert "/attestati/" not in partly and "75%" in partly
    absent = message_text(sent(Kind.FOLLOWUP_ABSENT, to="paolo.bruni@cgm.coop")[0])
    assert "ci dispiace" in absent.lower()


@pytest.mark.django_db
def test_the_verification_page_shows_name_webinar_and_date_then_only_webinar_and_date(
    held, sends_mail, client, settings
):
    attendance.import_file(webinar=held, data=(FILES / "attendance-2023.csv").read_bytes())
    with sends_mail():
        followups_send(webinar=held)
    certificate = Certificate.objects.get()
    page = client.get(reverse("certificate_verify", args=[certificate.code.lower()]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Anna Verdi" in text, text[text.find("<main") :][:1500]
    assert "venerdì 17 aprile 2020" in text
    assert "anna.verdi@cgm.coop" not in text
    assert page["Cache-Control"] == "no-store"

    forged = client.get(reverse("certificate_verify", args=["CGM-AAAA-BBBB-CCCC"]))
    assert forged.status_code == 404
    assert "Anna" not in forged.content.decode()

    # Retention: the name goes, the code still vouches for the webinar and date.
    settings.REGISTRATION_RETENTION_DAYS = 30
    registrations_purge()
    text = client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    assert "Anna" not in text and "venerdì 17 aprile 2020" in text
    assert client.get(f"/attestati/{certificate.download_token}/").status_code == 404
    assert not AttendanceRecord.objects.exclude(display_name="").exists()


@pytest.mark.django_db
def test_erasing_a_person_erases_their_attendance_and_name_on_the_certificate(held, sends_mail):
    attendance.import_file(webinar=held, data=(FILES / "attendance-2023.csv").read_bytes())
    with sends_mail():
        followups_send(webinar=held)
    report = person_erase(email="anna.verdi@cgm.coop")
    assert report.attendance_records_deleted == 1
    certificate = Certificate.objects.get()
    assert (certificate.name, certificate.download_token) == ("", None)


@pytest.mark.django_db
def test_teams_sync_brings_back_graph_attendance_page_by_page_until_it_settles(
    make_webinar, member_org, confirmed, sends_mail, graph
):
    with sends_mail():
        webinar = make_webinar(
            teams_meeting_mode=WebinarPage.MeetingMode.AUTOMATIC, teams_join_url=""
        )
    for email, (first, last) in PEOPLE.items():
        confirmed(webinar, email, first_name=first, last_name=last)
    meeting_id = next(iter(graph.meetings))
    start, end = webinar.start, webinar.end

    def interval(minutes_from, minutes_to):
        return graph_interval(start, minutes_from, minutes_to)

    record = graph_record

    graph.add_report(
        meeting_id,
        [
            record("laura@cgm.coop", "Laura Bianchi", "Organizer", interval(-5, 95)),
            record(
                "anna.verdi@cgm.coop", "Anna Verdi", "Attendee", interval(0, 40), interval(45, 90)
            ),
            record(None, "Marco Rossi (Guest)", "Attendee", interval(2, 88)),
            record("giulia.neri@cgm.coop", "Giulia Neri", "Attendee", interval(10, 30)),
            record("", "Ospite sconosciuto", "Attendee", interval(5, 15)),
        ],
        start=start.isoformat(),
        end=end.isoformat(),
    )
    out = StringIO()
    with time_machine.travel(end + timedelta(minutes=2)):
        call_command("teams_sync", stdout=out)  # too soon: Teams needs a few minutes
    assert AttendanceRecord.objects.count() == 0
    with time_machine.travel(end + timedelta(minutes=10)):
        call_command("teams_sync", stdout=out)
    assert "1 imported" in out.getvalue()
    assert len(graph.seen("records")) == 3  # five records, two a page
    assert person("anna.verdi@cgm.coop").attended_seconds == 85 * 60
    assert person("anna.verdi@cgm.coop").attendance == Verdict.ATTENDED
    assert record_of("Marco Rossi").match == Match.PROPOSED
    assert person("paolo.bruni@cgm.coop").attendance == Verdict.ABSENT

    # Later runs fetch again (the reports may still change), import nothing new, and
    # stop a day after the last change.
    with time_machine.travel(end + timedelta(minutes=30)):
        call_command("teams_sync", stdout=out)
    assert "1 unchanged" in out.getvalue()
    assert AttendanceRecord.objects.count() == 5
    before = len(graph.requests)
    with time_machine.travel(end + timedelta(days=2)):
        call_command("teams_sync", stdout=out)
    assert len(graph.requests) == before


@pytest.mark.django_db
def test_without_attendance_there_is_no_follow_up_to_send(held):
    with pytest.raises(CommandError, match="presenze"):
        call_command("send_followups", held.pk)
    assert followups_preview(webinar=held).ready is False


@pytest.mark.django_db
def test_send_followups_previews_until_asked_to_send(held, sends_mail):
    attendance.import_file(webinar=held, data=(FILES / "attendance-2020.csv").read_bytes())
    out = StringIO()
    call_command("send_followups", held.pk, stdout=out)
    assert "--send" in out.getvalue() and "Grazie" in out.getvalue()
    assert not EmailMessage.objects.filter(kind__startswith="followup").exists()
    with sends_mail():
        call_command("send_followups", held.pk, "--send", stdout=out)
    assert EmailMessage.objects.filter(kind__startswith="followup").count() == 5


@pytest.mark.django_db
def test_publish_sign_up_join_attend_and_receive_a_certificate_through_graph(
    make_webinar, member_org, confirmed, sends_mail, graph, client
):
    """The whole journey against the local Graph: the issue's "done when"."""
    with sends_mail():
        webinar = make_webinar(teams_meeting_mode=AUTOMATIC, teams_join_url="")
    registration = confirmed(webinar, "anna.verdi@cgm.coop", first_name="Anna", last_name="Verdi")
    (meeting,) = graph.meetings.values()
    joined = client.get(reverse("join", args=[registration.join_token]))
    assert (joined.status_code, joined["Location"]) == (302, meeting["joinWebUrl"])

    graph.add_report(
        meeting["id"],
        [
            graph_record(
                "anna.verdi@cgm.coop", "Anna Verdi", ATTENDEE, graph_interval(webinar.start, 0, 90)
            )
        ],
    )
    with time_machine.travel(webinar.end + timedelta(minutes=10)):
        call_command("teams_sync", stdout=StringIO())
        with sends_mail():
            call_command("send_followups", webinar.pk, "--send", stdout=StringIO())
    (thanks,) = sent(Kind.FOLLOWUP_ATTENDED)
    certificate = client.get(CERTIFICATE_LINK.search(message_text(thanks))[1])
    assert "Anna Verdi" in pdf_text(certificate.content)


# The attendance screen in the admin ------------------------------------------------------


@pytest.fixture
def office(client, db):
    """The webinar office: a superuser."""
    client.force_login(
        get_user_model().objects.create_superuser(
            username="segreteria", email="segreteria@cgm.coop", password="password"
        )
    )
    return client


@pytest.mark.django_db
def test_staff_upload_the_teams_file_confirm_the_guest_and_send_the_followups(
    held, office, sends_mail
):
    url = reverse("registrations_webinar_attendance", args=[held.pk])
    wrong = office.post(
        url,
        {"action": "upload", "file": SimpleUploadedFile("presenze.csv", b"Nome;Cognome\n")},
    )
    assert wrong.status_code == 400
    assert "non è un report delle presenze di Teams" in wrong.content.decode()
    assert not AttendanceRecord.objects.exists()

    data = (FILES / "attendance-2023.csv").read_bytes()
    upload = SimpleUploadedFile("attendance.csv", data, content_type="text/csv")
    page = office.post(url, {"action": "upload", "file": upload}, follow=True)
    text = page.content.decode()
    assert "Presenze importate: 5 persone nel report" in text
    assert "Marco Rossi (Guest)" in text  # to confirm

    guest = record_of("Marco Rossi")
    marco = person("marco.rossi@cgm.coop")
    office.post(url, {"action": "decide", "record": guest.pk, "registration": marco.pk})
    assert person("marco.rossi@cgm.coop").attendance == Verdict.ATTENDED
    # Someone who is no confirmed registrant of this webinar cannot be chosen.
    lucia = Registration.objects.get(email="attesa@cgm.coop")
    stranger = record_of("Sconosciuto")
    office.post(url, {"action": "decide", "record": stranger.pk, "registration": lucia.pk})
    assert record_of("Sconosciuto").match == Match.NONE

    preview = office.get(url).content.decode()
    assert "Da inviare: 2 ringraziamenti con attestato" in preview
    with sends_mail():
        office.post(url, {"action": "send_followups"})
    assert Certificate.objects.count() == 2
    listing = office.get(
        f"{reverse('registrations_registration_modeladmin_index')}?webinar={held.pk}"
    )
    assert "ha partecipato (87 min)" in listing.content.decode()


@pytest.mark.django_db
def test_editors_without_registration_rights_cannot_open_the_attendance(held, client):
    client.force_login(get_user_model().objects.create_user(username="redazione", password="x"))
    url = reverse("registrations_webinar_attendance", args=[held.pk])
    assert client.get(url).status_code in (302, 403)


@pytest.mark.django_db
def test_the_same_report_saved_in_another_encoding_is_not_counted_twice(held):
    text = (FILES / "attendance-2023.csv").read_bytes().decode("utf-16")
    attendance.import_file(webinar=held, data=text.encode("utf-16"))
    attendance.import_file(webinar=held, data=text.encode("utf-8"))
    attendance.import_file(webinar=held, data=text.replace("\r\n", "\n").encode("utf-8-sig"))
    assert AttendanceRecord.objects.count() == 5
    assert person("giulia.neri@cgm.coop").attendance == Verdict.PARTLY


@pytest.mark.django_db
def test_nobody_attends_more_than_the_webinar_lasts(held):
    attendance.import_file(webinar=held, data=(FILES / "attendance-2023.csv").read_bytes())
    laura_stayed = record_of("Laura")  # the organiser: 10:28–12:01, longer than 90 minutes
    attendance.record_decide(record=laura_stayed, registration=person("paolo.bruni@cgm.coop"))
    assert person("paolo.bruni@cgm.coop").attended_seconds == 90 * 60


@pytest.mark.django_db
def test_a_certificate_is_never_issued_without_its_email(held, sends_mail):
    attendance.import_file(webinar=held, data=(FILES / "attendance-2023.csv").read_bytes())
    with sends_mail():
        followups_send(webinar=held)  # Paolo: «ci dispiace non averti visto»
    # Staff then count someone else's stay as Paolo's: he is now an attendee.
    attendance.record_decide(record=record_of("Laura"), registration=person("paolo.bruni@cgm.coop"))
    with sends_mail():
        assert followups_send(webinar=held) == 0
    assert not Certificate.objects.filter(registration=person("paolo.bruni@cgm.coop")).exists()


@pytest.mark.django_db
def test_a_malformed_record_id_is_refused_not_an_error(held, office):
    url = reverse("registrations_webinar_attendance", args=[held.pk])
    response = office.post(url, {"action": "decide", "record": "abc", "registration": "1"})
    assert response.status_code == 302
    assert "Scegli un iscritto confermato" in office.get(url).content.decode()
