"""Personal data: the retention purge and one person's erasure, services and commands."""

from dataclasses import asdict, fields
from datetime import timedelta
from io import StringIO

from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connections, models
from django.utils import timezone
from django.utils.translation import gettext

import pytest

from events.models import WebinarPage
from registrations import retention, services
from registrations.management.commands.erase_person import Command as ErasePersonCommand
from registrations.models import AllowedAddress, EmailMessage, Registration
from tests.registrations.conftest import (
    ACCESS_LINK,
    CONFIRM_LINK,
    only_token,
    sent,
    service_data,
)

Status = Registration.Status
Kind = EmailMessage.Kind

COUNTED = (Status.CONFIRMED, Status.WAITLISTED, Status.CANCELLED)


# Helpers ----------------------------------------------------------------------------------


@pytest.fixture
def register(sends_mail):
    """``register(webinar, email, name)``: sign up through the service, e-mails sent.

    ``name`` ("Ginevra Scarpellini") also makes the organisation and role distinctive,
    so that a trace of them can be looked for afterwards.
    """

    def sign_up(webinar, email, name="Maria Bianchi"):
        first, last = name.split()
        with sends_mail():
            return services.registration_create(
                webinar=webinar,
                **service_data(
                    email,
                    first_name=first,
                    last_name=last,
                    organisation_name=f"Cooperativa {last}",
                    role=f"Coordinatrice {first}",
                ),
            )

    return sign_up


@pytest.fixture
def confirmed(register, sends_mail):
    """``confirmed(webinar, email, name)``: signed up and followed the confirmation link."""

    def sign_up_and_confirm(webinar, email, name="Maria Bianchi"):
        registration = register(webinar, email, name)
        token = only_token(sent(Kind.CONFIRMATION, to=registration.email)[-1], CONFIRM_LINK)
        with sends_mail():
            return services.registration_confirm(token=token)

    return sign_up_and_confirm


@pytest.fixture
def asks_access(register, sends_mail):
    """``asks_access(webinar, email, name)``: an outsider who asked staff for access."""

    def sign_up_and_ask(webinar, email, name):
        registration = register(webinar, email, name)
        token = only_token(sent(Kind.MEMBERS_ONLY, to=registration.email)[-1], ACCESS_LINK)
        with sends_mail():
            return services.registration_request_access(token=token)

    return sign_up_and_ask


def cancel(registration, sends_mail):
    with sends_mail():
        return services.registration_cancel(registration=registration)


def counts(webinar) -> dict[str, int]:
    rows = Registration.objects.filter(webinar=webinar, status__in=COUNTED)
    return {status: rows.filter(status=status).count() for status in COUNTED}


def text_values(*models_to_search) -> list[str]:
    """Every value of every text column (char, e-mail, text) of every row."""
    values = []
    for model in models_to_search:
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
        ]
        for row in model.objects.values_list(*names):
            values += [value for value in row if value]
    return values


def traces(needles, *models_to_search) -> list[str]:
    """The needles (compared without case) found in any text column of the models."""
    haystack = "\n".join(text_values(*models_to_search)).lower()
    return [needle for needle in needles if needle.lower() in haystack]


def snapshot() -> list:
    return [
        list(model.objects.order_by("pk").values())
        for model in (Registration, EmailMessage, AllowedAddress)
    ]


def is_zero(report) -> bool:
    return not any(
        getattr(report, field.name)
        for field in fields(report)
        if field.name not in ("dry_run", "email")
    )


def age(email: str, hours: float) -> None:
    """Make a registration (and its latest link) ``hours`` older."""
    registration = Registration.objects.get(email=email)
    Registration.objects.filter(pk=registration.pk).update(
        created_at=registration.created_at - timedelta(hours=hours),
        last_email_at=registration.last_email_at - timedelta(hours=hours),
    )


def move_into_past(webinar, days: int) -> None:
    """The webinar ended ``days`` days ago (as if time had passed since people signed up)."""
    end = timezone.now() - timedelta(days=days)
    WebinarPage.objects.filter(pk=webinar.pk).update(start=end - timedelta(minutes=90), end=end)


# Unconfirmed requests -----------------------------------------------------------------------


def test_unconfirmed_requests_are_deleted_after_48_hours(open_webinar, register):
    register(open_webinar, "vecchia.richiesta@cgm.coop", "Ottavia Lanzoni")
    register(open_webinar, "recente.richiesta@cgm.coop", "Filippo Morandini")
    age("vecchia.richiesta@cgm.coop", 49)
    age("recente.richiesta@cgm.coop", 47)

    report = retention.registrations_purge()

    assert report.unconfirmed_deleted == 1
    assert report.emails_deleted == 1
    assert list(Registration.objects.values_list("email", flat=True)) == [
        "recente.richiesta@cgm.coop"
    ]
    assert list(EmailMessage.objects.values_list("to", flat=True)) == ["recente.richiesta@cgm.coop"]
    assert not traces(["vecchia.richiesta", "Lanzoni"], Registration, EmailMessage)


def test_the_48_hours_count_from_the_latest_link(open_webinar, register, confirmed, asks_access):
    now = timezone.now()
    register(open_webinar, "nuovo.link@cgm.coop", "Sergio Pellegrini")
    # Signed up two days ago, asked again an hour ago: the new link is still valid.
    Registration.objects.filter(email="nuovo.link@cgm.coop").update(
        created_at=now - timedelta(hours=49), last_email_at=now - timedelta(hours=1)
    )
    # Confirmed people and requests waiting for staff are not "unconfirmed".
    confirmed(open_webinar, "confermata@cgm.coop", "Irene Castelli")
    asks_access(open_webinar, "in.attesa@gmail.com", "Bruno Fabbri")
    Registration.objects.exclude(email="nuovo.link@cgm.coop").update(
        created_at=now - timedelta(days=10), last_email_at=now - timedelta(days=10)
    )

    report = retention.registrations_purge(now=now)

    assert is_zero(report)
    assert Registration.objects.count() == 3


def test_purge_counts_from_now_given(open_webinar, register):
    register(open_webinar, "anna.neri@cgm.coop", "Anna Neri")
    signed_up = timezone.now()

    assert (
        retention.registrations_purge(now=signed_up + timedelta(hours=47)).unconfirmed_deleted == 0
    )
    assert (
        retention.registrations_purge(now=signed_up + timedelta(hours=49)).unconfirmed_deleted == 1
    )
    assert not Registration.objects.exists()
    assert is_zero(retention.registrations_purge(now=signed_up + timedelta(hours=49)))


def test_a_deleted_requests_queued_email_is_never_sent(
    open_webinar, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as send_tasks:
        services.registration_create(webinar=open_webinar, **service_data("mai.inviata@cgm.coop"))
    assert EmailMessage.objects.get().status == EmailMessage.Status.QUEUED
    age("mai.inviata@cgm.coop", 49)

    report = retention.registrations_purge()

    assert report.unsent_emails_stopped == 1
    for send_task in send_tasks:  # the send task runs after the purge
        send_task()
    assert mail.outbox == []
    assert not EmailMessage.objects.exists()


# Anonymisation after the webinar ----------------------------------------------------------


@pytest.fixture
def two_past_webinars(make_webinar, member_org, confirmed, asks_access, register, sends_mail):
    """Two webinars with two seats, the second ending two days after the first, each
    with two confirmed people, one waiting, one cancelled, an access request waiting for
    staff, a rejected one and a request never confirmed. ``people[webinar]`` holds
    ``(email, first name, last name)`` of everybody."""
    first = make_webinar(capacity=2, title="Cooperazione e welfare di comunità")
    second = make_webinar(capacity=2, start=first.start + timedelta(days=2))
    people = {}
    for webinar, tag in ((first, "uno"), (second, "due")):
        names = [
            (f"seduto.{tag}@cgm.coop", f"Ginevra{tag} Scarpellini{tag}"),
            (f"seduta.{tag}@cgm.coop", f"Ludovica{tag} Ferraresi{tag}"),
            (f"in.lista.{tag}@cgm.coop", f"Eusebio{tag} Marchetti{tag}"),
            (f"ritirato.{tag}@cgm.coop", f"Tancredi{tag} Boschetti{tag}"),
        ]
        for email, name in names:
            confirmed(webinar, email, name)
        cancel(Registration.objects.get(email=f"ritirato.{tag}@cgm.coop"), sends_mail)
        asks_access(webinar, f"attende.{tag}@gmail.com", f"Settimio{tag} Oddone{tag}")
        rejected = asks_access(webinar, f"respinta.{tag}@gmail.com", f"Clotilde{tag} Varesi{tag}")
        with sends_mail():
            services.registration_reject(registration=rejected)
        register(webinar, f"distratto.{tag}@cgm.coop", f"Romualdo{tag} Spinelli{tag}")
        names += [
            (f"attende.{tag}@gmail.com", f"Settimio{tag} Oddone{tag}"),
            (f"respinta.{tag}@gmail.com", f"Clotilde{tag} Varesi{tag}"),
            (f"distratto.{tag}@cgm.coop", f"Romualdo{tag} Spinelli{tag}"),
        ]
        people[webinar] = [(email, *name.split()) for email, name in names]
    # One message of the first webinar is still waiting in the outbox.
    seated = Registration.objects.get(email="seduto.uno@cgm.coop")
    EmailMessage.objects.create(
        registration=seated,
        webinar=first,
        kind=Kind.REMINDER,
        to=seated.email,
        subject="Promemoria per Ginevrauno",
        body_text=f"Ciao Ginevrauno, il link: {first.teams_join_url}",
    )
    return first, second, people


def test_a_webinar_is_anonymised_31_days_after_it_ends_keeping_the_counts(two_past_webinars):
    first, second, people = two_past_webinars
    assert counts(first) == {Status.CONFIRMED: 2, Status.WAITLISTED: 1, Status.CANCELLED: 1}
    counts_before = {webinar: counts(webinar) for webinar in (first, second)}
    second_before = list(Registration.objects.filter(webinar=second).order_by("pk").values())
    first_emails_before = list(
        EmailMessage.objects.filter(registration__webinar=first)
        .exclude(registration__status__in=retention.NEVER_ADMITTED_STATUSES)
        .order_by("pk")
        .values_list("pk", "kind", "attempts", "created_at", "sent_at", "registration_id")
    )
    # The first ended 31 days ago, the second 29.
    now = first.end + timedelta(days=31)

    report = retention.registrations_purge(now=now)

    assert {webinar: counts(webinar) for webinar in (first, second)} == counts_before
    assert report.registrations_anonymised == 4
    assert report.webinars_anonymised == 1
    # Unanswered and rejected requests of the first webinar are gone; requests never
    # confirmed are gone everywhere (their links expired long ago).
    assert report.requests_deleted == 2
    assert report.unconfirmed_deleted == 2
    assert not Registration.objects.filter(
        webinar=first, status__in=retention.NEVER_ADMITTED_STATUSES
    ).exists()
    assert Registration.objects.filter(webinar=second, status=Status.PENDING_REVIEW).exists()

    # No trace of the first webinar's people, nor of its Teams link, in any text column.
    first_people = [value for person in people[first] for value in person]
    assert traces(first_people + [first.teams_join_url], Registration, EmailMessage) == []
    for registration in Registration.objects.filter(webinar=first):
        assert registration.email == retention.anonymous_address(registration.pk)
        assert registration.first_name == registration.last_name == ""
        assert registration.role == registration.organisation_name == ""
        assert registration.anonymised_at == now
        assert registration.join_token is None  # the personal join link is revoked
        assert registration.member_organisation is not None
        assert registration.confirmed_at is not None
    # The e-mail log keeps what was sent when, not to whom or what it said.
    first_emails = EmailMessage.objects.filter(registration__webinar=first).order_by("pk")
    assert (
        list(
            first_emails.values_list(
                "pk", "kind", "attempts", "created_at", "sent_at", "registration_id"
            )
        )
        == first_emails_before
    )
    assert report.emails_anonymised == len(first_emails_before)
    for message in first_emails:
        assert message.to == retention.anonymous_address(message.registration_id)
        assert message.subject == message.body_text == message.body_html == message.ics == ""
    assert set(first_emails.values_list("status", flat=True)) == {
        EmailMessage.Status.SENT,
        EmailMessage.Status.FAILED,  # the reminder still queued is not sent any more
    }
    assert report.unsent_emails_stopped == 1

    # The second webinar ended 29 days ago: untouched but for the expired request.
    second_people = [value for person in people[second][:-1] for value in person]
    assert traces(second_people + [second.teams_join_url], Registration, EmailMessage) == (
        second_people + [second.teams_join_url]
    )
    assert [row for row in second_before if row["email"] != "distratto.due@cgm.coop"] == list(
        Registration.objects.filter(webinar=second).order_by("pk").values()
    )


def test_anonymising_twice_changes_nothing_the_second_time(two_past_webinars):
    first, _second, _people = two_past_webinars
    now = first.end + timedelta(days=31)
    assert retention.registrations_purge(now=now).changed
    after_first_run = snapshot()

    report = retention.registrations_purge(now=now + timedelta(hours=1))

    assert is_zero(report)
    assert snapshot() == after_first_run


def test_the_retention_period_is_a_setting(two_past_webinars, settings):
    first, second, _people = two_past_webinars
    settings.REGISTRATION_RETENTION_DAYS = 60

    report = retention.registrations_purge(now=first.end + timedelta(days=31))

    assert report.registrations_anonymised == 0
    assert not Registration.objects.filter(anonymised_at__isnull=False).exists()


def test_a_dry_run_reports_the_same_and_changes_nothing(two_past_webinars):
    first, _second, _people = two_past_webinars
    now = first.end + timedelta(days=31)
    before = snapshot()

    dry = retention.registrations_purge(now=now, dry_run=True)

    assert snapshot() == before
    real = retention.registrations_purge(now=now)
    assert dry.dry_run and not real.dry_run
    assert real.changed
    assert asdict(dry) == asdict(real) | {"dry_run": True}


# Erasing one person ---------------------------------------------------------------------------

PERSON = "giulia.verdi@gmail.com"


@pytest.fixture
def person_everywhere(
    make_webinar, member_org, confirmed, register, django_capture_on_commit_callbacks
):
    """Giulia Verdi (allow-listed gmail address) holds the only seat of an upcoming
    webinar, where Luca waits; she has a request on a second webinar whose e-mail is
    still queued, and an e-mail to her without a registration. Returns the webinars,
    Luca's registration and the queued e-mail's send tasks."""
    AllowedAddress.objects.create(email=PERSON, organisation=member_org, note="Socia")
    small = make_webinar(capacity=1)
    other = make_webinar(start=small.start + timedelta(days=7))
    confirmed(small, "Giulia.Verdi@Gmail.com", "Giulia Verdi")
    luca = confirmed(small, "luca.ferri@cgm.coop", "Luca Ferri")
    assert luca.status == Status.WAITLISTED
    with django_capture_on_commit_callbacks() as send_tasks:
        services.registration_create(webinar=other, **service_data(PERSON, first_name="Giulia"))
    EmailMessage.objects.create(
        kind=Kind.UPDATE,
        to=PERSON,
        subject="Aggiornamento",
        body_text="Ciao Giulia Verdi",
        status=EmailMessage.Status.SENT,
    )
    return small, other, luca, send_tasks


def test_erase_person_removes_their_data_everywhere(person_everywhere, sends_mail):
    small, other, luca, send_tasks = person_everywhere
    theirs = EmailMessage.objects.filter(to=PERSON)
    emails_before = theirs.count()
    assert theirs.filter(status=EmailMessage.Status.QUEUED).count() == 1
    mail.outbox.clear()

    with sends_mail():
        report = retention.person_erase(email="  GIULIA.VERDI@gmail.COM ")

    assert report.email == PERSON
    assert report.registrations_deleted == 2
    assert report.emails_deleted == emails_before == 4  # confirmation, invitation, queued, update
    assert report.unsent_emails_deleted == 1
    assert report.allowed_addresses_deleted == 1
    assert traces([PERSON, "Giulia", "Verdi"], Registration, EmailMessage, AllowedAddress) == []
    # Her seat went to Luca, who is invited.
    luca.refresh_from_db()
    assert luca.status == Status.CONFIRMED
    assert report.promoted == 1
    assert EmailMessage.objects.filter(registration=luca, kind=Kind.INVITATION).exists()
    assert [message.to for message in sent(Kind.INVITATION)] == [["luca.ferri@cgm.coop"]]
    # Her queued e-mail's send task, run afterwards, finds nothing to send.
    for send_task in send_tasks:
        send_task()
    assert [message.to for message in mail.outbox if message.to == [PERSON]] == []

    again = retention.person_erase(email=PERSON)
    assert is_zero(again)


def test_erase_person_leaves_everybody_else_alone(person_everywhere):
    small, other, luca, _send_tasks = person_everywhere
    luca_emails = EmailMessage.objects.filter(to="luca.ferri@cgm.coop").count()

    retention.person_erase(email=PERSON)

    assert list(Registration.objects.values_list("email", flat=True)) == ["luca.ferri@cgm.coop"]
    assert EmailMessage.objects.exclude(to="luca.ferri@cgm.coop").count() == 0
    assert EmailMessage.objects.filter(to="luca.ferri@cgm.coop").count() == luca_emails + 2


def test_erasing_a_waiting_person_promotes_nobody(small_webinar, confirmed, sends_mail):
    for email in ("primo@cgm.coop", "secondo@cgm.coop", "terzo@cgm.coop"):
        confirmed(small_webinar, email)

    with sends_mail():
        report = retention.person_erase(email="terzo@cgm.coop")

    assert report.registrations_deleted == 1
    assert report.promoted == 0
    assert counts(small_webinar) == {
        Status.CONFIRMED: 2,
        Status.WAITLISTED: 0,
        Status.CANCELLED: 0,
    }


def test_erase_person_rejects_what_is_not_an_address(db):
    with pytest.raises(ValueError):
        retention.person_erase(email="giulia.verdi")


# The commands -------------------------------------------------------------------------------


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_purge_registrations_prints_counts_only(two_past_webinars):
    first, _second, people = two_past_webinars
    move_into_past(first, days=31)

    output = run("purge_registrations")

    # The second webinar's request never confirmed is recent: only the first one's goes.
    assert gettext("Unconfirmed registrations deleted: %(count)d") % {"count": 1} in output
    assert (
        gettext("Unanswered or rejected access requests deleted: %(count)d") % {"count": 2}
        in output
    )
    assert (
        gettext("Registrations anonymised: %(count)d (webinars: %(webinars)d)")
        % {
            "count": 4,
            "webinars": 1,
        }
        in output
    )
    assert gettext("Purge completed.") in output
    assert "@" not in output
    everyone = [value for persons in people.values() for person in persons for value in person]
    assert [value for value in everyone if value in output] == []

    output = run("purge_registrations")

    assert (
        gettext("Registrations anonymised: %(count)d (webinars: %(webinars)d)")
        % {
            "count": 0,
            "webinars": 0,
        }
        in output
    )
    assert gettext("Nothing to purge.") in output


def test_purge_registrations_dry_run_changes_nothing(two_past_webinars):
    first, _second, _people = two_past_webinars
    move_into_past(first, days=31)
    before = snapshot()

    output = run("purge_registrations", "--dry-run")

    assert snapshot() == before
    assert (
        gettext("Registrations anonymised: %(count)d (webinars: %(webinars)d)")
        % {
            "count": 4,
            "webinars": 1,
        }
        in output
    )
    assert gettext("Dry run: nothing was changed.") in output


def test_erase_person_prints_counts_and_the_address_only(person_everywhere, sends_mail):
    with sends_mail():
        output = run("erase_person", "Giulia.Verdi@gmail.com")

    assert gettext("Personal data of %(email)s") % {"email": PERSON} in output
    assert gettext("Registrations deleted: %(count)d") % {"count": 2} in output
    assert (
        gettext("E-mails deleted: %(count)d (not yet sent: %(unsent)d)")
        % {
            "count": 4,
            "unsent": 1,
        }
        in output
    )
    assert gettext("Allowed addresses deleted: %(count)d") % {"count": 1} in output
    assert gettext("Seats given to the waiting list: %(count)d") % {"count": 1} in output
    assert gettext("Erasure completed.") in output
    assert output.count("@") == 1
    assert "Luca" not in output and "luca" not in output

    output = run("erase_person", PERSON)

    assert gettext("Registrations deleted: %(count)d") % {"count": 0} in output
    assert gettext("No data found for this address.") in output


def test_erase_person_dry_run_changes_nothing(person_everywhere):
    before = snapshot()

    output = run("erase_person", PERSON, "--dry-run")

    assert snapshot() == before
    assert gettext("Registrations deleted: %(count)d") % {"count": 2} in output
    assert gettext("Dry run: nothing was changed.") in output


@pytest.fixture
def command_line(monkeypatch, capsys):
    """``command_line(command, *argv)``: run as ``manage.py`` would; ``(status, out, err)``."""
    # run_from_argv closes the connections at the end, which would end the test's transaction.
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def execute(command, *argv):
        try:
            command.run_from_argv(["manage.py", *argv])
        except SystemExit as stop:
            status = stop.code
        else:
            status = 0
        out, err = capsys.readouterr()
        return status, out, err

    return execute


@pytest.mark.parametrize(
    "address", ["giulia.verdi", "giulia@verdi@gmail.com", "@gmail.com", "a@b c"]
)
def test_erase_person_refuses_what_is_not_an_address(db, command_line, address):
    status, out, err = command_line(ErasePersonCommand(), "erase_person", address)

    assert status == 1
    assert out == ""
    assert (
        gettext("“%(email)s” is not an e-mail address: nothing was erased.") % {"email": address}
        in err
    )
    with pytest.raises(CommandError):
        call_command("erase_person", address)


def test_erase_person_exits_with_status_0(person_everywhere, command_line, sends_mail):
    with sends_mail():
        status, out, err = command_line(ErasePersonCommand(), "erase_person", PERSON)

    assert status == 0
    assert gettext("Erasure completed.") in out
    assert err == ""
    assert not Registration.objects.filter(email=PERSON).exists()
