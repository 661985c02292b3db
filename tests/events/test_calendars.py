"""Public calendar files: one webinar, all webinars and one category's, read with icalendar."""

from datetime import UTC, datetime

import pytest
from icalendar import Calendar

from events.models import WebinarPage
from tests.events.factories import WebinarPageFactory, days_from_now, rome
from tests.factories import CategoryFactory

SLUG = "gestione-rischio-clinico"
URL = f"http://testserver/webinar/{SLUG}/"


def get_calendar(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    return response, Calendar.from_ical(response.content)


def only_event(calendar):
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return events[0]


def local_naive(prop):
    """The wall-clock time an iCalendar date-time property states, without its zone."""
    return prop.dt.replace(tzinfo=None)


@pytest.fixture
def webinar(webinar_tree):
    return WebinarPageFactory(
        parent=webinar_tree.webinar_index,
        title="La gestione del rischio clinico nei servizi delle imprese sociali",
        slug=SLUG,
        standfirst="Gli strumenti base di risk management.",
        start=rome(2099, 4, 8, 15, 0),
        end=rome(2099, 4, 8, 16, 30),
    )


@pytest.mark.django_db
def test_webinar_calendar_is_a_downloadable_ics(client, webinar):
    response = client.get(f"/webinar/{SLUG}/calendario.ics")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert f'filename="{SLUG}.ics"' in disposition
    calendar = Calendar.from_ical(response.content)
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar["PRODID"]


@pytest.mark.django_db
def test_webinar_event_fields(client, webinar):
    response, calendar = get_calendar(client, f"/webinar/{SLUG}/calendario.ics")
    event = only_event(calendar)

    assert str(event["UID"]) == f"webinar-{webinar.pk}@testserver"
    assert str(event["SUMMARY"]) == webinar.title
    assert str(event["URL"]) == URL
    assert URL in str(event["DESCRIPTION"])
    assert "Gli strumenti base di risk management." in str(event["DESCRIPTION"])
    assert str(event["STATUS"]) == "CONFIRMED"
    assert int(event["SEQUENCE"]) == 0
    assert event["LAST-MODIFIED"].dt == webinar.last_published_at.replace(microsecond=0)
    assert event["DTSTAMP"]

    for name, wall_clock in (
        ("DTSTART", datetime(2099, 4, 8, 15, 0)),
        ("DTEND", datetime(2099, 4, 8, 16, 30)),
    ):
        assert event[name].params["TZID"] == "Europe/Rome"
        assert local_naive(event[name]) == wall_clock
    assert b"DTSTART;TZID=Europe/Rome:20990408T150000" in response.content
    assert b"DTEND;TZID=Europe/Rome:20990408T163000" in response.content

    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Rome"]
    assert timezones[0].walk("STANDARD")
    assert timezones[0].walk("DAYLIGHT")


@pytest.mark.django_db
def test_uid_is_stable_and_sequence_follows_a_republished_change(client, webinar):
    first = only_event(get_calendar(client, f"/webinar/{SLUG}/calendario.ics")[1])

    webinar.title = "Il rischio clinico: seconda edizione"
    webinar.save_revision().publish()
    second = only_event(get_calendar(client, f"/webinar/{SLUG}/calendario.ics")[1])

    assert str(second["UID"]) == str(first["UID"]) == f"webinar-{webinar.pk}@testserver"
    assert str(second["SUMMARY"]) == "Il rischio clinico: seconda edizione"

    webinar.sequence = 3
    webinar.save_revision().publish()
    third = only_event(get_calendar(client, f"/webinar/{SLUG}/calendario.ics")[1])
    assert int(third["SEQUENCE"]) == 3


@pytest.mark.django_db
def test_cancelled_webinar_event_is_cancelled(client, webinar_tree):
    WebinarPageFactory(parent=webinar_tree.webinar_index, slug=SLUG, status="cancelled")
    event = only_event(get_calendar(client, f"/webinar/{SLUG}/calendario.ics")[1])
    assert str(event["STATUS"]) == "CANCELLED"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (rome(2026, 10, 25, 1, 30), rome(2026, 10, 25, 4, 0)),  # clocks go back at 03:00
        (rome(2026, 3, 29, 1, 30), rome(2026, 3, 29, 4, 0)),  # clocks go forward at 02:00
    ],
    ids=["fall-back", "spring-forward"],
)
def test_times_round_trip_across_a_daylight_saving_change(client, webinar_tree, start, end):
    WebinarPageFactory(parent=webinar_tree.webinar_index, slug=SLUG, start=start, end=end)
    stored = WebinarPage.objects.get(slug=SLUG)

    calendar = get_calendar(client, f"/webinar/{SLUG}/calendario.ics")[1]
    event = only_event(calendar)

    assert event["DTSTART"].dt.astimezone(UTC) == stored.start
    assert event["DTEND"].dt.astimezone(UTC) == stored.end
    # A client that knows only the file's own VTIMEZONE gets the same instants.
    vtimezone = calendar.walk("VTIMEZONE")[0]
    own_zone = vtimezone.to_tz(lookup_tzid=False)
    for name, instant in (("DTSTART", stored.start), ("DTEND", stored.end)):
        assert local_naive(event[name]).replace(tzinfo=own_zone).astimezone(UTC) == instant
    assert stored.end - stored.start == end.astimezone(UTC) - start.astimezone(UTC)


@pytest.fixture
def calendar_webinars(webinar_tree):
    educazione = CategoryFactory(name="Educazione", slug="educazione")
    welfare = CategoryFactory(name="Welfare", slug="welfare")
    index = webinar_tree.webinar_index

    def make(title, **kwargs):
        return WebinarPageFactory(parent=index, title=title, **kwargs)

    return {
        "upcoming": make("In arrivo", start=days_from_now(10), categories=[educazione]),
        "recent": make("Recente", start=days_from_now(-30), categories=[welfare]),
        "cancelled": make(
            "Annullato", start=days_from_now(5), status="cancelled", categories=[educazione]
        ),
        "old": make("Vecchio", start=days_from_now(-100), categories=[educazione]),
        "draft": make("Bozza", start=days_from_now(12), categories=[educazione], live=False),
    }


def summaries(calendar):
    return {str(event["SUMMARY"]) for event in calendar.walk("VEVENT")}


@pytest.mark.django_db
def test_calendar_feed_has_upcoming_and_recent_webinars(client, calendar_webinars):
    response, calendar = get_calendar(client, "/webinar/calendario.ics")

    assert 'filename="' in response["Content-Disposition"]
    assert response["Content-Disposition"].endswith('.ics"')
    assert summaries(calendar) == {"In arrivo", "Recente", "Annullato"}
    statuses = {str(e["SUMMARY"]): str(e["STATUS"]) for e in calendar.walk("VEVENT")}
    assert statuses["Annullato"] == "CANCELLED"
    assert statuses["In arrivo"] == "CONFIRMED"
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert f"webinar-{calendar_webinars['upcoming'].pk}@testserver" in uids
    assert [str(tz["TZID"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Rome"]


@pytest.mark.django_db
def test_webinar_index_links_the_calendar_feed(client, calendar_webinars):
    response = client.get("/webinar/")
    assert b'href="/webinar/calendario.ics"' in response.content


@pytest.mark.django_db
def test_category_calendar_has_only_that_category(client, calendar_webinars):
    response, calendar = get_calendar(client, "/notizie/categoria/educazione/calendario.ics")
    assert summaries(calendar) == {"In arrivo", "Annullato"}
    assert response["Content-Disposition"].endswith('.ics"')

    calendar = get_calendar(client, "/notizie/categoria/welfare/calendario.ics")[1]
    assert summaries(calendar) == {"Recente"}


@pytest.mark.django_db
def test_empty_calendar_feed_is_still_a_calendar(client, webinar_tree):
    calendar = get_calendar(client, "/webinar/calendario.ics")[1]
    assert calendar.walk("VEVENT") == []


@pytest.mark.django_db
def test_unknown_webinar_or_category_calendar_is_not_found(client, webinar):
    assert client.get("/webinar/non-esiste/calendario.ics").status_code == 404
    assert client.get("/notizie/categoria/non-esiste/calendario.ics").status_code == 404
    # A known category without webinars is an empty calendar, not an error.
    CategoryFactory(name="Educazione", slug="educazione")
    assert client.get("/notizie/categoria/educazione/calendario.ics").status_code == 200


@pytest.mark.django_db
def test_calendar_files_answer_only_get(client, webinar):
    assert client.post(f"/webinar/{SLUG}/calendario.ics").status_code == 405
    assert client.post("/webinar/calendario.ics").status_code == 405
