"""Admin hooks for webinars."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from wagtail import hooks

from events.models import WebinarPage


@hooks.register("before_bulk_action")
def refuse_bulk_publishing_incoherent_webinars(request, action_type, objects, action_class):
    """Bulk "Publish" skips the edit form: check the webinars' publishing rules here."""
    if action_type != "publish":
        return None
    refused = []
    for page in objects:
        if not isinstance(page.specific, WebinarPage):
            continue
        revision = page.get_latest_revision()
        candidate = revision.as_object() if revision else page.specific
        if candidate.publishing_errors():
            refused.append(candidate.title)
    if not refused:
        return None
    messages.error(
        request,
        _("Not published: these webinars have incoherent data, open each one to fix it: %s")
        % ", ".join(f"«{title}»" for title in refused),
    )
    return redirect(request.GET.get("next") or "wagtailadmin_explore_root")
