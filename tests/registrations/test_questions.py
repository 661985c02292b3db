"""A webinar's own questions: asked on its form, validated like the other fields, kept with
the registration in the wording answered, shown to staff, exported, erased with the rest."""

import csv
import io
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.urls import reverse

import pytest
from bs4 import BeautifulSoup

from events.questions import MAX_QUESTIONS, QuestionsBlock
from registrations import retention
from registrations.models import Registration
from tests.registrations.conftest import form_data

QUESTIONS = [
    {
        "type": "single_choice",
        "id": "5f0c6b4e-0000-4000-8000-000000000001",
        "value": {
            "label": "Da quale territorio partecipi?",
            "help_text": "",
            "required": True,
            "choices": ["Nord", "Centro", "Sud e isole"],
        },
    },
    {
        "type": "multiple_choice",
        "id": "5f0c6b4e-0000-4000-8000-000000000002",
        "value": {
            "label": "Quali servizi gestisce la tua cooperativa?",
            "help_text": "Scegli tutti quelli che valgono.",
            "required": False,
            "choices": ["Nidi", "Scuole dell’infanzia", "Centri estivi"],
        },
    },
    {
        "type": "long_text",
        "id": "5f0c6b4e-0000-4000-8000-000000000003",
        "value": {"label": "Che cosa vorresti chiedere ai relatori?", "required": False},
    },
    {
        "type": "yes_no",
        "id": "5f0c6b4e-0000-4000-8000-000000000004",
        "value": {"label": "Hai già partecipato a un nostro webinar?", "required": True},
    },
    {
        "type": "short_text",
        "id": "5f0c6b4e-0000-4000-8000-000000000005",
        "value": {"label": "Numero di soci lavoratori", "required": False},
    },
]
TERRITORY, SERVICES, ASK, BEFORE, MEMBERS = (f"question_{q['id']}" for q in QUESTIONS)


@pytest.fixture
def asking_webinar(make_webinar, member_org):
    return make_webinar(questions=QUESTIONS)


def answers(**overrides) -> dict:
    data = {TERRITORY: "Sud e isole", SERVICES: ["Nidi", "Centri estivi"], BEFORE: "sì"}
    data.update(overrides)
    return data


def sign_up(client, webinar, email="maria.bianchi@cgm.coop", **overrides):
    url = reverse("registrations:register", args=[webinar.pk])
    return client.post(url, {**form_data(email), **answers(**overrides)})


def test_the_form_asks_the_webinars_questions_before_the_consent(client, asking_webinar):
    html = BeautifulSoup(client.get(asking_webinar.url).content, "html.parser")
    form = html.select_one("section.registration form")
    names = [field["name"] for field in form.select("input, textarea") if field.get("name")]
    questions = [name for name in names if name.startswith("question_")]
    assert questions[:2] == [TERRITORY, TERRITORY]  # one radio per choice
    assert names.index(MEMBERS) < names.index("privacy_consent")
    text = form.get_text(" ")
    assert "Da quale territorio partecipi?" in text and "Sud e isole" in text
    assert "Scegli tutti quelli che valgono." in text
    assert form.select_one(f"textarea[name={ASK}]") is not None


def test_answers_are_kept_with_the_registration(client, asking_webinar):
    response = sign_up(client, asking_webinar, **{ASK: "Come si coinvolgono\r\nle famiglie?"})
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.answer_lines() == [
        ("Da quale territorio partecipi?", "Sud e isole"),
        ("Quali servizi gestisce la tua cooperativa?", "Nidi, Centri estivi"),
        ("Che cosa vorresti chiedere ai relatori?", "Come si coinvolgono\r\nle famiglie?"),
        ("Hai già partecipato a un nostro webinar?", "sì"),
    ]


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({TERRITORY: ""}, TERRITORY, "Questo campo è obbligatorio."),
        ({TERRITORY: "Estero"}, TERRITORY, "Scegli un'opzione valida."),
        ({SERVICES: ["Nidi", "Piscine"]}, SERVICES, "Scegli un'opzione valida."),
        ({MEMBERS: "12\n13"}, MEMBERS, "In questo campo non sono ammessi ritorni a capo."),
        ({ASK: "x" * 2001}, ASK, "2000"),
    ],
)
def test_a_wrong_answer_is_refused_with_what_was_typed_kept(
    client, asking_webinar, overrides, field, message
):
    response = sign_up(client, asking_webinar, **overrides)
    assert response.status_code == 400
    html = BeautifulSoup(response.content, "html.parser")
    assert message in html.get_text(" ")
    # The summary's link leads to the question, and what describes it exists.
    assert html.select_one(f".error-summary a[href='#id_{field}']") is not None
    target = html.select_one(f"#id_{field}")
    for described_by in (target.get("aria-describedby") or "").split():
        assert html.select_one(f"#{described_by}") is not None
    # The other answers are still there.
    assert html.select_one(f"input[name={BEFORE}][value=sì]").has_attr("checked")
    assert html.select_one("input[name=email]")["value"] == "maria.bianchi@cgm.coop"
    assert not Registration.objects.exists()


def test_changing_a_question_keeps_the_answers_given(client, asking_webinar):
    sign_up(client, asking_webinar)
    asking_webinar.questions = [
        {**QUESTIONS[0], "value": {**QUESTIONS[0]["value"], "label": "Regione"}}
    ]
    asking_webinar.save_revision().publish()
    registration = Registration.objects.get()
    assert registration.answer_lines()[0] == ("Da quale territorio partecipi?", "Sud e isole")
    assert len(registration.answer_lines()) == 3


def test_at_most_ten_questions():
    block = QuestionsBlock()
    value = block.to_python([QUESTIONS[4]] * (MAX_QUESTIONS + 1))
    with pytest.raises(ValidationError):
        block.clean(value)
    assert block.clean(block.to_python([QUESTIONS[4]] * MAX_QUESTIONS))


def test_staff_see_the_answers_and_export_them(client, asking_webinar):
    sign_up(client, asking_webinar)
    registration = Registration.objects.get()
    client.force_login(
        get_user_model().objects.create_superuser("segreteria", "segreteria@cgm.coop", "pw")
    )
    inspect = client.get(f"/admin/registrations/registration/inspect/{registration.pk}/")
    assert "Da quale territorio partecipi?: Sud e isole" in inspect.content.decode()
    Registration.objects.update(status=Registration.Status.CONFIRMED)
    console = BeautifulSoup(
        client.get(reverse("registrations_webinar_console", args=[asking_webinar.pk])).content,
        "html.parser",
    )
    answers_shown = [" ".join(a.get_text(" ").split()) for a in console.select(".cgm-answer")]
    assert "Quali servizi gestisce la tua cooperativa? : Nidi, Centri estivi" in answers_shown
    export = client.get(
        "/admin/registrations/registration/",
        {"webinar__id__exact": asking_webinar.pk, "export": "csv"},
    )
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    assert row["risposte alle domande"] == (
        "Da quale territorio partecipi?: Sud e isole; "
        "Quali servizi gestisce la tua cooperativa?: Nidi, Centri estivi; "
        "Hai già partecipato a un nostro webinar?: sì"
    )


def test_answers_are_erased_with_the_persons_data(client, asking_webinar):
    sign_up(client, asking_webinar)
    sign_up(client, asking_webinar, email="luca.neri@cgm.coop")
    Registration.objects.update(status=Registration.Status.CONFIRMED)
    # Erasure on request: the person's registration goes, answers and all.
    retention.person_erase(email="luca.neri@cgm.coop")
    assert list(Registration.objects.values_list("email", flat=True)) == ["maria.bianchi@cgm.coop"]
    # A month after the webinar, who answered what is forgotten with the names.
    retention.registrations_purge(now=asking_webinar.end + timedelta(days=32))
    registration = Registration.objects.get()
    assert registration.anonymised_at is not None
    assert registration.answers == [] and registration.answer_lines() == []
