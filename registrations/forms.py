"""The sign-up form on a webinar page."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from events import questions as webinar_questions
from registrations.membership import normalise_email

NO_LINE_BREAKS = _("Line breaks are not allowed here.")
NO_INVISIBLE = _("Remove the invisible or control characters (they may come from copying text).")
# What str.splitlines() ends a line at (CR, LF, VT, FF, FS, GS, RS, NEL, LS, PS), and NUL.
FORBIDDEN_CHARACTERS = frozenset("\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029\x00")
# Control, format (bidirectional overrides such as U+202E, zero-width U+200B, U+FEFF),
# surrogate, private-use and unassigned characters: a name that reads one way on screen
# and another in a list or an e-mail.
INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# RFC 5321 4.5.3.1.1: the part of an address before "@" has at most 64 octets.
MAX_LOCAL_PART = 64
MAX_ADDRESS = 254


def clean_person_email(value: str) -> str:
    """A person's address as every form keeps it (``normalise_email``), or a
    ``ValidationError`` for one that Django's ``EmailField`` lets through but no
    mailbox can have (``a@[127.0.0.1]``, a domain IDNA refuses such as ``xn--zz.com``)."""
    try:
        email = normalise_email(value)
    except ValueError as error:
        raise forms.ValidationError(_("Enter a valid e-mail address.")) from error
    # An internationalised domain grows in its ASCII ("xn--") form: the stored
    # address must still fit the 254 characters of the database column.
    if len(email) > MAX_ADDRESS:
        raise forms.ValidationError(_("Enter a valid e-mail address."))
    if len(email.rpartition("@")[0].encode()) > MAX_LOCAL_PART:
        raise forms.ValidationError(
            _("The part of the address before “@” can be at most 64 characters long.")
        )
    return email


def has_invisible(value: str) -> bool:
    return any(unicodedata.category(character) in INVISIBLE_CATEGORIES for character in value)


# The consent's label is a whole sentence: the error summary names it shortly.
SUMMARY_LABELS = {"privacy_consent": _("Privacy policy")}


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

    def __init__(self, *args, webinar=None, **kwargs):
        super().__init__(*args, **kwargs)
        # The webinar's own questions (events.questions), before the consent.
        self.questions = webinar_questions.questions_of(webinar) if webinar is not None else []
        fields = dict(self.fields)
        tail = {name: fields.pop(name) for name in ("privacy_consent", "website")}
        for question in self.questions:
            fields[question_field_name(question)] = question_field(question)
        self.fields = {**fields, **tail}

    def clean(self):
        cleaned_data = super().clean()
        multiline = {
            question_field_name(question)
            for question in self.questions
            if question.kind == "long_text"
        }
        # add_error() removes the field from cleaned_data: iterate over a copy.
        for name, value in list(cleaned_data.items()):
            if not isinstance(value, str):
                continue
            if name in multiline:
                value = value.replace("\r\n", "\n").replace("\n", "")
            if not FORBIDDEN_CHARACTERS.isdisjoint(value):
                self.add_error(name, NO_LINE_BREAKS)
            elif has_invisible(value):
                self.add_error(name, NO_INVISIBLE)
        return cleaned_data

    def answers(self) -> list[dict]:
        """What ``Registration.answers`` keeps: each question with its wording of today."""
        return [
            {
                "id": question.id,
                "kind": question.kind,
                "question": question.label,
                "answer": self.cleaned_data.get(question_field_name(question)) or "",
            }
            for question in self.questions
        ]

    def clean_email(self):
        return clean_person_email(self.cleaned_data["email"])

    def error_summary(self) -> list[dict]:
        """Every error, in the order of the form: the summary at the top of the form.

        Each names its field (``id``, what the input's ``id`` and the summary's link
        ``#id_email`` are) and label; an error about no single field has no ``id``. The
        trap for bots is left out: people never see it.
        """
        items = [{"id": "", "label": "", "message": error} for error in self.non_field_errors()]
        for field in self:
            if field.name == "website":
                continue
            label = SUMMARY_LABELS.get(field.name, field.label)
            items += [
                {"id": field.auto_id, "label": label, "message": error} for error in field.errors
            ]
        return items

    @property
    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


YES_NO = [("sì", _("Yes")), ("no", _("No"))]


def question_field_name(question) -> str:
    return f"question_{question.id}"


def question_field(question) -> forms.Field:
    """The form field that asks one of the webinar's questions."""
    common = {"label": question.label, "help_text": question.help_text}
    common["required"] = question.required
    if question.kind == "short_text":
        return forms.CharField(max_length=webinar_questions.SHORT_ANSWER_LENGTH, **common)
    if question.kind == "long_text":
        return forms.CharField(
            max_length=webinar_questions.LONG_ANSWER_LENGTH,
            widget=forms.Textarea(attrs={"rows": 4}),
            **common,
        )
    if question.kind == "single_choice":
        return forms.ChoiceField(
            choices=[(choice, choice) for choice in question.choices],
            widget=forms.RadioSelect,
            **common,
        )
    if question.kind == "multiple_choice":
        return forms.MultipleChoiceField(
            choices=[(choice, choice) for choice in question.choices],
            widget=forms.CheckboxSelectMultiple,
            **common,
        )
    return forms.ChoiceField(choices=YES_NO, widget=forms.RadioSelect, **common)
