"""The sign-up form with every kind of mistake, in Chromium against the live server: each
error in Italian under its field, a summary that takes the focus and links to each field,
"Errore:" in the title, what was typed kept; then corrected, it goes through."""

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

QUESTION = {
    "type": "single_choice",
    "id": "0b7a5c1e-0000-4000-8000-00000000000a",
    "value": {
        "label": "Da quale territorio partecipi?",
        "help_text": "",
        "required": True,
        "choices": ["Nord", "Centro", "Sud e isole"],
    },
}


def test_every_mistake_is_shown_by_its_field_and_nothing_typed_is_lost(
    open_webinar, live_server, page, a11y
):
    open_webinar.questions = [QUESTION]
    open_webinar.save_revision().publish()
    page.goto(live_server.url + open_webinar.url)
    form = page.locator("section.registration form")
    form.get_by_role("textbox", name="Nome", exact=True).fill("Maria")
    form.get_by_role("textbox", name="E-mail", exact=True).fill("maria.rossi@")
    form.get_by_role("textbox", name="Organizzazione", exact=True).fill("Cooperativa “La Rete”")
    form.get_by_role("button", name="Iscriviti").click()
    page.wait_for_selector("[data-error-summary]")

    assert page.title().startswith("Errore: ")
    assert page.evaluate("document.activeElement.id") == "iscrizione-errori"
    summary = page.locator("[data-error-summary]")
    assert summary.get_by_role("heading").inner_text() == "Correggi questi errori:"
    expected = {
        "id_last_name": "Questo campo è obbligatorio.",
        "id_email": "Inserisci un indirizzo e-mail valido.",
        "id_privacy_consent": "Per iscriverti, accetta l’informativa sulla privacy.",
        f"id_question_{QUESTION['id']}": "Questo campo è obbligatorio.",
    }
    links = summary.get_by_role("link")
    assert sorted(link.get_attribute("href") for link in links.all()) == sorted(
        f"#{field}" for field in expected
    )
    for field, message in expected.items():
        error = page.locator(f"#{field}_error")
        assert message in error.inner_text()
        # Under its own field: inside the same group, and below it on the screen.
        assert error.evaluate(
            "(e, id) => e.closest('.field, fieldset').contains(document.getElementById(id))",
            field,
        )
        assert error.bounding_box()["y"] > page.locator(f"#{field}").bounding_box()["y"]
        described = page.locator(f"#{field}").get_attribute("aria-describedby") or ""
        assert f"{field}_error" in described.split()
    # What was typed is still there.
    assert form.get_by_role("textbox", name="Nome", exact=True).input_value() == "Maria"
    assert form.get_by_role("textbox", name="E-mail", exact=True).input_value() == "maria.rossi@"
    assert (
        form.get_by_role("textbox", name="Organizzazione", exact=True).input_value()
        == "Cooperativa “La Rete”"
    )
    a11y.check("webinar form with errors")

    # A link of the summary takes the focus to its field.
    summary.get_by_role("link", name="E-mail").click()
    assert page.evaluate("document.activeElement.id") == "id_email"

    form = page.locator("section.registration form")
    form.get_by_role("textbox", name="Cognome", exact=True).fill("Rossi")
    form.get_by_role("textbox", name="E-mail", exact=True).fill("maria.rossi@cgm.coop")
    form.get_by_role("radio", name="Sud e isole").check()
    form.get_by_role("checkbox", name="Ho letto l’informativa").check()
    form.get_by_role("button", name="Iscriviti").click()
    page.wait_for_url("**/controlla-la-posta/")
