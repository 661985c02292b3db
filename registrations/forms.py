"""The sign-up form on a webinar page."""

from django import forms
from django.utils.translation import gettext_lazy as _

from registrations.membership import normalise_email

NO_LINE_BREAKS = _("Line breaks are not allowed here.")


class RegistrationForm(forms.Form):
    """Name, address, organisation, role and privacy consent; ``website`` traps bots."""

    first_name = forms.CharField(label=_("First name"), max_length=100)
    last_name = forms.CharField(label=_("Last name"), max_length=100)
    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        help_text=_("Use your work address at your cooperative."),
    )
    organisation = forms.CharField(
        label=_("Organisation"),
        max_length=200,
        help_text=_("The cooperative or consortium you work for."),
    )
    role = forms.CharField(label=_("Role"), max_length=150, required=False)
    privacy_consent = forms.BooleanField(
        label=_("I have read the privacy notice and agree to the processing of my data."),
        error_messages={"required": _("Please accept the privacy notice to register.")},
    )
    # Hidden from people with CSS and from screen readers; bots fill it in.
    website = forms.CharField(required=False, label=_("Leave this field empty"))

    def clean(self):
        cleaned_data = super().clean()
        for name, value in cleaned_data.items():
            if isinstance(value, str) and ("\r" in value or "\n" in value or "\x00" in value):
                self.add_error(name, NO_LINE_BREAKS)
        return cleaned_data

    def clean_email(self):
        try:
            return normalise_email(self.cleaned_data["email"])
        except ValueError as error:
            raise forms.ValidationError(_("Enter a valid e-mail address.")) from error

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))
