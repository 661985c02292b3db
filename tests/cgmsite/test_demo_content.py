"""``manage.py load_demo_content``: the seed site, and a second run that changes nothing."""

import re
from io import StringIO

from django.core.management import call_command

from wagtail.documents import get_document_model
from wagtail.images import get_image_model
from wagtail.models import Page, Revision, Site

import pytest

from cgmsite.demo import seed
from events.models import WebinarPage
from news.models import ArticlePage, Category
from registrations.models import AttendanceRecord, Certificate, Registration
from tests.utils import listed_titles


def load_demo_content() -> int:
    """Run the command; return how many objects it says it created."""
    out = StringIO()
    call_command("load_demo_content", stdout=out)
    match = re.search(r"\b(\d+) objects created", out.getvalue())
    assert match, out.getvalue()
    return int(match[1])


def counts() -> dict[str, int]:
    return {
        "pages": Page.objects.count(),
        "images": get_image_model().objects.count(),
        "documents": get_document_model().objects.count(),
        "categories": Category.objects.count(),
        "revisions": Revision.objects.count(),
        "sites": Site.objects.count(),
    }


@pytest.mark.django_db
def test_demo_content_builds_the_seed_site_once(client):
    created = load_demo_content()

    seed_titles = [article["title"] for article in seed.ARTICLES]
    assert len(seed_titles) == 5
    assert sorted(ArticlePage.objects.live().values_list("title", flat=True)) == sorted(seed_titles)
    assert sorted(Category.objects.values_list("name", flat=True)) == [
        "Educazione",
        "Finanza",
        "Formazione",
        "News",
        "Welfare",
    ]
    site = Site.objects.get(is_default_site=True)
    assert (site.hostname, site.port) == ("testserver", 80)
    assert created > 0

    news = client.get("/notizie/")
    assert news.status_code == 200
    assert set(seed_titles) <= set(listed_titles(news))

    welfare_articles = sorted(
        (article for article in seed.ARTICLES if "welfare" in article["categories"]),
        key=lambda article: article["date"],
        reverse=True,
    )
    response = client.get("/notizie/categoria/welfare/")
    assert response.status_code == 200
    assert listed_titles(response) == [article["title"] for article in welfare_articles]

    for article in ArticlePage.objects.live():
        response = client.get(article.url)
        assert response.status_code == 200, article.url
        assert article.title.encode() in response.content

    before = counts()
    created_again = load_demo_content()

    assert counts() == before
    assert created_again == 0


@pytest.mark.django_db
def test_the_past_seed_webinar_has_attendance_and_a_certificate_to_open(client):
    load_demo_content()
    webinar = WebinarPage.objects.get(slug="imprese-sociali-educazione")
    attended = Registration.objects.filter(webinar=webinar, attendance="attended")
    assert sorted(r.full_name for r in attended) == ["Chiara Ferri", "Luca Marino"]
    # The guest who joined without an e-mail waits for staff to confirm the name match.
    assert AttendanceRecord.objects.get(display_name__startswith="Davide").match == "proposed"
    certificate = Certificate.objects.get(name="Chiara Ferri")
    pdf = client.get(f"/attestati/{certificate.download_token}/")
    assert pdf["Content-Type"] == "application/pdf"
    load_demo_content()  # a second run adds no registrant and no certificate
    assert Certificate.objects.count() == 2


@pytest.mark.django_db
def test_with_graph_the_upcoming_demo_webinar_gets_its_meeting(
    graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        load_demo_content()
    webinar = WebinarPage.objects.get(slug="webinar-di-prova-iscrizioni")
    assert webinar.creates_teams_meeting and webinar.teams_join_url == ""
    (meeting,) = graph.meetings.values()
    assert meeting["subject"] == webinar.title
    assert webinar.meeting_join_url == meeting["joinWebUrl"]
    # The seed webinars keep their pasted (placeholder) links.
    assert not WebinarPage.objects.exclude(pk=webinar.pk).filter(teams_join_url="").exists()
