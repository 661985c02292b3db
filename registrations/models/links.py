"""The links to «Le mie iscrizioni»: what a token opens, kept where the token is not."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PersonLink(models.Model):
    """One e-mailed link to a person's registrations.

    The token in the link is random and says nothing of the person; the row keeps only
    its SHA-256 digest, so the table cannot be turned back into working links. A link
    expires ``MY_REGISTRATIONS_LINK_HOURS`` after it was made (``registrations.tokens``)
    and its row is deleted by the retention purge, or with the person's data.
    """

    digest = models.CharField(max_length=64, unique=True, editable=False)
    email = models.EmailField(_("e-mail"), max_length=254, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("«My registrations» link")
        verbose_name_plural = _("«My registrations» links")

    def __str__(self):
        return self.email
