"""The network's member organisations, their e-mail domains and an address allow-list."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel


class MemberOrganisation(ClusterableModel):
    """A cooperative or consortium of the network; its people may register for webinars."""

    name = models.CharField(
        _("name"), max_length=200, unique=True, help_text=_("As it is commonly written.")
    )
    city = models.CharField(
        _("city"), max_length=100, blank=True, help_text=_("Where it is based.")
    )
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Only the addresses of active organisations may register."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    panels = [
        FieldPanel("name"),
        FieldPanel("city"),
        FieldPanel("active"),
        InlinePanel("domains", label=_("E-mail domain")),
    ]

    class Meta:
        ordering = ["name"]
        verbose_name = _("member organisation")
        verbose_name_plural = _("member organisations")

    def __str__(self):
        return self.name


class MemberDomain(models.Model):
    """An e-mail domain that belongs to a member organisation, e.g. ``cgm.coop``."""

    organisation = ParentalKey(MemberOrganisation, on_delete=models.CASCADE, related_name="domains")
    domain = models.CharField(
        _("domain"),
        max_length=253,
        unique=True,
        help_text=_("The part after the @, e.g. cgm.coop. Stored in lowercase."),
    )
    include_subdomains = models.BooleanField(
        _("include subdomains"),
        default=False,
        help_text=_("Also accept addresses such as name@milano.cgm.coop."),
    )

    panels = [FieldPanel("domain"), FieldPanel("include_subdomains")]

    class Meta:
        ordering = ["domain"]
        verbose_name = _("member domain")
        verbose_name_plural = _("member domains")

    def __str__(self):
        return self.domain


class AllowedAddress(models.Model):
    """A person of the network whose address is on a public provider (gmail.com …)."""

    email = models.EmailField(
        _("e-mail"), unique=True, help_text=_("The exact address; stored in lowercase.")
    )
    organisation = models.ForeignKey(
        MemberOrganisation,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="allowed_addresses",
        verbose_name=_("organisation"),
        help_text=_("The member organisation the person works for."),
    )
    note = models.CharField(
        _("note"), max_length=255, blank=True, help_text=_("Why this address is allowed.")
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["email"]
        verbose_name = _("allowed address")
        verbose_name_plural = _("allowed addresses")

    def __str__(self):
        return self.email
