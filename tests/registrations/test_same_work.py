"""Issue 21, finding 7: the time a request takes must not tell who is registered.

The sign-up form and the «Le mie iscrizioni» form do the same database work whatever
the address (a person already registered, a new member, a stranger): they write one row
holding the request and enqueue one task with its id; the task decides in the background
what the address gets. Measured here by the statements each request runs, by shape
(values replaced by ``?``), with the production task backend (django-tasks-db).
"""

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

import pytest
from django_tasks_db.models import DBTaskResult

from registrations.models import EmailMessage, LinkRequest, Registration, SignupAttempt
from tests.registrations.conftest import form_data

Kind = EmailMessage.Kind

REGISTERED = "gia.iscritta@cgm.coop"
NEW_MEMBER = "nuova.socia@cgm.coop"
NON_MEMBER = "estranea@gmail.com"
ADDRESSES = (REGISTERED, NEW_MEMBER, NON_MEMBER)

LITERAL = re.compile(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b")


def statement_shapes(queries: CaptureQueriesContext) -> list[str]:
    """Each statement run, its values (strings, numbers) replaced by ``?``."""
    return [LITERAL.sub("?", query["sql"]) for query in queries.captured_queries]


@pytest.fixture
def registered(open_webinar):
    """A confirmed registration: the address an attacker probes for."""
    return Registration.objects.create(
        webinar=open_webinar,
        first_name="Già",
        last_name="Iscritta",
        email=REGISTERED,
        organisation_name="CGM",
        status=Registration.Status.CONFIRMED,
        consent_at=timezone.now(),
        consent_version="2026-11",
        join_token="gia-iscritta-join",
    )


def run_tasks() -> None:
    """What the e-mail worker does with the tasks the requests enqueued."""
    for row in DBTaskResult.objects.order_by("enqueued_at"):
        import_string(row.task_path).call(*row.args_kwargs["args"], **row.args_kwargs["kwargs"])


def assert_only_ids_in_the_task_table():
    for args_kwargs in DBTaskResult.objects.values_list("args_kwargs", flat=True):
        assert args_kwargs["kwargs"] == {}
        assert [type(arg) for arg in args_kwargs["args"]] == [int]


def test_signing_up_does_the_same_work_whatever_the_address(
    open_webinar, registered, client, db_tasks
):
    url = reverse("registrations:register", args=[open_webinar.pk])
    client.post(url, form_data("riscaldamento@cgm.coop"))  # first request's one-off reads
    shapes = {}
    for address in ADDRESSES:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, form_data(address))
        assert response.status_code == 302
        shapes[address] = statement_shapes(queries)

    assert shapes[REGISTERED] == shapes[NEW_MEMBER] == shapes[NON_MEMBER]
    writes = [shape for shape in shapes[NEW_MEMBER] if not shape.startswith("SELECT")]
    assert [shape.split(" (")[0] for shape in writes if shape.startswith("INSERT")] == [
        f'INSERT INTO "{SignupAttempt._meta.db_table}"',
        f'INSERT INTO "{DBTaskResult._meta.db_table}"',
    ]
    assert_only_ids_in_the_task_table()

    # The decisions, in the background: each address gets what it got before.
    run_tasks()
    kinds = dict(EmailMessage.objects.values_list("to", "kind"))
    assert kinds[REGISTERED] == Kind.INVITATION
    assert kinds[NEW_MEMBER] == Kind.CONFIRMATION
    assert kinds[NON_MEMBER] == Kind.MEMBERS_ONLY
    assert Registration.objects.filter(email=REGISTERED).count() == 1


def test_asking_for_my_registrations_does_the_same_work_whatever_the_address(
    open_webinar, registered, client, db_tasks
):
    url = reverse("registrations:mine")
    client.post(url, {"email": "riscaldamento@cgm.coop"})
    shapes = {}
    for address in ADDRESSES:
        with CaptureQueriesContext(connection) as queries:
            response = client.post(url, {"email": address})
        assert response.status_code == 200
        shapes[address] = statement_shapes(queries)

    assert shapes[REGISTERED] == shapes[NEW_MEMBER] == shapes[NON_MEMBER]
    assert_only_ids_in_the_task_table()

    run_tasks()
    assert list(EmailMessage.objects.values_list("to", "kind")) == [
        (REGISTERED, Kind.MY_REGISTRATIONS)
    ]
    # The rows holding the addresses went with their tasks.
    assert not LinkRequest.objects.exists()
