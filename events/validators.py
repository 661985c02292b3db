"""Validation of Microsoft Teams meeting links."""

from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Hosts that serve Teams meetings: commercial, consumer, and the US government clouds.
TEAMS_HOSTS = {
    "teams.microsoft.com",
    "teams.live.com",
    "gov.teams.microsoft.us",
    "dod.teams.microsoft.us",
    "teams.microsoft.us",
}
TEAMS_PATH_PREFIXES = ("/l/meetup-join/", "/meet/", "/l/meeting/")


def validate_teams_join_url(value: str) -> None:
    """Accept only an https link to a Teams meeting, e.g. https://teams.microsoft.com/l/meetup-join/…"""
    parts = urlsplit(value.strip())
    host = (parts.hostname or "").rstrip(".").lower()
    if (
        parts.scheme != "https"
        or host not in TEAMS_HOSTS
        or not parts.path.startswith(TEAMS_PATH_PREFIXES)
        or parts.username
        or parts.password
    ):
        raise ValidationError(
            _(
                "This is not a Microsoft Teams meeting link. Copy it from the meeting in "
                "Teams or Outlook: it starts with https://teams.microsoft.com/l/meetup-join/ "
                "or https://teams.microsoft.com/meet/."
            ),
            code="invalid_teams_url",
        )
