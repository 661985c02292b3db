"""The sign-up form sent back with errors, as a screen reader and a keyboard meet it: every
``aria-describedby`` names an element, a summary at the top links each error to its field,
the page's title says "Errore", and everything typed is still there."""

from pathlib import Path

from django.test import Client
from django.urls import reverse

import pytest

from tests.registrations.conftest import form_data
from tests.utils import soup

pytestmark = pytest.mark.django_db

MEMBER = "maria.bianchi@cgm.coop"
TYPED_FIELDS = ("first_name", "last_name", "email", "organisation", "role")
ROOT = Path(__file__).resolve().parents[2]


def register_url(webinar) -> str:
    return reverse("registrations:register", args=[webinar.pk])


def post(webinar, data, client=None):
    return (client or Client()).post(register_url(webinar), data)


def the_form(page):
    return page.select_one("section.registration form")


def assert_every_describedby_resolves(page) -> list[str]:
    """Every id an input's ``aria-describedby`` names is an element of the page."""
    named = []
    for element in page.select("[aria-describedby]"):
        for ref in element["aria-describedby"].split():
            assert page.find(id=ref) is not None, f"{element.get('name')}: #{ref} is missing"
            named.append(ref)
    return named


def title_of(page) -> str:
    return page.title.get_text().strip()


# The page that comes back ----------------------------------------------------------------


def test_help_texts_carry_the_ids_django_points_at(client, open_webinar):
    page = soup(client.get(open_webinar.url))
    form = the_form(page)
    assert form.select_one("#id_email")["aria-describedby"] == "id_email_helptext"
    assert form.select_one("#id_email_helptext").get_text(strip=True) == (
        "Usa il tuo indirizzo e-mail di lavoro della cooperativa."
    )
    assert form.select_one("#id_organisation")["aria-describedby"] == "id_organisation_helptext"
    assert assert_every_describedby_resolves(page)
    # No error: no summary, no "Errore" in the title, no error list.
    assert form.select_one("[data-error-summary]") is None
    assert not title_of(page).startswith("Errore")
    assert form.select(".field__error") == []


def test_errors_are_described_by_their_own_ids(open_webinar):
    data = form_data("non-un-indirizzo", first_name="", privacy_consent="")
    response = post(open_webinar, data)
    assert response.status_code == 400
    page = soup(response)
    form = the_form(page)

    email = form.select_one("#id_email")
    assert email["aria-describedby"] == "id_email_helptext id_email_error"
    assert email["aria-invalid"] == "true"
    assert " ".join(form.select_one("#id_email_error").get_text().split()) == (
        "Errore: Inserisci un indirizzo e-mail valido."
    )
    assert form.select_one("#id_first_name")["aria-describedby"] == "id_first_name_error"
    assert form.select_one("#id_privacy_consent")["aria-describedby"] == "id_privacy_consent_error"
    named = assert_every_describedby_resolves(page)
    assert {"id_email_error", "id_first_name_error", "id_privacy_consent_error"} <= set(named)


def test_the_consent_error_sits_under_its_checkbox(open_webinar):
    page = soup(post(open_webinar, form_data(MEMBER, privacy_consent="")))
    field = the_form(page).select_one(".field--checkbox")
    assert "field--error" in field["class"]
    # Checkbox and label side by side in one row; the error after that row, not beside it.
    row, error = [child for child in field.children if getattr(child, "name", None)]
    assert "field__choice" in row["class"]
    assert row.select_one("input[type=checkbox]#id_privacy_consent")
    assert row.select_one("label[for=id_privacy_consent]")
    assert error["id"] == "id_privacy_consent_error"
    assert error.get_text(strip=True).startswith("Errore:")
    css = (ROOT / "static/css/site.css").read_text()
    block = css[css.index("/* Registration form: errors and summary */") :]
    assert ".field--checkbox { display: block; }" in block
    assert ".field__choice { display: flex;" in block


def test_a_summary_at_the_top_links_each_error_to_its_field(open_webinar):
    data = form_data("non-un-indirizzo", first_name="", privacy_consent="")
    page = soup(post(open_webinar, data))
    form = the_form(page)
    summary = form.select_one("[data-error-summary]")
    assert summary is not None
    assert summary["tabindex"] == "-1"
    heading = summary.find(["h2", "h3"])
    assert heading.get_text(strip=True) == "Correggi questi errori:"
    assert summary["aria-labelledby"] == heading["id"]
    # At the top: before the first field.
    fields = form.select(".field")
    assert str(form).index("data-error-summary") < str(form).index(str(fields[0])[:40])
    links = summary.select("a")
    assert [link["href"] for link in links] == [
        "#id_first_name",
        "#id_email",
        "#id_privacy_consent",
    ]
    for link in links:
        assert form.select_one(link["href"]) is not None
    assert links[1].get_text(strip=True) == "E-mail: Inserisci un indirizzo e-mail valido."
    assert links[0].get_text(strip=True).startswith("Nome: ")
    # The consent's label is a whole sentence: the summary names it shortly.
    assert links[2].get_text(strip=True) == (
        "Informativa sulla privacy: Per iscriverti, accetta l’informativa sulla privacy."
    )


def test_the_title_starts_with_errore(open_webinar):
    page = soup(post(open_webinar, form_data(MEMBER, last_name="")))
    assert title_of(page).startswith(f"Errore: Iscriviti: {open_webinar.title}")


@pytest.mark.parametrize(
    ("overrides", "bad"),
    [
        ({"first_name": ""}, "first_name"),
        ({"last_name": "Bianchi\u202e"}, "last_name"),
        ({"email": "non-un-indirizzo"}, "email"),
        ({"email": f"{'a' * 65}@cgm.coop"}, "email"),
        ({"organisation": "M" * 201}, "organisation"),
        ({"role": "Educatrice\u200b"}, "role"),
        ({"privacy_consent": ""}, "privacy_consent"),
    ],
    ids=["empty", "bidi", "not-an-address", "local-part", "too-long", "zero-width", "consent"],
)
def test_what_was_typed_is_kept_on_every_error(open_webinar, overrides, bad):
    data = {**form_data(MEMBER, role="Educatrice"), **overrides}
    response = post(open_webinar, data)
    assert response.status_code == 400
    form = the_form(soup(response))
    assert form.select_one(f'.field--error [name="{bad}"]') is not None
    for name in TYPED_FIELDS:
        assert form.select_one(f'input[name="{name}"]').get("value", "") == data[name], name
    checkbox = form.select_one('input[name="privacy_consent"]')
    assert checkbox.has_attr("checked") == (data["privacy_consent"] == "on")
    assert form.select_one(f'[data-error-summary] a[href="#id_{bad}"]') is not None


def test_sent_again_for_its_token_the_form_has_no_summary_without_errors(open_webinar):
    """Without JavaScript the first send comes back to be pressed again (403): not an
    error of the person's, so no "Errore" and no summary, but what was typed."""
    browser = Client(enforce_csrf_checks=True)
    response = post(open_webinar, form_data(MEMBER, first_name="Luisa"), client=browser)
    assert response.status_code == 403
    page = soup(response)
    assert not title_of(page).startswith("Errore")
    assert page.select_one("[data-error-summary]") is None
    assert the_form(page).select_one("#id_first_name")["value"] == "Luisa"
    assert_every_describedby_resolves(page)


def test_sent_again_with_errors_it_has_both(open_webinar):
    browser = Client(enforce_csrf_checks=True)
    response = post(open_webinar, form_data(MEMBER, privacy_consent=""), client=browser)
    assert response.status_code == 403
    page = soup(response)
    assert title_of(page).startswith("Errore: ")
    assert page.select_one('[data-error-summary] a[href="#id_privacy_consent"]')
    assert_every_describedby_resolves(page)


def test_the_script_focuses_the_summary_without_inline_code(open_webinar):
    page = soup(post(open_webinar, form_data(MEMBER, first_name="")))
    # The page's only scripts are files of the site's own (the CSP allows no inline code).
    scripts = page.select("script")
    assert scripts and all(script.get("src", "").startswith("/static/") for script in scripts)
    assert all(not script.get_text(strip=True) for script in scripts)
    js = (ROOT / "static/js/registration.js").read_text()
    assert 'document.querySelector("[data-error-summary]")' in js
    assert "summary.focus()" in js
    assert "input.focus(" in js
