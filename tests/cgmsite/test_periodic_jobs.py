"""The minute's jobs (``manage.py run_periodic_jobs``): scheduled pages go live by themselves.

An article scheduled for 23:00 was still a 404 at 23:03, because nothing ran Wagtail's
``publish_scheduled``. Here the clock moves (time-machine) and only the periodic job runs.
"""

from datetime import timedelta

from django.core.management import call_command
from django.utils import timezone

import pytest
import time_machine

from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db

TITLE = "Nuovi servizi di welfare territoriale"


def shows_article(client, path: str) -> bool:
    response = client.get(path)
    assert response.status_code == 200, path
    return TITLE in response.content.decode()


def test_a_page_scheduled_a_minute_ahead_appears_everywhere_by_itself(client, site_tree, category):
    start = timezone.now()
    article = ArticlePageFactory(
        parent=site_tree.news_index, title=TITLE, categories=[category], live=False
    )
    article.go_live_at = start + timedelta(minutes=1)
    article.save_revision().publish()  # the editor's "Publish" with a go-live date
    article.refresh_from_db()
    listings = ["/", "/notizie/", "/notizie/categoria/welfare/", "/notizie/feed/"]
    listings.append("/notizie/categoria/welfare/feed/")

    call_command("run_periodic_jobs")

    assert client.get(article.url).status_code == 404
    assert not any(shows_article(client, path) for path in listings)

    with time_machine.travel(start + timedelta(minutes=1, seconds=5), tick=True):
        call_command("run_periodic_jobs")

        assert client.get(article.url).status_code == 200
        assert all(shows_article(client, path) for path in listings)


def test_a_page_past_its_expiry_date_leaves_the_site_by_itself(client, site_tree, category):
    start = timezone.now()
    article = ArticlePageFactory(parent=site_tree.news_index, title=TITLE, categories=[category])
    article.expire_at = start + timedelta(minutes=1)
    article.save_revision().publish()
    article.refresh_from_db()
    assert client.get(article.url).status_code == 200

    with time_machine.travel(start + timedelta(minutes=1, seconds=5), tick=True):
        call_command("run_periodic_jobs")

        assert client.get(article.url).status_code == 404
        assert not shows_article(client, "/notizie/categoria/welfare/")
