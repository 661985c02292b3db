"""The home page and the site-wide settings editors manage in the admin."""

from django.db import models
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cgmsite import page_cache
from cgmsite.blocks import BodyBlock
from cgmsite.restrictions import ViewRestrictionsMixin
from events.models import WebinarIndexPage, upcoming_webinars
from news.models import Category, NewsIndexPage, latest_by_category, listed_posts

HOME_WEBINARS = 3
HOME_POSTS_PER_CATEGORY = 3


class HomePage(ViewRestrictionsMixin, Page):
    """The site's root: the latest story, the upcoming webinars, the latest posts of each
    category.

    No post is listed twice: the latest story is left out of the webinars below it, and
    each category lists only posts not shown above it (a post of two categories is
    listed under the first).
    """

    intro = RichTextField(
        _("introduction"),
        blank=True,
        features=["bold", "italic", "link"],
        help_text=_("A short welcome shown at the top of the home page."),
    )

    content_panels = [*Page.content_panels, FieldPanel("intro")]
    parent_page_types = ["wagtailcore.Page"]
    subpage_types = ["news.NewsIndexPage", "events.WebinarIndexPage", "cgmsite.StandardPage"]
    max_count = 1

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        # The sections are read and rendered once per version of this address (renewed by
        # any post published or withdrawn, cgmsite.cache_map), and not past the next
        # moment a webinar changes by itself: the template keeps them as one fragment.
        context["home_version"] = SimpleLazyObject(lambda: page_cache.path_version(request.path))
        context["home_keep"] = page_cache.seconds_to_keep
        return context

    def sections(self) -> dict:
        """The latest story, the upcoming webinars, the latest posts of each category."""
        lead = listed_posts().first()
        shown = {lead.pk} if lead else set()
        webinars = list(upcoming_webinars().exclude(pk__in=shown)[:HOME_WEBINARS])
        shown |= {webinar.pk for webinar in webinars}
        categories = list(Category.objects.all())
        by_category = latest_by_category(
            categories, per_category=HOME_POSTS_PER_CATEGORY, shown=shown
        )
        return {
            "lead_post": lead,
            "upcoming_webinars": webinars,
            "category_groups": [
                (category, by_category[category.pk])
                for category in categories
                if by_category[category.pk]
            ],
            "news_index": NewsIndexPage.objects.live().first(),
            "webinar_index": WebinarIndexPage.objects.live().first(),
        }


class StandardPage(ViewRestrictionsMixin, Page):
    """A plain page of text: the privacy notice, "about us", contacts."""

    body = StreamField(BodyBlock(), verbose_name=_("body"), help_text=_("The page's text."))

    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["cgmsite.HomePage", "cgmsite.StandardPage"]
    subpage_types = ["cgmsite.StandardPage"]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    class Meta:
        verbose_name = _("standard page")


class PendingPurge(models.Model):
    """Paths whose purge could not reach the page cache (Redis down or silent), kept so
    that it is made as soon as the cache answers again (``page_cache.replay_pending``, or
    ``cache_map.replay_front_purges`` for the HTTP cache in front):
    an edit made during an outage must not leave the old page served after it."""

    paths = models.JSONField(default=list)
    # A purge of the HTTP cache in front (Varnish) that did not reach it: sent again by
    # ``run_periodic_jobs`` (``cache_map.replay_front_purges``).
    front = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return ", ".join(self.paths)


@register_setting(icon="site")
class SiteSettings(BaseSiteSetting):
    """Contact details and organiser shown in the footer and used in e-mails."""

    organisation_name = models.CharField(
        _("organisation name"),
        max_length=200,
        default="Gruppo Cooperativo CGM",
        help_text=_("Shown in the footer and as organiser of the webinars."),
    )
    contact_email = models.EmailField(
        _("contact e-mail"),
        blank=True,
        help_text=_("The address readers can write to; shown in the footer."),
    )
    phone = models.CharField(
        _("phone"), max_length=40, blank=True, help_text=_("Optional; shown in the footer.")
    )
    address = models.TextField(
        _("postal address"), blank=True, help_text=_("Optional; shown in the footer.")
    )
    vat_number = models.CharField(
        _("VAT number"),
        max_length=40,
        blank=True,
        help_text=_("The partita IVA, shown in the footer, e.g. “01234567890”."),
    )
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("privacy policy page"),
        help_text=_("Linked from the footer and from every registration form."),
    )
    accessibility_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("accessibility statement page"),
        help_text=_("The “Dichiarazione di accessibilità”, linked from the footer."),
    )
    logo = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("logo"),
        help_text=_("Shown in the header. Leave empty for the CGM logo shipped with the site."),
    )
    favicon = models.ForeignKey(
        "wagtailimages.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("favicon"),
        help_text=_(
            "The small square icon browsers show in the tab; at least 64×64 pixels. Leave "
            "empty for the one shipped with the site."
        ),
    )
    facebook_url = models.URLField(
        _("Facebook page"), blank=True, help_text=_("Its address; shown in the footer.")
    )
    linkedin_url = models.URLField(
        _("LinkedIn page"), blank=True, help_text=_("Its address; shown in the footer.")
    )
    instagram_url = models.URLField(
        _("Instagram profile"), blank=True, help_text=_("Its address; shown in the footer.")
    )
    youtube_url = models.URLField(
        _("YouTube channel"), blank=True, help_text=_("Its address; shown in the footer.")
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation_name"),
                FieldPanel("contact_email"),
                FieldPanel("phone"),
                FieldPanel("address"),
                FieldPanel("vat_number"),
            ],
            heading=_("Contacts"),
        ),
        MultiFieldPanel(
            [FieldPanel("privacy_page"), FieldPanel("accessibility_page")],
            heading=_("Footer pages"),
        ),
        MultiFieldPanel([FieldPanel("logo"), FieldPanel("favicon")], heading=_("Brand")),
        MultiFieldPanel(
            [
                FieldPanel("facebook_url"),
                FieldPanel("linkedin_url"),
                FieldPanel("instagram_url"),
                FieldPanel("youtube_url"),
            ],
            heading=_("Social networks"),
        ),
    ]

    class Meta:
        verbose_name = _("site settings")

    @property
    def social_links(self) -> list[tuple[str, str]]:
        """(network, address) of each social profile given, in a fixed order."""
        links = [
            ("Facebook", self.facebook_url),
            ("LinkedIn", self.linkedin_url),
            ("Instagram", self.instagram_url),
            ("YouTube", self.youtube_url),
        ]
        return [(name, url) for name, url in links if url]
