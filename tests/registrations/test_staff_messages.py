"""«Scrivi agli iscritti»: staff write to a group of a webinar's registrants from its
console; each person receives one e-mail with their own links, once."""

import email
import email.policy

from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

import pytest

from registrations.models import EmailMessage, Registration, StaffMessage
from tests.events.factories import days_from_now
from tests.registrations.conftest import CANCEL_LINK
from tests.registrations.test_admin_registrations import (
    assert_refused,
    make_user,
    messages_text,
    registration,
)
from tests.utils import soup, text_of

Status = Registration.Status
MESSAGE_URL = "registrations_webinar_message"
CONSOLE_URL = "registrations_webinar_console"

BODY = (
    "Gentili iscritti,\r\n"
    "il programma è cambiato: trovate i materiali su https://www.cgm.coop/programma\r\n"
    "\r\n"
    "Portate <b>domande</b> & idee.\r\n"
    "Simona"
)


def make_superuser(username):
    return get_user_model().objects.create_superuser(
        username=username, email=f"{username}@cgm.coop", password="password"
    )


@pytest.fixture
def staff_client(client, db):
    client.force_login(make_superuser("segreteria"))
    return client


@pytest.fixture
def webinar(make_webinar, member_org):
    return make_webinar(title="Privacy e protezione dei dati", capacity=1)


@pytest.fixture
def people(webinar):
    return {
        "maria": registration(webinar, "maria.bianchi@cgm.coop"),
        "anna": registration(
            webinar, "anna.neri@cgm.coop", status=Status.WAITLISTED, waitlist_position=1
        ),
        "sara": registration(
            webinar, "sara.conti@cgm.coop", status=Status.WAITLISTED, waitlist_position=2
        ),
        "elena": registration(webinar, "elena.ferri@cgm.coop", status=Status.CANCELLED),
    }


def message_data(**overrides):
    data = {"audience": "waitlisted", "subject": "Novità sul programma", "body": BODY}
    data.update(overrides)
    return data


def post(client, webinar, action, **data):
    return client.post(
        reverse(MESSAGE_URL, args=[webinar.pk]), {**message_data(**data), "action": action}
    )


def received(message) -> dict:
    """An e-mail of ``mail.outbox`` as its recipient's mail program reads the raw bytes."""
    parsed = email.message_from_bytes(message.message().as_bytes(), policy=email.policy.default)
    return {
        "to": parsed["To"],
        "subject": parsed["Subject"],
        "text": parsed.get_body(("plain",)).get_content(),
        "html": parsed.get_body(("html",)).get_content(),
    }


def test_the_preview_shows_the_first_recipients_email_and_how_many_get_it(
    staff_client, webinar, people
):
    response = post(staff_client, webinar, "preview")

    assert response.status_code == 200
    page = soup(response)
    assert text_of(page.select_one("[data-message-recipients]")) == (
        "Il messaggio va a 2 persone. Ecco come lo leggerà la prima, anna.neri@cgm.coop:"
    )
    assert text_of(page.select_one("[data-preview-subject]")) == "Novità sul programma"
    text = page.select_one("[data-preview-text]").get_text()
    assert "Portate <b>domande</b> & idee." in text
    assert "/iscrizioni/annulla/" in text
    html = page.select_one("[data-preview-html]")
    assert html.select_one("a")["href"] == "https://www.cgm.coop/programma"
    assert html.select("b") == []
    assert text_of(page.select_one("[data-message-send]")) == "Invia a 2 persone"
    assert mail.outbox == []
    assert not StaffMessage.objects.exists()


def test_a_message_to_the_waiting_list_reaches_each_person_once(
    staff_client, webinar, people, sends_mail
):
    with sends_mail():
        response = post(staff_client, webinar, "send")

    assert response.status_code == 302
    assert response.url == reverse(CONSOLE_URL, args=[webinar.pk])
    assert sorted(message.to[0] for message in mail.outbox) == [
        "anna.neri@cgm.coop",
        "sara.conti@cgm.coop",
    ]
    copies = {message.to[0]: received(message) for message in mail.outbox}
    cancel_links = set()
    for address, copy in copies.items():
        assert copy["to"] == address
        assert copy["subject"] == "Novità sul programma"
        # The text part as typed: not HTML-escaped, the link as written.
        assert "Gentili iscritti,\n" in copy["text"]
        assert "Portate <b>domande</b> & idee.\nSimona" in copy["text"]
        assert "https://www.cgm.coop/programma" in copy["text"]
        assert "&lt;" not in copy["text"] and "&amp;" not in copy["text"]
        # The HTML part: escaped, paragraphs, the bare link clickable.
        assert "<b>" not in copy["html"]
        assert "Portate &lt;b&gt;domande&lt;/b&gt; &amp; idee.<br>Simona</p>" in copy["html"]
        assert '<a href="https://www.cgm.coop/programma"' in copy["html"]
        assert "<p>Gentili iscritti,<br>" in copy["html"]
        # Their own links: their cancellation (in both parts), their registrations page.
        (text_link,) = set(CANCEL_LINK.findall(copy["text"]))
        assert set(CANCEL_LINK.findall(copy["html"])) == {text_link}
        cancel_links.add(text_link)
        assert "http://testserver/iscrizioni/le-mie/" in copy["text"]
    assert len(cancel_links) == 2  # one each, not the same link

    # The cancellation link is the person's own.
    with sends_mail():
        staff_client.logout()
        link = CANCEL_LINK.search(copies["sara.conti@cgm.coop"]["text"]).group(0)
        staff_client.post(link.replace("http://testserver", ""))
    people["sara"].refresh_from_db()
    people["anna"].refresh_from_db()
    assert people["sara"].status == Status.CANCELLED
    assert people["anna"].status == Status.WAITLISTED


def test_sending_twice_sends_once(staff_client, client, webinar, people, sends_mail):
    with sends_mail():
        post(staff_client, webinar, "send")
    assert len(mail.outbox) == 2

    # The same staff member pressing again, then a colleague sending the same message.
    with sends_mail():
        again = staff_client.post(
            reverse(MESSAGE_URL, args=[webinar.pk]),
            {**message_data(), "action": "send"},
            follow=True,
        )
    colleague = type(client)()
    colleague.force_login(make_superuser("formazione"))
    with sends_mail():
        post(colleague, webinar, "send")

    assert len(mail.outbox) == 2
    assert EmailMessage.objects.filter(kind=EmailMessage.Kind.STAFF_MESSAGE).count() == 2
    assert "era già stato inviato a queste persone: nessuno lo riceve due volte" in (
        messages_text(again)
    )
    message = StaffMessage.objects.get()
    assert message.recipients_count == 2
    assert message.sent_by.username == "segreteria"


def test_the_console_lists_the_messages_sent(staff_client, webinar, people, sends_mail):
    with sends_mail():
        post(staff_client, webinar, "send")

    page = soup(staff_client.get(reverse(CONSOLE_URL, args=[webinar.pk])))

    (row,) = page.select("[data-console-messages] tbody tr")
    cells = [text_of(cell) for cell in row.select("td")]
    assert cells[:3] == ["Novità sul programma", "Persone in lista d’attesa (2)", "segreteria"]
    assert cells[3]  # the date and time it was sent


def test_bad_input_is_refused_in_italian_and_nothing_typed_is_lost(staff_client, webinar, people):
    long_subject = "S" * 151
    long_body = "x" * 10_001

    response = post(staff_client, webinar, "preview", subject=long_subject, body=long_body)

    assert response.status_code == 400
    page = soup(response)
    page_text = text_of(page)
    assert "L’oggetto può avere al massimo 150 caratteri (ne ha 151)." in page_text
    assert "Il testo può avere al massimo 10000 caratteri (ne ha 10001)." in page_text
    assert page.select_one("input[name=subject]")["value"] == long_subject
    assert page.select_one("textarea[name=body]").get_text().strip() == long_body
    assert page.select_one("input[name=audience][value=waitlisted]").has_attr("checked")
    assert mail.outbox == []

    empty = post(staff_client, webinar, "send", subject=" ", body="")
    assert empty.status_code == 400
    assert "Scrivi l’oggetto." in text_of(soup(empty))
    assert "Scrivi il testo del messaggio." in text_of(soup(empty))
    assert not StaffMessage.objects.exists()


def test_a_limit_length_text_with_line_breaks_is_accepted(
    staff_client, webinar, people, sends_mail
):
    # 10,000 characters as the browser counts them, each line end sent as CR LF.
    body = "\r\n".join(["a" * 99] * 100)[: 10_000 + 99]
    assert len(body.replace("\r\n", "\n")) <= 10_000

    with sends_mail():
        response = post(staff_client, webinar, "send", body=body)

    assert response.status_code == 302
    assert len(mail.outbox) == 2


def test_attendees_and_absentees_only_after_the_webinar(
    staff_client, webinar, people, make_webinar
):
    before = soup(staff_client.get(reverse(MESSAGE_URL, args=[webinar.pk])))
    assert [i["value"] for i in before.select("input[name=audience]")] == [
        "confirmed",
        "waitlisted",
    ]
    refused = post(staff_client, webinar, "send", audience="attendees")
    assert refused.status_code == 400
    assert "Scegli uno dei gruppi elencati." in text_of(soup(refused))

    past = make_webinar(start=days_from_now(-2))
    registration(past, "maria.bianchi@cgm.coop", attendance="attended")
    registration(past, "luca.verdi@cgm.coop", attendance="absent")
    after = soup(staff_client.get(reverse(MESSAGE_URL, args=[past.pk])))
    assert [text_of(label) for label in after.select("label:has(input[name=audience])")] == [
        "Iscritti confermati (2)",
        "Persone in lista d’attesa (0)",
        "Partecipanti (dopo il webinar) (1)",
        "Assenti (dopo il webinar) (1)",
    ]


def test_after_the_webinar_a_message_has_no_cancellation_link(
    staff_client, make_webinar, member_org, sends_mail
):
    past = make_webinar(start=days_from_now(-2))
    registration(past, "luca.verdi@cgm.coop", attendance="absent")

    with sends_mail():
        post(staff_client, past, "send", audience="absentees")

    (message,) = mail.outbox
    copy = received(message)
    assert message.to == ["luca.verdi@cgm.coop"]
    assert CANCEL_LINK.findall(copy["text"] + copy["html"]) == []
    assert "http://testserver/iscrizioni/le-mie/" in copy["text"]


def test_staff_without_the_registrations_permission_cannot_write(
    client, webinar, people, sends_mail
):
    url = reverse(MESSAGE_URL, args=[webinar.pk])
    reader = make_user("lettura", "access_admin", "view_registration")
    client.force_login(reader)
    assert_refused(client.get(url, follow=True))
    with sends_mail():
        assert_refused(client.post(url, {**message_data(), "action": "send"}, follow=True))

    assert mail.outbox == []
    assert not StaffMessage.objects.exists()
