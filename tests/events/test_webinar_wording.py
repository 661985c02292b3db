"""What a webinar's page and card say in words: the seats left, the tense once it is over,
the jump to the form, and its dates, written in one place for page, e-mails and .ics."""

from datetime import UTC, timedelta

from django.utils import timezone

from wagtail import hooks

import icalendar
import pytest

from events.models import SEATS_TAKEN_HOOK, WebinarPage, schedule_label
from tests.events.factories import WebinarPageFactory, days_from_now, rome
from tests.utils import soup, text_of

pytestmark = pytest.mark.django_db


def state_text(client, webinar) -> str:
    return text_of(soup(client.get(webinar.url)).select_one(".registration-state"))


# Seats left ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capacity", "taken", "said"),
    [(12, 0, "Ancora 12 posti."), (3, 2, "Ancora 1 posto."), (20, 18, "Ancora 2 posti.")],
)
def test_an_open_webinar_says_how_many_seats_are_left(
    client, webinar_tree, seats_taken, capacity, taken, said
):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, capacity=capacity)
    with seats_taken(taken):
        text = state_text(client, webinar)
    assert text.startswith("Iscrizioni aperte fino a")
    assert text.endswith(said)


def test_without_a_seat_limit_no_count_is_shown(client, webinar_tree, seats_taken):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, capacity=None)
    with seats_taken(40):
        text = state_text(client, webinar)
    assert "Iscrizioni aperte" in text
    assert "Ancora" not in text and "post" not in text


def test_a_full_webinar_says_the_waiting_list_is_open(client, webinar_tree, seats_taken):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, capacity=5)
    with seats_taken(5):
        page = soup(client.get(webinar.url))
    text = text_of(page.select_one(".registration-state--full"))
    assert text.startswith("Posti esauriti: lista d’attesa aperta.")
    assert "Ancora" not in text
    assert page.select_one("section#iscrizione form")  # the form still takes sign-ups


@pytest.mark.parametrize(
    ("taken", "said"),
    [(5, "Posti esauriti: le iscrizioni sono chiuse."), (2, "Le iscrizioni sono chiuse.")],
)
def test_a_closed_webinar_says_closed_and_whether_it_filled_up(
    client, webinar_tree, seats_taken, taken, said
):
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        capacity=5,
        start=days_from_now(2),
        registration_closes_at=timezone.now() - timedelta(hours=1),
    )
    with seats_taken(taken):
        page = soup(client.get(webinar.url))
    assert text_of(page.select_one(".registration-state--closed")) == said
    assert "lista d’attesa aperta" not in page.get_text()
    assert page.select_one("section#iscrizione") is None


def test_the_page_counts_the_seats_once(client, webinar_tree):
    """The state and the seats left come from one count (registrations.selectors, through
    the hook), not one query each."""
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, capacity=10)
    calls = []

    def count(page):
        calls.append(page.pk)
        return 3

    with hooks.register_temporarily(SEATS_TAKEN_HOOK, count):
        text = state_text(client, webinar)
    assert text.endswith("Ancora 7 posti.")
    assert calls == [webinar.pk]


# The jump to the form --------------------------------------------------------------------


def test_an_open_webinar_page_starts_with_a_link_to_its_form(client, webinar_tree):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index)
    page = soup(client.get(webinar.url))
    jump = page.select_one(".post__header a[href='#iscrizione']")
    assert jump is not None
    assert jump.get_text(strip=True) == "Iscriviti"
    target = page.select_one("#iscrizione")
    assert target.name == "section" and target.select_one("form")
    # The link comes before the long description (abstract, agenda, speakers).
    html = str(page)
    assert html.index('href="#iscrizione"') < html.index('id="abstract-heading"')


def test_on_a_full_webinar_the_link_says_waiting_list(client, webinar_tree, seats_taken):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, capacity=1)
    with seats_taken(1):
        jump = soup(client.get(webinar.url)).select_one("a[href='#iscrizione']")
    assert jump.get_text(strip=True) == "Iscriviti alla lista d’attesa"


@pytest.mark.parametrize(
    "fields",
    [
        {"start": days_from_now(-3), "end": days_from_now(-3, 12)},
        {"status": WebinarPage.Status.CANCELLED},
        {"registration_opens_at": timezone.now() + timedelta(days=3)},
    ],
    ids=["past", "cancelled", "not-yet-open"],
)
def test_no_link_to_a_form_that_is_not_there(client, webinar_tree, fields):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, **fields)
    page = soup(client.get(webinar.url))
    assert page.select("a[href='#iscrizione']") == []
    assert page.select_one("#iscrizione") is None


# Past tense ------------------------------------------------------------------------------


@pytest.fixture
def past_webinar(webinar_tree):
    return WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        start=rome(2020, 4, 17, 10, 30),
        end=rome(2020, 4, 17, 12, 0),
        contact_email="simona.taraschi@cgm.coop",
    )


def test_a_past_webinar_page_speaks_in_the_past_tense(client, past_webinar):
    page = soup(client.get(past_webinar.url))
    assert text_of(page.select_one(".webinar__when")) == (
        "Si è svolto venerdì 17 aprile 2020, 10:30–12:00"
    )
    conditions = text_of(page.select_one(".webinar__conditions"))
    assert "Il webinar si è svolto tramite l’applicazione Microsoft Teams." in conditions
    assert "La formazione era gratuita" in conditions
    assert "Gli iscritti hanno ricevuto" in conditions
    assert text_of(page.select_one("#agenda-heading")) == "Nel webinar abbiamo approfondito"
    assert "Per informazioni scrivere a" in text_of(page.select_one(".webinar__info"))
    text = page.select_one("article.webinar").get_text()
    for future in ("si svolgerà", "riceveranno", "approfondiremo", "informazioni e iscrizioni"):
        assert future not in text


def test_an_upcoming_webinar_page_keeps_the_future_tense(client, webinar_tree):
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index)
    page = soup(client.get(webinar.url))
    assert not text_of(page.select_one(".webinar__when")).startswith("Si è svolto")
    text = page.get_text()
    assert "Il webinar si svolgerà tramite l’applicazione Microsoft Teams." in text
    assert "Nel webinar approfondiremo" in text
    assert "si è svolto" not in text.lower()


def test_a_cancelled_webinar_never_took_place(client, webinar_tree):
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        start=days_from_now(-3),
        end=days_from_now(-3, 12),
        status=WebinarPage.Status.CANCELLED,
    )
    page = soup(client.get(webinar.url))
    assert "si è svolto" not in page.get_text().lower()
    assert page.select_one(".registration-state--cancelled")


def card_when(client, title) -> str:
    for card in soup(client.get("/webinar/")).select(".card--webinar"):
        if text_of(card.select_one(".card__title")) == title:
            return text_of(card.select_one(".card__when"))
    raise AssertionError(f"no card for {title}")


def test_past_cards_speak_in_the_past_tense(client, webinar_tree, past_webinar):
    upcoming = WebinarPageFactory(parent=webinar_tree.webinar_index, title="In arrivo")
    assert (
        card_when(client, past_webinar.title) == "Si è svolto venerdì 17 aprile 2020, 10:30–12:00"
    )
    assert card_when(client, upcoming.title) == upcoming.when_label


def test_a_card_kept_in_the_cache_changes_tense_when_the_webinar_ends(client, webinar_tree):
    """The card's fragment is kept for a day: ending (no edit, no publish) renews it."""
    webinar = WebinarPageFactory(parent=webinar_tree.webinar_index, title="Appena finito")
    client.cookies["sessionid"] = "any"  # past the page cache, to the card's fragment
    assert not card_when(client, webinar.title).startswith("Si è svolto")
    start = timezone.now() - timedelta(hours=2)
    WebinarPage.objects.filter(pk=webinar.pk).update(start=start, end=start + timedelta(hours=1))
    assert card_when(client, webinar.title).startswith("Si è svolto ")


# Dates: one place ------------------------------------------------------------------------


def test_a_day_and_a_time_range():
    assert schedule_label(rome(2026, 12, 1, 10, 0), rome(2026, 12, 1, 13, 0)) == (
        "martedì 1 dicembre 2026, 10:00–13:00"
    )


def test_a_range_across_days():
    assert schedule_label(rome(2026, 11, 30, 10, 0), rome(2026, 12, 1, 13, 0)) == (
        "da lunedì 30 novembre 2026, 10:00 a martedì 1 dicembre 2026, 13:00"
    )


def test_a_range_is_in_italian_time_whatever_the_stored_zone():
    # 23:30 UTC on 30 November is 00:30 in Rome on 1 December.
    start = rome(2026, 12, 1, 0, 30).astimezone(UTC)
    assert schedule_label(start, start + timedelta(hours=1)) == (
        "martedì 1 dicembre 2026, 00:30–01:30"
    )


def test_page_and_calendar_file_write_the_dates_alike(client, webinar_tree):
    webinar = WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        start=rome(2099, 11, 30, 10, 0),
        end=rome(2099, 12, 1, 13, 0),
    )
    label = "da lunedì 30 novembre 2099, 10:00 a martedì 1 dicembre 2099, 13:00"
    page = soup(client.get(webinar.url))
    assert text_of(page.select_one(".webinar__when")) == label
    response = client.get(f"{webinar.url}calendario.ics")
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["DESCRIPTION"]).startswith(label + "\n\n")
