"""The webinar page with its form is served from the page cache, yet shows the seats of
the moment, and the form works with a CSRF token of the visitor's own: fetched by the
page's script, or, without JavaScript, handed back with what was typed.
"""

import re

from django.core.cache import cache
from django.test import Client

import pytest

from registrations import services
from registrations.models import Registration
from tests.factories import ArticlePageFactory
from tests.registrations.conftest import MEMBER_DOMAIN, form_data

pytestmark = pytest.mark.django_db

FILLED_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
MEMBER = f"luisa.ferri@{MEMBER_DOMAIN}"


def register_url(webinar) -> str:
    return f"/iscrizioni/webinar/{webinar.pk}/"


def page(client, webinar):
    response = client.get(webinar.url)
    assert response.status_code == 200
    return response.get("X-Page-Cache"), response.content.decode()


def test_the_webinar_page_with_its_form_is_cached_for_everyone(open_webinar):
    first, second = Client(), Client()
    header, html = page(first, open_webinar)
    assert header == "miss"
    assert 'name="csrfmiddlewaretoken" value=""' in html
    assert 'data-csrf-url="/iscrizioni/csrf/"' in html
    assert "/static/js/registration.js" in html
    header, again = page(second, open_webinar)
    assert (header, again) == ("hit", html)
    assert not second.cookies


def test_seats_shown_change_with_each_confirmation(
    small_webinar, confirmed, site_tree_article, sends_mail
):
    reader = Client()
    assert page(reader, small_webinar)[0] == "miss"
    assert page(reader, small_webinar)[0] == "hit"
    page(reader, site_tree_article)
    confirmed(small_webinar, f"uno@{MEMBER_DOMAIN}")
    assert page(reader, small_webinar)[0] == "miss"  # one seat left
    assert page(reader, small_webinar)[0] == "hit"
    second = confirmed(small_webinar, f"due@{MEMBER_DOMAIN}")
    header, html = page(reader, small_webinar)
    assert header == "miss"
    assert "Posti esauriti: lista d’attesa aperta." in html
    # Unrelated pages were not touched by any of it.
    assert page(reader, site_tree_article)[0] == "hit"
    with sends_mail():  # (the purge, like the e-mail, waits for the commit)
        services.registration_cancel(registration=second)
    header, html = page(reader, small_webinar)
    assert "Posti esauriti" not in html
    assert "Ancora 1 posto." in html
    assert "Iscrizioni aperte" in html


def test_a_registration_that_changes_nothing_shown_keeps_the_page(small_webinar, sends_mail):
    def sign_up(address):
        with sends_mail():
            services.registration_create(
                webinar=small_webinar,
                first_name="Anna",
                last_name="Neri",
                email=address,
                organisation_name="CGM",
                role="",
                consent_version="2026-11",
            )

    reader = Client()
    # The first change after a restart cannot know what the stored page shows: purged.
    sign_up(f"anna.neri@{MEMBER_DOMAIN}")
    page(reader, small_webinar)
    assert page(reader, small_webinar)[0] == "hit"
    # Signed up, not confirmed yet: no seat taken, the page shows the same.
    sign_up(f"carla.neri@{MEMBER_DOMAIN}")
    assert page(reader, small_webinar)[0] == "hit"


@pytest.fixture
def site_tree_article(registration_site):
    return ArticlePageFactory(parent=registration_site.news_index, title="Un articolo qualsiasi")


# The form's CSRF token -------------------------------------------------------------------


def test_with_javascript_the_token_is_fetched_and_the_form_goes_through(open_webinar, sends_mail):
    browser = Client(enforce_csrf_checks=True)
    page(browser, open_webinar)
    answer = browser.get("/iscrizioni/csrf/")
    assert answer.status_code == 200
    assert "no-cache" in answer["Cache-Control"]
    token = answer.json()["token"]
    data = {**form_data(MEMBER), "csrfmiddlewaretoken": token}
    with sends_mail():
        response = browser.post(register_url(open_webinar), data)
    assert response.status_code == 302
    assert Registration.objects.filter(email=MEMBER).exists()


def test_without_javascript_the_form_comes_back_with_what_was_typed(open_webinar, sends_mail):
    browser = Client(enforce_csrf_checks=True)
    page(browser, open_webinar)
    data = form_data(MEMBER, first_name="Luisa", last_name="Ferri", role="Coordinatrice")
    response = browser.post(register_url(open_webinar), data)
    assert response.status_code == 403
    html = response.content.decode()
    assert "premi di nuovo «Iscriviti»" in html
    for typed in ("Luisa", "Ferri", MEMBER, "Coordinatrice"):
        assert f'value="{typed}"' in html
    assert not Registration.objects.exists()
    assert "no-store" in response["Cache-Control"]
    # Pressing "Iscriviti" again sends the same form, now with a token of its own.
    token = FILLED_TOKEN.search(html).group(1)
    with sends_mail():
        response = browser.post(register_url(open_webinar), {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Registration.objects.filter(email=MEMBER, first_name="Luisa").exists()


def test_a_forged_token_changes_nothing(open_webinar):
    browser = Client(enforce_csrf_checks=True)
    browser.get("/iscrizioni/csrf/")
    data = {**form_data(MEMBER), "csrfmiddlewaretoken": "x" * 64}
    response = browser.post(register_url(open_webinar), data)
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_another_site_cannot_post_the_form(open_webinar, settings):
    browser = Client(enforce_csrf_checks=True)
    token = browser.get("/iscrizioni/csrf/").json()["token"]
    data = {**form_data(MEMBER), "csrfmiddlewaretoken": token}
    response = browser.post(
        register_url(open_webinar),
        data,
        headers={"Origin": "https://attacker.example"},
    )
    assert response.status_code == 403
    assert not Registration.objects.exists()


def test_nothing_cached_holds_one_visitors_token_name_or_message(
    open_webinar, redis_cache, sends_mail
):
    """Two visitors use the site in every way a reader can; every entry the page cache
    stored is then read back from Redis: none holds either one's token or what they typed."""
    from django_redis import get_redis_connection

    secrets = []
    for name in ("Ludovica", "Gianmarco"):
        visitor = Client(enforce_csrf_checks=True)
        for path in ("/", "/notizie/", open_webinar.url, "/webinar/", "/cerca/?q=privacy"):
            assert visitor.get(path).status_code == 200
        token = visitor.get("/iscrizioni/csrf/").json()["token"]
        address = f"{name.lower()}@{MEMBER_DOMAIN}"
        # Refused (no consent): the form comes back with the name, and a message.
        refused = visitor.post(
            register_url(open_webinar),
            {
                **form_data(address, first_name=name),
                "privacy_consent": "",
                "csrfmiddlewaretoken": token,
            },
        )
        assert refused.status_code == 400
        with sends_mail():
            visitor.post(
                register_url(open_webinar),
                {**form_data(address, first_name=name), "csrfmiddlewaretoken": token},
            )
        for path in ("/", open_webinar.url, "/webinar/"):
            visitor.get(path)
        secrets += [name, address, token, visitor.cookies["csrftoken"].value]
    redis = get_redis_connection("default")
    keys = redis.keys(f"{cache.key_prefix}*pagecache:e:*")
    assert len(keys) >= 5
    for key in keys:
        _versions, status, headers, content, _stored_at = cache.get(key.decode().split(":", 2)[2])
        stored = content.decode() + repr(headers)
        for secret in secrets:
            assert secret not in stored, key
