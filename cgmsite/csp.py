"""django-csp's middleware, with the admin's own policy.

``CONTENT_SECURITY_POLICY`` (the settings) is strict: the site's own scripts and styles
only, inline scripts with the request's nonce. The Wagtail admin cannot run under it:
its templates have inline ``<script>`` blocks (inline panels, date pickers, workflow
dialogs) and ``style`` attributes, with no nonce. Under
``CONTENT_SECURITY_POLICY_ADMIN_PREFIXES`` the middleware sends
``CONTENT_SECURITY_POLICY_ADMIN`` instead: inline code allowed, everything else still
limited to the site itself (and the video providers, for previews of embeds).
"""

from django.conf import settings

from csp.middleware import CSPMiddleware as BaseCSPMiddleware
from csp.middleware import PolicyParts


class CSPMiddleware(BaseCSPMiddleware):
    """The site's policy everywhere, the admin's under the admin's paths."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        is_admin = request.path_info.startswith(settings.CONTENT_SECURITY_POLICY_ADMIN_PREFIXES)
        # A view's own policy (django-csp's @csp decorator) still wins.
        if is_admin and not report_only and parts.config is None:
            parts.config = settings.CONTENT_SECURITY_POLICY_ADMIN
        return parts
