"""Fixtures for the webinar tests: the site tree with its webinar index."""

from types import SimpleNamespace

from wagtail import hooks

import pytest

from events.models import SEATS_TAKEN_HOOK
from tests.events.factories import WebinarIndexPageFactory


@pytest.fixture
def webinar_tree(site_tree):
    """root → HomePage → NewsIndexPage "notizie" and WebinarIndexPage "webinar"."""
    return SimpleNamespace(
        **vars(site_tree), webinar_index=WebinarIndexPageFactory(parent=site_tree.home)
    )


@pytest.fixture
def seats_taken():
    """Pretend the registrations app counts ``n`` confirmed seats: ``with seats_taken(2):``."""

    def register(n):
        return hooks.register_temporarily(SEATS_TAKEN_HOOK, lambda webinar: n)

    return register
