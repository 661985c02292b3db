"""Template helpers for the site shell: Italian dates and page metadata."""

from django import template
from django.utils import dateformat, timezone

register = template.Library()


@register.filter
def long_date(value, with_weekday=False):
    """Format a date as «21 aprile 2020» (or «martedì 21 aprile 2020»), lowercase.

    Django's Italian catalogue capitalises month and day names, as for a
    heading; in running text Italian keeps them lowercase.
    """
    if not value:
        return ""
    if hasattr(value, "hour") and timezone.is_aware(value):
        value = timezone.localtime(value)
    return dateformat.format(value, "l j F Y" if with_weekday else "j F Y").lower()


@register.simple_tag(takes_context=True)
def absolute_url(context, path: str) -> str:
    """An absolute URL for ``path`` on the current request's host."""
    request = context.get("request")
    if not path or path.startswith(("http://", "https://")) or request is None:
        return path
    return request.build_absolute_uri(path)
