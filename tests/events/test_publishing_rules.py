"""Editors at work: the admin refuses to publish an incoherent webinar, drafts may be
half-finished, and calendars hear about changes of time or status through SEQUENCE."""

from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils.html import escape

from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

import pytest

from events.models import WebinarPage
from tests.events.factories import WebinarPageFactory, rome
from tests.factories import CategoryFactory
from tests.utils import soup, text_of

SLUG = "gestione-privacy-salute"
TEAMS_URL = "https://teams.microsoft.com/l/meetup-join/19%3ameeting_abc%40thread.v2/0"


@pytest.fixture
def editor(db):
    return get_user_model().objects.create_superuser(
        username="redazione", email="redazione@cgm.coop", password="password"
    )


@pytest.fixture
def admin_client(client, editor):
    client.force_login(editor)
    return client


def add_url(webinar_index):
    return reverse("wagtailadmin_pages:add", args=("events", "webinarpage", webinar_index.pk))


def edit_url(page):
    return reverse("wagtailadmin_pages:edit", args=[page.pk])


def form_errors(response):
    """The form errors of a re-displayed admin form, to explain a failed POST."""
    context = response.context or {}
    return context["form"].errors if "form" in context else response.status_code


def webinar_form(*, categories=(), publish=True, **overrides):
    """The POST data of the webinar form; an override of ``None`` leaves the field out
    (an unticked checkbox sends nothing)."""
    data = {
        "title": "La gestione della privacy tra tutela della salute e rispetto degli adempimenti",
        "slug": SLUG,
        "standfirst": "Un webinar sulla privacy nelle imprese sociali.",
        "date": "2099-04-09",
        "start": "2099-04-15 15:00",
        "end": "2099-04-15 16:30",
        "status": "scheduled",
        "topic_area": "Sistemi di Gestione",
        "abstract": rich_text("<p>Le pratiche richieste dal sistema sanitario.</p>"),
        "agenda": streamfield(
            [
                ("point", "Le piattaforme per la didattica a distanza"),
                ("point", "La privacy e alcuni spunti per difendersi dalle truffe on line"),
            ]
        ),
        "questions": streamfield([]),
        "speakers": inline_formset(
            [
                {
                    "name": "Daniele Consoletti",
                    "description": "avvocato esperto di sistemi privacy",
                    "role": "speaker",
                }
            ]
        ),
        "platform": "teams",
        "teams_meeting_mode": "link",
        "attendance_threshold": "75",
        "teams_join_url": TEAMS_URL,
        "is_free": "on",
        "members_only": "on",
        "contact_email": "simona.taraschi@cgm.coop",
        "programme": "",
        "capacity": "",
        "registration_opens_at": "",
        "registration_closes_at": "",
        "hero_image": "",
        "hero_image_credit": "",
        "hero_image_credit_lang": "it",
        "seo_title": "",
        "search_description": "",
        "go_live_at": "",
        "expire_at": "",
        "comments": inline_formset([]),
    }
    data.update(overrides)
    form = nested_form_data({key: value for key, value in data.items() if value is not None})
    form["categories"] = [str(category.pk) for category in categories]
    if publish:
        form["action-publish"] = "action-publish"
    return form


def assert_refused_on(response, field):
    """The form comes back with the error shown next to ``field``."""
    assert response.status_code == 200, response.status_code
    errors = response.context["form"].errors
    assert field in errors, errors
    message = str(errors[field][0])
    page = soup(response)
    widget = page.find(attrs={"name": field})
    assert widget is not None, field
    wrapper = widget.find_parent(class_="w-field")
    assert wrapper is not None
    assert escape(message) in str(wrapper) or message in text_of(wrapper), text_of(wrapper)


@pytest.mark.django_db
def test_coherent_webinar_is_published(admin_client, webinar_tree):
    formazione = CategoryFactory(name="Formazione", slug="formazione")
    url = add_url(webinar_tree.webinar_index)
    assert admin_client.get(url).status_code == 200

    response = admin_client.post(url, webinar_form(categories=[formazione]))

    assert response.status_code == 302, form_errors(response)
    assert response["Location"] == reverse(
        "wagtailadmin_explore", args=[webinar_tree.webinar_index.pk]
    )
    webinar = WebinarPage.objects.get(slug=SLUG)
    assert webinar.live
    assert (webinar.start, webinar.end) == (rome(2099, 4, 15, 15, 0), rome(2099, 4, 15, 16, 30))
    assert webinar.sequence == 0
    assert list(webinar.categories.all()) == [formazione]
    assert [s.name for s in webinar.speakers.all()] == ["Daniele Consoletti"]
    assert [block.value for block in webinar.agenda] == [
        "Le piattaforme per la didattica a distanza",
        "La privacy e alcuni spunti per difendersi dalle truffe on line",
    ]

    admin_client.logout()  # what readers see
    page = soup(admin_client.get(f"/webinar/{SLUG}/"))
    assert "mercoledì 15 aprile 2099" in text_of(page.select_one(".webinar__when"))
    assert text_of(page.select_one(".speaker")) == (
        "Daniele Consoletti, avvocato esperto di sistemi privacy"
    )


REFUSALS = {
    "end-before-start": ({"end": "2099-04-15 14:00"}, "end"),
    "end-equals-start": ({"end": "2099-04-15 15:00"}, "end"),
    "registration-closes-after-start": (
        {"registration_closes_at": "2099-04-15 15:30"},
        "registration_closes_at",
    ),
    "registration-opens-after-it-closes": (
        {"registration_opens_at": "2099-04-10 12:00", "registration_closes_at": "2099-04-10 09:00"},
        "registration_opens_at",
    ),
    "registration-opens-after-start": (
        {"registration_opens_at": "2099-04-16 09:00"},
        "registration_opens_at",
    ),
    "members-only-teams-without-join-link": ({"teams_join_url": ""}, "teams_join_url"),
    "members-only-without-contact": ({"contact_email": ""}, "contact_email"),
    "join-link-on-another-host": (
        {"teams_join_url": "https://evil.example.com/l/meetup-join/x"},
        "teams_join_url",
    ),
    "join-link-over-http": (
        {"teams_join_url": "http://teams.microsoft.com/l/meetup-join/x"},
        "teams_join_url",
    ),
    "join-link-lookalike-host": (
        {"teams_join_url": "https://teams.microsoft.com.evil.example/l/meetup-join/x"},
        "teams_join_url",
    ),
    "join-link-with-credentials": (
        {"teams_join_url": "https://user:pw@teams.microsoft.com/l/meetup-join/x"},
        "teams_join_url",
    ),
    "join-link-not-a-meeting": (
        {"teams_join_url": "https://teams.microsoft.com/_#/files"},
        "teams_join_url",
    ),
}


@pytest.mark.django_db
@pytest.mark.parametrize(("overrides", "field"), REFUSALS.values(), ids=REFUSALS.keys())
def test_incoherent_webinar_is_not_published(admin_client, webinar_tree, overrides, field):
    response = admin_client.post(add_url(webinar_tree.webinar_index), webinar_form(**overrides))

    assert_refused_on(response, field)
    assert not WebinarPage.objects.filter(slug=SLUG).exists()
    admin_client.logout()
    assert admin_client.get(f"/webinar/{SLUG}/").status_code == 404


@pytest.mark.django_db
def test_join_link_from_the_teams_consumer_service_is_accepted(admin_client, webinar_tree):
    data = webinar_form(teams_join_url="https://teams.live.com/meet/9876543210?p=abc")
    response = admin_client.post(add_url(webinar_tree.webinar_index), data)
    assert response.status_code == 302, form_errors(response)
    assert WebinarPage.objects.get(slug=SLUG).live


@pytest.mark.django_db
def test_open_webinar_needs_no_join_link_or_contact(admin_client, webinar_tree):
    # The rule is for members-only webinars: an open one can be announced first.
    data = webinar_form(members_only=None, teams_join_url="", contact_email="")
    response = admin_client.post(add_url(webinar_tree.webinar_index), data)
    assert response.status_code == 302, form_errors(response)
    webinar = WebinarPage.objects.get(slug=SLUG)
    assert webinar.live
    assert not webinar.members_only


@pytest.mark.django_db
def test_capacity_cannot_drop_below_the_seats_taken(admin_client, webinar_tree, seats_taken):
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        title="La gestione del rischio clinico",
        slug=SLUG,
        start=rome(2099, 4, 15, 15, 0),
        end=rome(2099, 4, 15, 16, 30),
        capacity=10,
        teams_join_url=TEAMS_URL,
    )
    data = webinar_form(title="La gestione del rischio clinico", capacity="3")
    data["speakers-INITIAL_FORMS"] = "0"

    with seats_taken(5):
        response = admin_client.post(edit_url(webinar), data)
    assert_refused_on(response, "capacity")
    webinar.refresh_from_db()
    assert webinar.capacity == 10
    assert not webinar.has_unpublished_changes

    with seats_taken(5):
        response = admin_client.post(edit_url(webinar), {**data, "capacity": "5"})
    assert response.status_code == 302, form_errors(response)
    webinar.refresh_from_db()
    assert webinar.capacity == 5


@pytest.mark.django_db
def test_incoherent_draft_can_be_saved(admin_client, webinar_tree):
    data = webinar_form(end="2099-04-15 14:00", publish=False)

    response = admin_client.post(add_url(webinar_tree.webinar_index), data)

    assert response.status_code == 302, form_errors(response)
    webinar = WebinarPage.objects.get(slug=SLUG)
    assert response["Location"] == edit_url(webinar)
    assert not webinar.live
    draft = webinar.get_latest_revision_as_object()
    assert draft.end < draft.start
    admin_client.logout()
    assert admin_client.get(f"/webinar/{SLUG}/").status_code == 404

    # Publishing the same draft is refused until it is made coherent.
    admin_client.force_login(get_user_model().objects.get(username="redazione"))
    response = admin_client.post(edit_url(webinar), webinar_form(end="2099-04-15 14:00"))
    assert_refused_on(response, "end")
    assert not WebinarPage.objects.get(slug=SLUG).live


@pytest.mark.django_db
def test_sequence_grows_when_time_or_status_change(admin_client, webinar_tree):
    response = admin_client.post(add_url(webinar_tree.webinar_index), webinar_form())
    assert response.status_code == 302, form_errors(response)
    webinar = WebinarPage.objects.get(slug=SLUG)
    assert webinar.sequence == 0

    def publish(**overrides):
        speaker = webinar.speakers.get()
        data = webinar_form(**overrides)
        data.update(
            {
                "speakers-INITIAL_FORMS": "1",
                "speakers-0-id": str(speaker.pk),
            }
        )
        response = admin_client.post(edit_url(webinar), data)
        assert response.status_code == 302, form_errors(response)
        published = WebinarPage.objects.get(pk=webinar.pk)
        assert published.live
        assert not published.has_unpublished_changes
        return published

    moved = publish(start="2099-04-15 15:30")
    assert moved.start == rome(2099, 4, 15, 15, 30)
    assert moved.sequence == 1

    retitled = publish(start="2099-04-15 15:30", title="La privacy nelle imprese sociali")
    assert retitled.title == "La privacy nelle imprese sociali"
    assert retitled.sequence == 1

    cancelled = publish(start="2099-04-15 15:30", status="cancelled")
    assert cancelled.is_cancelled
    assert cancelled.sequence == 2

    admin_client.logout()
    assert soup(admin_client.get(f"/webinar/{SLUG}/")).select(".registration-state--cancelled")


@pytest.mark.django_db
def test_bulk_publish_of_an_incoherent_draft_is_refused(admin_client, webinar_tree):
    draft = webinar_form(end="2099-04-15 14:00", publish=False)
    assert admin_client.post(add_url(webinar_tree.webinar_index), draft).status_code == 302
    webinar = WebinarPage.objects.get(slug=SLUG)
    bulk_publish = reverse("wagtail_bulk_action", args=("wagtailcore", "page", "publish"))

    admin_client.post(f"{bulk_publish}?id={webinar.pk}", {"include_descendants": ""})

    assert not WebinarPage.objects.get(slug=SLUG).live
