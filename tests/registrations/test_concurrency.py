"""Many people confirming at the same moment never take more seats than there are.

Each thread has its own database connection and confirms its own registration; a
barrier releases them together. ``services.registration_confirm`` locks the webinar's
row (PostgreSQL) or takes the database's write lock at the start of its transaction
(SQLite, ``transaction_mode=IMMEDIATE``), so the seats and the waiting-list positions are
handed out one confirmation at a time, in the order the confirmations commit.
"""

import threading

from django.core import mail
from django.db import connection

import pytest

from registrations import services, tokens
from registrations.models import EmailMessage, Registration
from tests.registrations.conftest import service_data

Status = Registration.Status
Kind = EmailMessage.Kind

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def concurrent_webinar(wagtail_root_rows, member_org, make_webinar):
    """``concurrent_webinar(capacity=10)``, in a database the threads can all see."""
    return make_webinar


def is_shared_memory_database() -> bool:
    name = str(connection.settings_dict["NAME"])
    return name == ":memory:" or "mode=memory" in name


def pending_tokens(webinar, count: int) -> list[str]:
    """Confirmation tokens of ``count`` members who sent the form (committed)."""
    registrations = [
        services.registration_create(
            webinar=webinar, **service_data(f"persona{n:02d}@cgm.coop", first_name=f"P{n}")
        )
        for n in range(count)
    ]
    return [tokens.make_token(registration, tokens.CONFIRM) for registration in registrations]


def all_at_once(calls: list) -> tuple[list, list]:
    """Run one thread per call, released together; their results and their errors."""
    barrier = threading.Barrier(len(calls), timeout=60)
    results, errors = [], []
    lock = threading.Lock()

    def run(call):
        try:
            barrier.wait()
            result = call()
            with lock:
                results.append(result)
        except Exception as error:  # every failure is reported, none is allowed
            with lock:
                errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a thread never finished"
    return results, errors


def confirm_all_at_once(confirmation_tokens: list[str]) -> tuple[list, list]:
    return all_at_once(
        [
            lambda token=token: services.registration_confirm(token=token)
            for token in confirmation_tokens
        ]
    )


def assert_seats_and_waiting_list(webinar, *, people: int, capacity: int, results, errors):
    assert errors == []
    assert len(results) == people
    rows = list(Registration.objects.filter(webinar=webinar))
    confirmed = [r for r in rows if r.status == Status.CONFIRMED]
    waiting = [r for r in rows if r.status == Status.WAITLISTED]
    assert len(confirmed) == capacity
    assert len(waiting) == people - capacity
    assert len(confirmed) + len(waiting) == len(rows) == people
    assert sorted(r.waitlist_position for r in waiting) == list(range(1, people - capacity + 1))
    assert all(r.waitlist_position is None for r in confirmed)
    # Each thread was told what the database holds.
    assert {(r.pk, r.status, r.waitlist_position) for r in results} == {
        (r.pk, r.status, r.waitlist_position) for r in rows
    }

    # First come, first served: seats go to the first confirmations to commit, then
    # the waiting list follows the order of the rest.
    in_commit_order = sorted(rows, key=lambda r: r.confirmed_at)
    assert len({r.confirmed_at for r in rows}) == people
    assert all(r.status == Status.CONFIRMED for r in in_commit_order[:capacity])
    assert [r.waitlist_position for r in in_commit_order[capacity:]] == list(
        range(1, people - capacity + 1)
    )

    # One invitation per seat, one waiting-list message per place, nothing else.
    invitations = EmailMessage.objects.filter(kind=Kind.INVITATION)
    assert sorted(invitations.values_list("registration_id", flat=True)) == sorted(
        r.pk for r in confirmed
    )
    waitlisted = EmailMessage.objects.filter(kind=Kind.WAITLISTED)
    assert sorted(waitlisted.values_list("registration_id", flat=True)) == sorted(
        r.pk for r in waiting
    )
    sent_invitations = [m for m in mail.outbox if webinar.teams_join_url in m.body]
    assert sorted(m.to[0] for m in sent_invitations) == sorted(r.email for r in confirmed)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="50 concurrent connections need PostgreSQL (DATABASE_URL=postgres://...); "
    "CI runs the suite there too",
)
def test_fifty_confirmations_for_ten_seats_on_postgresql(concurrent_webinar):
    webinar = concurrent_webinar(capacity=10)
    confirmation_tokens = pending_tokens(webinar, 50)

    results, errors = confirm_all_at_once(confirmation_tokens)

    assert_seats_and_waiting_list(webinar, people=50, capacity=10, results=results, errors=errors)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite variant of the test above")
def test_ten_confirmations_for_three_seats_on_sqlite(concurrent_webinar):
    if is_shared_memory_database():
        pytest.skip(
            "The SQLite test database is in memory with a shared cache: there a second "
            "connection waiting for a write gets 'database table is locked' at once "
            "(SQLITE_LOCKED ignores the 20 s busy timeout), which is not how the file "
            "database of a real site behaves. Give the test database a file name "
            "(DATABASES['default']['TEST']['NAME']) to run this test on SQLite; the "
            "50-thread PostgreSQL test covers concurrency in CI."
        )
    webinar = concurrent_webinar(capacity=3)
    confirmation_tokens = pending_tokens(webinar, 10)

    results, errors = confirm_all_at_once(confirmation_tokens)

    assert_seats_and_waiting_list(webinar, people=10, capacity=3, results=results, errors=errors)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent connections need PostgreSQL; CI runs the suite there too",
)
def test_sign_ups_run_side_by_side_and_one_person_twice_at_once_is_one(concurrent_webinar):
    """Sign-ups share the webinar's lock (FOR SHARE): thirty people at once all get in,
    and the same person sending the form ten times at once is registered once, with
    one e-mail, and no one gets an error."""
    webinar = concurrent_webinar(capacity=5)
    people = [f"persona{n:02d}@cgm.coop" for n in range(30)]
    calls = [
        lambda address=address: services.registration_create(
            webinar=webinar, **service_data(address)
        )
        for address in people + ["stessa.persona@cgm.coop"] * 10
    ]

    results, errors = all_at_once(calls)

    assert errors == []
    assert len(results) == 40
    rows = Registration.objects.filter(webinar=webinar)
    assert sorted(rows.values_list("email", flat=True)) == sorted(
        [*people, "stessa.persona@cgm.coop"]
    )
    assert {r.pk for r in results if r.email == "stessa.persona@cgm.coop"} == {
        rows.get(email="stessa.persona@cgm.coop").pk
    }
    confirmations = EmailMessage.objects.filter(kind=Kind.CONFIRMATION)
    assert sorted(confirmations.values_list("to", flat=True)) == sorted(
        [*people, "stessa.persona@cgm.coop"]
    )
