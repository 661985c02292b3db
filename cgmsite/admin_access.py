"""Limits on signing in to the admin and on asking for a new password.

Sign-in is django-axes' (settings ``AXES_*``): this module gives its lockout page. The
password reset is Wagtail's view with two limits (django-ratelimit): per client address
(``cgmsite.net.client_ip``, through the trusted proxies) and per address typed. Over either
limit no e-mail is sent and the answer is the one of a request that went through, so the
page tells nobody whether an address has an account, nor whether a limit was hit.
"""

import logging

from django.conf import settings
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse

from wagtail.admin.views import account

from django_ratelimit.core import is_ratelimited

from cgmsite.net import client_ip

logger = logging.getLogger(__name__)


def login_locked(request, original_response, credentials):
    """django-axes' answer to a locked-out sign-in (``AXES_LOCKOUT_CALLABLE``)."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    response = TemplateResponse(
        request,
        "cgmsite/login_locked.html",
        {"minutes": minutes},
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    return response.render()


class PasswordResetView(account.PasswordResetView):
    """Wagtail's password reset (``/admin/password_reset/``), limited."""

    def form_valid(self, form):
        address = form.cleaned_data["email"].strip().lower()
        # Both limits count every request, whichever of them is already over.
        over_ip = is_ratelimited(
            self.request,
            group="admin.password_reset.ip",
            key=lambda group, request: client_ip(request),
            rate=settings.ADMIN_PASSWORD_RESET_RATE_PER_IP,
            increment=True,
        )
        over_address = is_ratelimited(
            self.request,
            group="admin.password_reset.address",
            key=lambda group, request: address,
            rate=settings.ADMIN_PASSWORD_RESET_RATE_PER_ADDRESS,
            increment=True,
        )
        if over_ip or over_address:
            logger.warning("Password reset over the limit: no e-mail sent.")
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
