"""Who may register, the registrations themselves and every e-mail sent about them."""

from registrations.models.emails import EmailMessage, SuppressedAddress
from registrations.models.members import AllowedAddress, MemberDomain, MemberOrganisation
from registrations.models.registrations import Registration

__all__ = [
    "AllowedAddress",
    "EmailMessage",
    "MemberDomain",
    "MemberOrganisation",
    "Registration",
    "SuppressedAddress",
]
