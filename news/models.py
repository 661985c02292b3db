"""The newsroom: categories, articles and the news index.

Every post (an article here, a webinar announcement in ``events``) is a
``PostPage``: one concrete table holding what a listing needs (title, date,
standfirst, hero image, categories). The news stream, the category pages, the
feeds and search query that table once, so they run a constant number of SQL
queries however many posts there are, and webinars join the stream by
subclassing ``PostPage``.
"""

import hashlib
from collections.abc import Sequence

from django import forms
from django.conf import settings
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import models
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.dispatch import receiver
from django.shortcuts import get_object_or_404
from django.utils import dateformat
from django.utils.functional import SimpleLazyObject, cached_property
from django.utils.translation import gettext_lazy as _

from modelcluster.fields import ParentalKey, ParentalManyToManyField
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.contrib.routable_page.models import RoutablePageMixin, path
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Orderable, Page
from wagtail.search import index
from wagtail.signals import page_published
from wagtail.snippets.models import register_snippet

from cgmsite import page_cache
from cgmsite.blocks import BodyBlock
from cgmsite.restrictions import ViewRestrictionsMixin


@register_snippet
class Category(index.Indexed, models.Model):
    """A site-wide topic (Educazione, Welfare, …) shared by articles and webinars."""

    name = models.CharField(
        _("name"), max_length=80, unique=True, help_text=_("As readers see it, e.g. “Welfare”.")
    )
    slug = models.SlugField(
        _("slug"),
        max_length=80,
        unique=True,
        help_text=_("Used in the address: /notizie/categoria/<slug>/. Lowercase, no spaces."),
    )
    description = models.TextField(
        _("description"),
        blank=True,
        help_text=_("A sentence or two shown at the top of the category page."),
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("description")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


@register_snippet
class Author(index.Indexed, models.Model):
    """Someone who writes for the site; each author has a page listing their articles."""

    name = models.CharField(_("name"), max_length=120, help_text=_("Full name."))
    slug = models.SlugField(
        _("slug"),
        max_length=120,
        unique=True,
        help_text=_("Used in the address: /notizie/autori/<slug>/. Lowercase, no spaces."),
    )
    role = models.CharField(
        _("role"),
        max_length=200,
        blank=True,
        help_text=_("Optional, e.g. “Presidente Gruppo Cooperativo CGM”."),
    )
    photo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("photo"),
        help_text=_("Optional; a portrait shown on the author's page."),
    )

    panels = [FieldPanel("name"), FieldPanel("slug"), FieldPanel("role"), FieldPanel("photo")]
    search_fields = [index.SearchField("name"), index.AutocompleteField("name")]

    class Meta:
        ordering = ["name"]
        verbose_name = _("author")
        verbose_name_plural = _("authors")

    def __str__(self):
        return f"{self.name}, {self.role}" if self.role else self.name


# The languages a photo credit is written in; an English one is marked lang="en".
CREDIT_LANGUAGES = [("it", _("Italian")), ("en", _("English"))]


class PostPage(ViewRestrictionsMixin, Page):
    """What articles and webinar announcements have in common; never created directly."""

    date = models.DateField(
        _("publication date"),
        help_text=_("Shown on the post and used to order the news, newest first."),
    )
    standfirst = models.TextField(
        _("standfirst"),
        blank=True,
        max_length=500,
        help_text=_("One or two sentences under the title; also used in listings and feeds."),
    )
    categories = ParentalManyToManyField(
        Category,
        blank=True,
        related_name="posts",
        verbose_name=_("categories"),
        help_text=_("One or more categories; the post appears on each category page."),
    )
    hero_image = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("main image"),
        help_text=_("Shown at the top of the post and in listings. Give it a description (alt)."),
    )
    hero_image_credit = models.CharField(
        _("photo credit"),
        max_length=255,
        blank=True,
        help_text=_("For example “Photo by cottonbro from Pexels”."),
    )
    hero_image_credit_lang = models.CharField(
        _("language of the photo credit"),
        max_length=2,
        choices=CREDIT_LANGUAGES,
        default="it",
        help_text=_("English credits (“Photo by … from Pexels”) are read out in English."),
    )

    is_creatable = False
    parent_page_types = []
    subpage_types = []

    search_fields = [
        *Page.search_fields,
        index.SearchField("standfirst"),
        index.RelatedFields("categories", [index.SearchField("name")]),
        index.FilterField("date"),
    ]

    class Meta:
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        # Listings walk this index newest first and stop at the page they show, instead
        # of joining and sorting every post (docs/benchmarks.md).
        indexes = [models.Index(fields=["date"], name="news_post_date_idx")]

    @property
    def card_date(self):
        """The date a card shows: a webinar's own day (``event_start``, see
        ``listed_posts``), otherwise the publication date."""
        return getattr(self, "event_start", None) or self.date

    @property
    def summary(self) -> str:
        return self.standfirst or self.search_description

    @property
    def kind_label(self) -> str:
        """The badge shown on cards: "Articolo", "Webinar"."""
        return self.specific_class._meta.verbose_name if self.specific_class else ""


@receiver(page_published)
def reindex_published_post(sender, instance, **kwargs):
    """Index a post again once it is published with its categories and authors.

    Wagtail indexes a page from ``post_save``, which fires before modelcluster
    saves the page's categories and authors; with django-tasks' immediate
    backend the index would keep the previous ones, so a search for a category
    an editor has just given a post would miss it.
    """
    if isinstance(instance, PostPage):
        from wagtail.search.tasks import insert_or_update_object_task

        insert_or_update_object_task.enqueue(
            instance._meta.app_label, instance._meta.model_name, str(instance.pk)
        )


# Newest first; ties (posts of the same day) by first publication, then by id.
NEWEST_FIRST = ("-date", "-first_published_at", "-id")
# Webinars (``events.WebinarPage``, a subclass of PostPage) show their own day on a card,
# read through the post table's reverse one-to-one to theirs: news imports nothing of
# events.
EVENT_START = "webinarpage__start"


def listed_posts(*, images: bool = True):
    """Published, public posts with what a card needs, newest first.

    The related lookups are prefetched so that rendering a page of cards costs
    the same few queries whether it shows 1 post or 12. ``images=False`` leaves out the
    hero images and their renditions, for lists that show none (feeds).
    """
    posts = PostPage.objects.live().public().order_by(*NEWEST_FIRST)
    if not images:
        return posts.prefetch_related("categories")
    return (
        posts.select_related("hero_image")
        .prefetch_related("categories", "hero_image__renditions")
        .annotate(event_start=F(EVENT_START))
    )


def latest_by_category(categories, *, per_category: int, shown=()) -> dict[int, list]:
    """The newest posts of each category, ``per_category`` at most, none listed twice.

    A post with several categories goes to the first of ``categories`` (in their
    order) that has room for it; posts in ``shown`` (already on the page) are left out.
    Two queries (three with the cards' prefetches) whatever the number of posts and
    categories: a window function ranks each category's posts newest first, and
    only the ranks that can still be needed are read.
    """
    categories = list(categories)
    shown = set(shown)
    # Each category may lose at most the posts already shown and those the categories
    # before it took: reading that many more than it shows is always enough.
    depth = per_category * len(categories) + len(shown)
    through = PostPage.categories.through
    ranked = (
        through.objects.filter(
            category__in=[category.pk for category in categories],
            postpage__in=PostPage.objects.live().public().values("pk"),
        )
        .annotate(
            rank=Window(
                RowNumber(),
                partition_by=[F("category_id")],
                order_by=[F(f"postpage__{field.lstrip('-')}").desc() for field in NEWEST_FIRST],
            )
        )
        .filter(rank__lte=depth)
        .order_by("category_id", "rank")
        .values_list("category_id", "postpage_id")
    )
    candidates: dict[int, list[int]] = {}
    for category_id, post_id in ranked:
        candidates.setdefault(category_id, []).append(post_id)
    chosen: dict[int, list[int]] = {}
    for category in categories:
        picked = []
        for post_id in candidates.get(category.pk, []):
            if len(picked) == per_category:
                break
            if post_id not in shown:
                picked.append(post_id)
                shown.add(post_id)
        chosen[category.pk] = picked
    ids = [post_id for picked in chosen.values() for post_id in picked]
    posts = {post.pk: post for post in listed_posts().filter(pk__in=ids)} if ids else {}
    return {
        category_id: [posts[post_id] for post_id in picked if post_id in posts]
        for category_id, picked in chosen.items()
    }


def paginate(request, items, per_page: int, paginator_class=Paginator, **kwargs):
    """A page of ``items``; a bad or out-of-range ``?page=`` gives a sensible page."""
    return paginator_class(items, per_page, **kwargs).get_page(request.GET.get("page"))


class PostPaginator(Paginator):
    """Pages of ``listed_posts()`` that read only the rows of the page shown.

    The page's posts are found first with a narrow query the date index serves (newest
    first, stopping at the page): their ids and versions. The posts themselves, with
    their images and categories, are loaded only if the page's cards are not already in
    the fragment cache (``PostList``). The total comes from ``count_query`` when given,
    a count that needs fewer joins than the listing.

    With ``count_path`` (the listing's address) the total is kept in the cache under
    that path's page-cache version and the site's: whatever makes the listing stale
    (a post published, moved, unpublished in it, a category edited) makes its count stale
    with it, and a category of thousands of posts is not counted on every request.
    """

    def __init__(self, object_list, per_page, count_query=None, count_path="", **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.count_query = count_query
        self.count_path = count_path

    @cached_property
    def count(self) -> int:
        query = self.count_query if self.count_query is not None else self.object_list
        if not self.count_path:
            return query.count()
        key = f"listing-count:{self.count_path}:{page_cache.path_version(self.count_path)}"
        found = cache.get(key)
        if isinstance(found, int):
            return found
        total = query.count()
        cache.set(key, total, timeout=24 * 3600)
        return total

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        versions = self.object_list.values_list("pk", "url_path", "last_published_at")
        return self._get_page(
            PostList(self.object_list, list(versions[bottom : bottom + self.per_page])),
            number,
            self,
        )


class PostList(Sequence):
    """The posts of one listing page, read from the database when first used.

    ``cache_key`` names the page's posts in their current versions (id, address, last
    publication: what ``Page.cache_key`` is made of), for a fragment cache of the cards.
    """

    def __init__(self, posts, versions):
        self._posts = posts
        self.versions = versions

    @cached_property
    def posts(self) -> list:
        ids = [pk for pk, _url_path, _published in self.versions]
        return list(self._posts.filter(pk__in=ids)) if ids else []

    @cached_property
    def cache_key(self) -> str:
        return hashlib.md5(repr(self.versions).encode(), usedforsecurity=False).hexdigest()

    def __len__(self):
        return len(self.versions)

    def __getitem__(self, index):
        # Templates try ``list["cache_key"]`` before the attribute: no loading for that.
        if not isinstance(index, int | slice):
            raise TypeError(f"PostList indices must be integers or slices, not {type(index)}")
        return self.posts[index]


def listed_count(category=None, author=None) -> models.QuerySet:
    """What ``listed_posts()`` (of a category, of an author) counts, without the post
    table's join.

    Every row of the category table is a post's (every byline an article's), so
    counting live, public pages among them gives the same number as counting the
    listing.
    """
    pages = Page.objects.live().public()
    if category is not None:
        pages = pages.filter(
            pk__in=PostPage.categories.through.objects.filter(category=category).values(
                "postpage_id"
            )
        )
    if author is not None:
        pages = pages.filter(pk__in=author_post_ids(author))
    if category is None and author is None:
        return pages.type(PostPage)
    return pages


def author_post_ids(author) -> models.QuerySet:
    return ArticleAuthor.objects.filter(author=author).values("page_id")


# How much of the original publication date is known (the day, or the month alone).
DATE_PRECISIONS = [("day", _("Day")), ("month", _("Month"))]
# Related posts under an article.
RELATED_POSTS = 3


class ArticlePage(PostPage):
    """A news article: standfirst, authors, place line, categories and a rich body."""

    place = models.CharField(
        _("place"),
        max_length=100,
        blank=True,
        help_text=_("The place line before the text, e.g. “Napoli”. Leave empty if none."),
    )
    body = StreamField(BodyBlock(), verbose_name=_("body"), help_text=_("The article’s text."))
    original_name = models.CharField(
        _("originally published in"),
        max_length=255,
        blank=True,
        help_text=_("If the article first appeared elsewhere, the name of that publication."),
    )
    original_date = models.DateField(
        _("original publication date"),
        null=True,
        blank=True,
        help_text=_("When it appeared there."),
    )
    original_date_precision = models.CharField(
        _("original date shows"),
        max_length=5,
        choices=DATE_PRECISIONS,
        default="day",
        help_text=_("“Month” when the source gives only the month: shown as “aprile 2020”."),
    )
    original_url = models.URLField(
        _("original address"),
        blank=True,
        help_text=_(
            "When the original is online: its address. Search engines are pointed to it "
            "(rel=canonical)."
        ),
    )

    parent_page_types = ["news.NewsIndexPage"]
    subpage_types = []

    search_fields = [
        *PostPage.search_fields,
        index.SearchField("body"),
        index.SearchField("place"),
        index.RelatedFields("authors", [index.SearchField("name")]),
    ]

    content_panels = [
        *Page.content_panels,
        FieldPanel("standfirst"),
        MultiFieldPanel(
            [FieldPanel("date"), FieldPanel("place"), InlinePanel("authors", label=_("Author"))],
            heading=_("Byline"),
        ),
        FieldPanel("categories", widget=forms.CheckboxSelectMultiple),
        MultiFieldPanel(
            [
                FieldPanel("hero_image"),
                FieldPanel("hero_image_credit"),
                FieldPanel("hero_image_credit_lang"),
            ],
            heading=_("Main image"),
        ),
        FieldPanel("body"),
        MultiFieldPanel(
            [
                FieldPanel("original_name"),
                FieldPanel("original_date"),
                FieldPanel("original_date_precision"),
                FieldPanel("original_url"),
            ],
            heading=_("Originally published in"),
            classname="collapsed",
        ),
    ]

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")

    @property
    def canonical_url(self) -> str:
        return self.original_url or self.full_url

    def bylines(self):
        """The article's authors in byline order, each with its Author snippet."""
        return self.authors.select_related("author")

    @property
    def original_date_label(self) -> str:
        """«1 aprile 2020», or «aprile 2020» when only the month is known."""
        if not self.original_date:
            return ""
        shape = "F Y" if self.original_date_precision == "month" else "j F Y"
        return dateformat.format(self.original_date, shape).lower()

    def related_posts(self) -> list:
        """The newest few posts sharing a category with this one, never itself.

        When a post is published or withdrawn, the articles sharing a category with it
        are purged from the page cache (``cgmsite.cache_map.related_article_paths``).
        """
        shared = PostPage.categories.through.objects.filter(
            category__in=self.categories.through.objects.filter(postpage_id=self.pk).values(
                "category_id"
            )
        ).values("postpage_id")
        return list(listed_posts().filter(pk__in=shared).exclude(pk=self.pk)[:RELATED_POSTS])

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The related posts are read and rendered once per version of this address: the
        # template keeps them as a fragment under it (a preview renders them afresh).
        context["related_version"] = SimpleLazyObject(lambda: page_cache.path_version(request.path))
        return context


class ArticleAuthor(Orderable):
    """One author of an article, in byline order."""

    page = ParentalKey(ArticlePage, on_delete=models.CASCADE, related_name="authors")
    author = models.ForeignKey(
        Author,
        on_delete=models.PROTECT,
        related_name="bylines",
        verbose_name=_("author"),
        help_text=_("Choose an author, or add one under Snippets › Authors."),
    )

    panels = [FieldPanel("author")]

    def __str__(self):
        return str(self.author)

    @property
    def name(self) -> str:
        """What search indexes of the byline (``ArticlePage.search_fields``)."""
        return self.author.name


class NewsIndexPage(ViewRestrictionsMixin, RoutablePageMixin, Page):
    """/notizie/: every post newest first, one page per category, RSS feeds."""

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("A short text shown above the list of posts."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["cgmsite.HomePage"]
    subpage_types = ["news.ArticlePage"]
    max_count = 1

    class Meta:
        verbose_name = _("news index")

    def listing_context(self, request, category=None, author=None):
        posts = listed_posts()
        if category is not None:
            posts = posts.filter(categories=category)
        if author is not None:
            posts = posts.filter(pk__in=author_post_ids(author))
        page_obj = paginate(
            request,
            posts,
            settings.NEWS_PAGE_SIZE,
            paginator_class=PostPaginator,
            count_query=listed_count(category, author),
            count_path=request.path,
        )
        canonical_url = self.get_full_url(request)
        if category is not None:
            canonical_url += self.reverse_subpage("category", args=[category.slug])
        if author is not None:
            canonical_url += self.reverse_subpage("author", args=[author.slug])
        if page_obj.number > 1:
            canonical_url += f"?page={page_obj.number}"
        return {
            "posts": page_obj,
            "category": category,
            "author": author,
            "canonical_url": canonical_url,
        }

    def get_category(self, slug: str) -> Category:
        return get_object_or_404(Category, slug=slug)

    @path("")
    def index(self, request):
        return self.render(request, context_overrides=self.listing_context(request))

    @path("categoria/<str:slug>/", name="category")
    def category(self, request, slug):
        category = self.get_category(slug)
        return self.render(
            request,
            context_overrides=self.listing_context(request, category),
            template="news/category_page.html",
        )

    @path("autori/<str:slug>/", name="author")
    def author(self, request, slug):
        author = get_object_or_404(Author.objects.select_related("photo"), slug=slug)
        return self.render(
            request,
            context_overrides=self.listing_context(request, author=author),
            template="news/author_page.html",
        )

    @path("feed/", name="feed")
    def feed(self, request):
        from news.feeds import PostFeed

        return PostFeed(self)(request)

    @path("categoria/<str:slug>/feed/", name="category_feed")
    def category_feed(self, request, slug):
        from news.feeds import PostFeed

        return PostFeed(self, self.get_category(slug))(request)
