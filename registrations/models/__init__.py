"""Who may register, the registrations, attendance, certificates and every e-mail sent."""

from registrations.models.attempts import LinkRequest, SignupAttempt
from registrations.models.attendance import AttendanceRecord, Certificate
from registrations.models.emails import EmailMessage, SuppressedAddress
from registrations.models.links import PersonLink
from registrations.models.members import AllowedAddress, MemberDomain, MemberOrganisation
from registrations.models.messages import StaffMessage
from registrations.models.registrations import Registration

__all__ = [
    "AllowedAddress",
    "AttendanceRecord",
    "Certificate",
    "EmailMessage",
    "LinkRequest",
    "MemberDomain",
    "MemberOrganisation",
    "PersonLink",
    "Registration",
    "SignupAttempt",
    "StaffMessage",
    "SuppressedAddress",
]
