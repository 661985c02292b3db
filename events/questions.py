"""Questions an editor adds to a webinar's sign-up form (``WebinarPage.questions``).

Each question is a block of the page's StreamField: short text, long text, one choice,
several choices, yes/no; with a label, optional help text and "required". A block's id
(Wagtail gives every StreamField block a stable UUID) is the question's identity, so the
answers stored with a registration (``Registration.answers``) name the question they
answer, and keep its wording as it was, even if the editor later changes or removes it.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wagtail import blocks

MAX_QUESTIONS = 10
MAX_CHOICES = 20
SHORT_ANSWER_LENGTH = 200
LONG_ANSWER_LENGTH = 2000


class QuestionBlock(blocks.StructBlock):
    label = blocks.CharBlock(
        max_length=200, label=_("Question"), help_text=_("As the person reads it.")
    )
    help_text = blocks.CharBlock(
        max_length=300, required=False, label=_("Help text"), help_text=_("Optional.")
    )
    required = blocks.BooleanBlock(required=False, default=False, label=_("An answer is required"))


class ChoiceQuestionBlock(QuestionBlock):
    choices = blocks.ListBlock(
        blocks.CharBlock(max_length=150, label=_("Choice")),
        min_num=2,
        max_num=MAX_CHOICES,
        label=_("Choices"),
    )

    def clean(self, value):
        value = super().clean(value)
        names = [choice.strip().casefold() for choice in value["choices"]]
        if len(set(names)) != len(names):
            raise blocks.StructBlockValidationError(
                {"choices": ValidationError(_("Two choices are the same: make each different."))}
            )
        return value


class QuestionsBlock(blocks.StreamBlock):
    short_text = QuestionBlock(label=_("Short text"), icon="pilcrow")
    long_text = QuestionBlock(label=_("Long text"), icon="doc-full")
    single_choice = ChoiceQuestionBlock(label=_("One choice"), icon="radio-full")
    multiple_choice = ChoiceQuestionBlock(label=_("Several choices"), icon="list-ul")
    yes_no = QuestionBlock(label=_("Yes or no"), icon="tick")

    class Meta:
        max_num = MAX_QUESTIONS


@dataclass(frozen=True)
class Question:
    id: str
    kind: str
    label: str
    help_text: str
    required: bool
    choices: tuple[str, ...] = ()


def questions_of(webinar) -> list[Question]:
    """The questions of a webinar's form, in the editor's order."""
    return [
        Question(
            id=str(block.id),
            kind=block.block_type,
            label=block.value["label"],
            help_text=block.value.get("help_text") or "",
            required=bool(block.value.get("required")),
            choices=tuple(block.value.get("choices") or ()),
        )
        for block in webinar.questions
    ]
