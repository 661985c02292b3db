"""Every URL that carries a token answers a malformed token as it answers a forged one.

PostgreSQL refuses a NUL character in a query: a join link or a certificate link with
``%00`` in it was looked up as it came and answered 500. Odd characters, a huge token
and a NUL now get the page a made-up token gets, without a query that can fail.
"""

from django.urls import reverse

import pytest

pytestmark = pytest.mark.django_db

FORGED = "QUtJzGr9W2uVb4pXo1sY8dNc7eKf6gHj5iLm3nOq0rT"
MALFORMED = ["x%00", "x%00y" * 3, "%C3%A8%E2%80%AE", "a" * 600, "..", "x%0d%0aSet-Cookie:a=b"]


def token_urls(token: str) -> list[str]:
    return [
        f"/webinar/entra/{token}/",
        f"/attestati/{token}/",
        f"/iscrizioni/conferma/{token}/",
        f"/iscrizioni/annulla/{token}/",
        f"/iscrizioni/richiedi-accesso/{token}/",
        f"/iscrizioni/le-mie/{token}/",
        f"/iscrizioni/le-mie/{token}/calendario/1.ics",
        f"/attestati/verifica/{token}/",
    ]


@pytest.mark.parametrize("token", MALFORMED)
def test_a_malformed_token_is_answered_as_a_forged_one(client, site_tree, token):
    for forged_url, url in zip(token_urls(FORGED), token_urls(token), strict=True):
        forged = client.get(forged_url)
        response = client.get(url)
        assert response.status_code == forged.status_code, url
        assert response.status_code in (400, 404, 410), url
        assert response["Content-Type"] == forged["Content-Type"], url
        assert "Set-Cookie: a" not in str(response.headers)


def test_the_forged_token_pages_say_so_in_italian(client, site_tree):
    assert "Link non trovato" in client.get(f"/webinar/entra/{FORGED}x%00/").content.decode()
    page = client.get(f"/attestati/{FORGED[:10]}%00/").content.decode()
    assert "Attestato non trovato" in page
    assert reverse("join", args=[FORGED])  # the join route is the one tried above
