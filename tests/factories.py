"""Factories for the site tree, categories, articles and images.

Built on ``wagtail_factories`` (as torchbox ``blog/factories.py`` does). Article
factories publish by default, through a revision, as an editor pressing
"Publish" would; pass ``live=False`` for a draft.
"""

from datetime import date
from types import SimpleNamespace

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils.text import slugify

from wagtail.models import Collection, Locale, Page, Site

import factory
import wagtail_factories
from factory.django import DjangoModelFactory

from cgmsite.models import HomePage
from news.models import ArticleAuthor, ArticlePage, Author, Category, NewsIndexPage

LOCALE = "it_IT"


class ImageFactory(wagtail_factories.ImageFactory):
    """An image in the root collection (wagtail_factories would add a root per image)."""

    title = factory.Faker("sentence", nb_words=3, locale=LOCALE)
    description = factory.Faker("sentence", nb_words=6, locale=LOCALE)
    collection = factory.LazyFunction(Collection.get_first_root_node)
    file = factory.django.ImageField(width=640, height=360, color="teal")


class CategoryFactory(DjangoModelFactory):
    name = factory.Sequence(lambda n: f"Categoria {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    description = factory.Faker("sentence", nb_words=10, locale=LOCALE)

    class Meta:
        model = Category


class AuthorFactory(DjangoModelFactory):
    """An author snippet; ``author_for(name, role)`` reuses the one of that name."""

    name = factory.Faker("name", locale=LOCALE)
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    role = ""

    class Meta:
        model = Author
        django_get_or_create = ("slug",)


class PublishedPageFactory(wagtail_factories.PageFactory):
    """A page made live through a published revision, as the admin's "Publish" does."""

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    @factory.post_generation
    def publish(obj, create, extracted, **kwargs):
        if create:
            obj.save_revision().publish()
            obj.refresh_from_db()


class HomePageFactory(PublishedPageFactory):
    title = "Gruppo Cooperativo CGM"
    slug = "home"
    intro = "<p>Notizie e webinar della rete.</p>"

    class Meta:
        model = HomePage


class NewsIndexPageFactory(PublishedPageFactory):
    title = "Notizie"
    slug = "notizie"
    intro = "<p>Articoli, riflessioni e webinar della rete CGM.</p>"

    class Meta:
        model = NewsIndexPage


class ArticlePageFactory(wagtail_factories.PageFactory):
    """A published article; ``categories=[...]`` and ``authors=[(name, role)]`` (or
    ``[Author]``) are optional; an author of the same name is reused.

    ``live=False`` leaves a draft that has never been published.
    """

    title = factory.Faker("sentence", nb_words=5, locale=LOCALE)
    slug = factory.LazyAttributeSequence(lambda o, n: f"{slugify(o.title)[:40]}-{n}")
    date = factory.Faker("date_between", start_date=date(2019, 1, 1), end_date=date(2020, 12, 31))
    standfirst = factory.Faker("sentence", nb_words=12, locale=LOCALE)
    body = factory.LazyAttribute(lambda o: [("text", f"<p>{o.paragraph}</p>")])

    class Meta:
        model = ArticlePage
        skip_postgeneration_save = True

    class Params:
        paragraph = factory.Faker("paragraph", nb_sentences=4, locale=LOCALE)

    # Categories and authors are stored before publishing, as the admin's create view
    # does (it saves the new page with them, then publishes a revision).
    # ``update_fields`` naming only the relations commits them without another
    # plain save.

    @factory.post_generation
    def categories(obj, create, extracted, **kwargs):
        if extracted:
            obj.categories.set(extracted)
            if create:
                obj.save(update_fields=["categories"])

    @factory.post_generation
    def authors(obj, create, extracted, **kwargs):
        if extracted:
            obj.authors.set(
                [
                    ArticleAuthor(author=as_author(item), sort_order=i)
                    for i, item in enumerate(extracted)
                ]
            )
            if create:
                obj.save(update_fields=["authors"])

    @factory.post_generation
    def publish(obj, create, extracted, **kwargs):
        if not create:
            return
        revision = obj.save_revision()
        # ``live=False`` makes a draft that was never published ("Save draft").
        if obj.live:
            revision.publish()
        obj.refresh_from_db()


def as_author(item) -> Author:
    if isinstance(item, Author):
        return item
    name, role = item
    return AuthorFactory(name=name, role=role)


def build_site_tree(*, hostname="testserver", port=80):
    """root → HomePage (the default site's root) → NewsIndexPage "notizie".

    Wagtail's initial migration leaves a "Welcome" page (slug "home") under the
    root, with the default Site pointing at it; the site is re-pointed to the new
    home page and the welcome page deleted.
    """
    root = Page.get_first_root_node()
    welcome_pages = list(root.get_children().exact_type(Page))
    for page in welcome_pages:
        page.slug = f"welcome-{page.pk}"
        page.save(update_fields=["slug"])
    home = HomePageFactory(parent=root)
    site = Site.objects.filter(is_default_site=True).first() or Site(is_default_site=True)
    site.hostname = hostname
    site.port = port
    site.root_page = home
    site.site_name = "Gruppo Cooperativo CGM"
    site.save()
    for page in welcome_pages:
        page.delete()
    news_index = NewsIndexPageFactory(parent=home)
    return SimpleNamespace(root=root, home=home, news_index=news_index, site=site)


def ensure_wagtail_root_rows() -> None:
    """The rows Wagtail's migrations create (locale, root page, root collection).

    A transactional test starts from a flushed database when an earlier one emptied it:
    put back what every Wagtail page and image needs.
    """
    Locale.objects.get_or_create(language_code=settings.LANGUAGE_CODE)
    if Page.get_first_root_node() is None:
        Page.add_root(
            instance=Page(
                title="Root", slug="root", content_type=ContentType.objects.get_for_model(Page)
            )
        )
    if Collection.get_first_root_node() is None:
        Collection.add_root(name="Root")
