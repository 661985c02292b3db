"""«Ancora 2 posti»: the webinar page is cached for everyone, yet each confirmation or
cancellation that changes the seats left renews it, and nothing else does."""

from django.test import Client

import pytest

from registrations import services
from registrations.models import Registration
from tests.registrations.conftest import MEMBER_DOMAIN, service_data
from tests.utils import soup, text_of

pytestmark = pytest.mark.django_db


def seen(client, webinar) -> tuple[str, str]:
    response = client.get(webinar.url)
    assert response.status_code == 200
    return response["X-Page-Cache"], text_of(soup(response).select_one(".registration-state"))


def sign_up(sends_mail, webinar, address):
    with sends_mail():
        return services.registration_create(webinar=webinar, **service_data(address))


def test_each_seat_taken_or_freed_renews_the_page(small_webinar, confirmed, sends_mail):
    reader = Client()
    assert seen(reader, small_webinar)[0] == "miss"
    header, text = seen(reader, small_webinar)
    assert (header, text.endswith("Ancora 2 posti.")) == ("hit", True)

    first = confirmed(small_webinar, f"uno@{MEMBER_DOMAIN}")
    header, text = seen(reader, small_webinar)
    assert header == "miss" and text.endswith("Ancora 1 posto.")
    assert seen(reader, small_webinar) == ("hit", text)

    confirmed(small_webinar, f"due@{MEMBER_DOMAIN}")
    header, text = seen(reader, small_webinar)
    assert header == "miss" and text.startswith("Posti esauriti: lista d’attesa aperta.")

    with sends_mail():
        services.registration_cancel(registration=first)
    header, text = seen(reader, small_webinar)
    assert header == "miss" and text.endswith("Ancora 1 posto.")


def test_what_changes_no_seat_keeps_the_page(small_webinar, confirmed, sends_mail):
    reader = Client()
    # The first change after a start cannot know what the stored page shows: it purges.
    sign_up(sends_mail, small_webinar, f"prima@{MEMBER_DOMAIN}")
    seen(reader, small_webinar)
    assert seen(reader, small_webinar)[0] == "hit"

    # Signed up, not confirmed: no seat is taken, the same page.
    sign_up(sends_mail, small_webinar, f"seconda@{MEMBER_DOMAIN}")
    assert seen(reader, small_webinar)[0] == "hit"

    # Full: a third confirmation joins the waiting list; the page says the same.
    confirmed(small_webinar, f"uno@{MEMBER_DOMAIN}")
    confirmed(small_webinar, f"due@{MEMBER_DOMAIN}")
    header, full = seen(reader, small_webinar)
    assert header == "miss"
    waiting = confirmed(small_webinar, f"tre@{MEMBER_DOMAIN}")
    assert waiting.status == Registration.Status.WAITLISTED
    assert seen(reader, small_webinar) == ("hit", full)
    # Leaving the waiting list frees no seat either.
    with sends_mail():
        services.registration_cancel(registration=waiting)
    assert seen(reader, small_webinar) == ("hit", full)


def test_without_a_seat_limit_confirmations_keep_the_page(open_webinar, confirmed, sends_mail):
    reader = Client()
    confirmed(open_webinar, f"uno@{MEMBER_DOMAIN}")
    header, text = seen(reader, open_webinar)
    assert "Ancora" not in text
    assert seen(reader, open_webinar)[0] == "hit"
    confirmed(open_webinar, f"due@{MEMBER_DOMAIN}")
    assert seen(reader, open_webinar) == ("hit", text)
