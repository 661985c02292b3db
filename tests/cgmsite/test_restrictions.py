"""Private pages stay private: Wagtail's view restrictions, read once per site version by
each worker (cgmsite/restrictions.py), still protect a page, the pages below it and its
aliases the moment they are set, and stop as soon as they are lifted."""

from wagtail.models import PageViewRestriction

import pytest

from tests.factories import ArticlePageFactory

pytestmark = pytest.mark.django_db

PASSWORD_FORM = 'name="password"'


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def shows(client, page) -> str:
    """What the reader gets: "content", "password" (the form asking for it) or the status."""
    response = client.get(page.url)
    text = response.content.decode()
    if response.status_code == 200 and page.title in text:
        return "content"
    if response.status_code == 200 and PASSWORD_FORM in text:
        return "password"
    return str(response.status_code)


def test_a_section_made_private_protects_the_pages_below_it_at_once(client, site_tree, committed):
    article = ArticlePageFactory(parent=site_tree.news_index, title="Bilancio del consorzio")
    other = ArticlePageFactory(parent=site_tree.home, title="Pagina fuori dalla sezione")
    assert shows(client, article) == "content"  # the worker has read the restrictions: none
    with committed():
        restriction = PageViewRestriction.objects.create(
            page=site_tree.news_index,
            restriction_type=PageViewRestriction.PASSWORD,
            password="segreto",
        )
    assert shows(client, article) == "password"
    assert shows(client, site_tree.news_index) == "password"
    assert shows(client, other) == "content"

    with committed():
        restriction.delete()
    assert shows(client, article) == "content"


def test_an_alias_of_a_private_page_is_private_too(client, site_tree, committed):
    private = ArticlePageFactory(parent=site_tree.news_index, title="Verbale riservato")
    with committed():
        PageViewRestriction.objects.create(
            page=private, restriction_type=PageViewRestriction.PASSWORD, password="segreto"
        )
    assert shows(client, private) == "password"
    with committed():
        alias = private.create_alias(parent=site_tree.home, update_slug="verbale-copia")
    assert shows(client, alias.specific) == "password"
