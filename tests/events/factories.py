"""Factories for the webinar index and webinars, built like ``tests.factories``.

``WebinarPageFactory`` publishes through a revision, as an editor pressing
"Publish" would; ``live=False`` leaves a draft that was never published. By
default a webinar starts 30 days from now at 10:30 Italian time and lasts 90
minutes, on Teams, members only, with a join link and a contact address, so it
is coherent and open for registration.
"""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone
from django.utils.text import slugify

import factory
import wagtail_factories

from events.models import WebinarIndexPage, WebinarPage, WebinarSpeaker
from tests.factories import LOCALE, PublishedPageFactory

ROME = ZoneInfo("Europe/Rome")


def rome(*args) -> datetime:
    """An aware datetime in Italian time: ``rome(2020, 4, 17, 10, 30)``."""
    return datetime(*args, tzinfo=ROME)


def days_from_now(days: int, hour: int = 10, minute: int = 30) -> datetime:
    """``days`` days from today (negative: ago) at ``hour:minute`` Italian time."""
    day = timezone.localdate() + timedelta(days=days)
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=ROME)


class WebinarIndexPageFactory(PublishedPageFactory):
    title = "Webinar"
    slug = "webinar"
    intro = "<p>Formazione online gratuita e riservata alla rete CGM.</p>"

    class Meta:
        model = WebinarIndexPage


class WebinarPageFactory(wagtail_factories.PageFactory):
    """A published webinar; ``categories=[...]`` and ``speakers=[(name, description, role)]``
    are optional. ``live=False`` leaves a draft that has never been published.
    """

    title = factory.Faker("sentence", nb_words=5, locale=LOCALE)
    slug = factory.LazyAttributeSequence(lambda o, n: f"{slugify(o.title)[:40]}-{n}")
    date = factory.LazyFunction(lambda: timezone.localdate() - timedelta(days=1))
    standfirst = factory.Faker("sentence", nb_words=12, locale=LOCALE)
    topic_area = "Sistemi di Gestione"
    abstract = factory.LazyAttribute(lambda o: f"<p>{o.paragraph}</p>")
    agenda = factory.LazyFunction(
        lambda: [("point", "Le pratiche di accoglienza"), ("point", "Il dialogo con le famiglie")]
    )
    start = factory.LazyFunction(lambda: days_from_now(30))
    end = factory.LazyAttribute(lambda o: o.start + timedelta(minutes=90))
    platform = WebinarPage.Platform.TEAMS
    teams_join_url = factory.Sequence(
        lambda n: f"https://teams.microsoft.com/l/meetup-join/19%3ameeting_test{n}%40thread.v2/0"
    )
    contact_email = "simona.taraschi@cgm.coop"
    members_only = True
    is_free = True

    class Meta:
        model = WebinarPage
        skip_postgeneration_save = True

    class Params:
        paragraph = factory.Faker("paragraph", nb_sentences=3, locale=LOCALE)

    # Categories and speakers are stored before publishing, as the admin's create view
    # does; ``update_fields`` naming only the relations commits them without another
    # plain save.

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if extracted:
            obj.categories.set(extracted)
            if create:
                obj.save(update_fields=["categories"])

    @factory.post_generation
    def speakers(obj, create, extracted, **kwargs):
        if extracted:
            obj.speakers.set(
                [
                    WebinarSpeaker(name=name, description=description, role=role, sort_order=i)
                    for i, (name, description, role) in enumerate(extracted)
                ]
            )
            if create:
                obj.save(update_fields=["speakers"])

    @factory.post_generation
    def publish(obj, create, extracted, **kwargs):
        if not create:
            return
        revision = obj.save_revision()
        if obj.live:
            revision.publish()
        obj.refresh_from_db()
