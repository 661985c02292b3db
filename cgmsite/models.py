"""The home page and the site-wide settings editors manage in the admin."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from wagtail.admin.panels import FieldPanel, MultiFieldPanel
from wagtail.contrib.settings.models import BaseSiteSetting, register_setting
from wagtail.fields import RichTextField, StreamField
from wagtail.models import Page
from wagtail.search import index

from cgmsite.blocks import BodyBlock
from events.models import WebinarIndexPage, upcoming_webinars
from news.models import Category, NewsIndexPage, listed_posts

HOME_POSTS = 6
HOME_WEBINARS = 3


class HomePage(Page):
    """The site's root: latest posts, upcoming webinars and the categories."""

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
        context["latest_posts"] = listed_posts()[:HOME_POSTS]
        context["categories"] = Category.objects.all()
        context["news_index"] = NewsIndexPage.objects.live().first()
        context["upcoming_webinars"] = upcoming_webinars()[:HOME_WEBINARS]
        context["webinar_index"] = WebinarIndexPage.objects.live().first()
        return context


class StandardPage(Page):
    """A plain page of text: the privacy notice, "about us", contacts."""

    body = StreamField(BodyBlock(), verbose_name=_("body"), help_text=_("The page's text."))

    content_panels = [*Page.content_panels, FieldPanel("body")]
    parent_page_types = ["cgmsite.HomePage", "cgmsite.StandardPage"]
    subpage_types = ["cgmsite.StandardPage"]
    search_fields = [*Page.search_fields, index.SearchField("body")]

    class Meta:
        verbose_name = _("standard page")


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
    privacy_page = models.ForeignKey(
        "wagtailcore.Page",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("privacy policy page"),
        help_text=_("Linked from the footer and from every registration form."),
    )

    panels = [
        MultiFieldPanel(
            [
                FieldPanel("organisation_name"),
                FieldPanel("contact_email"),
                FieldPanel("phone"),
                FieldPanel("address"),
            ],
            heading=_("Contacts"),
        ),
        FieldPanel("privacy_page"),
    ]

    class Meta:
        verbose_name = _("site settings")
