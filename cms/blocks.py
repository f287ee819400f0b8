"""StreamField blocks for course content (modules) and question pools (quizzes).

Lesson blocks each have an icon, a template and a description. Question blocks
are never rendered by a template: the quiz view draws from the pool and renders
only the question text and options, so which options are correct never reaches
the page before an attempt is submitted.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from wagtail import blocks
from wagtail.blocks.struct_block import StructBlockValidationError
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageBlock

# --- Lesson content -------------------------------------------------------------


class RichTextBlock(blocks.RichTextBlock):
    class Meta:
        icon = "pilcrow"
        template = "cms/blocks/rich_text.html"
        # Without a label, Wagtail shows the block's name ("Text") untranslated.
        label = _("Text")
        description = _("Paragraphs, headings, lists and links.")
        features = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "hr"]


class FigureBlock(blocks.StructBlock):
    image = ImageBlock()
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=200)

    class Meta:
        icon = "image"
        template = "cms/blocks/figure.html"
        label = _("Image")
        description = _("An image with alternative text and an optional caption.")


class DocumentBlock(blocks.StructBlock):
    document = DocumentChooserBlock(label=_("Document"))
    title = blocks.CharBlock(
        label=_("Link text"),
        required=False,
        max_length=120,
        help_text=_("Defaults to the document's title."),
    )

    class Meta:
        icon = "doc-full"
        template = "cms/blocks/document.html"
        label = _("Document")
        description = _("A downloadable document such as the full text of a rule.")


class VideoBlock(blocks.StructBlock):
    file = DocumentChooserBlock(
        label=_("Video file"),
        required=False,
        help_text=_("An MP4 file from the document library (plays on any phone)."),
    )
    url = EmbedBlock(
        label=_("Or a video address"),
        required=False,
        help_text=_("A page of a video service that supports embedding."),
    )
    caption = blocks.CharBlock(label=_("Caption"), required=False, max_length=200)
    transcript = blocks.TextBlock(
        label=_("Transcript"),
        required=False,
        help_text=_("What is said in the video, for staff who cannot play sound."),
    )

    class Meta:
        icon = "media"
        template = "cms/blocks/video.html"
        label = _("Video")
        description = _("A short video, uploaded or embedded, with a transcript.")

    def clean(self, value):
        value = super().clean(value)
        if bool(value.get("file")) == bool(value.get("url")):
            raise StructBlockValidationError(
                non_block_errors=[
                    ValidationError(_("Choose either a video file or an address."))
                ]
            )
        return value


class KeyPointsBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), default=_("Key points"), max_length=80)
    points = blocks.ListBlock(
        blocks.CharBlock(label=_("Point"), max_length=300),
        label=_("Points"),
        min_num=1,
    )

    class Meta:
        icon = "pick"
        template = "cms/blocks/key_points.html"
        label = _("Key points")
        description = _("A highlighted box with the few things to remember.")


class ProcedureStepBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Step"), max_length=80)
    text = blocks.TextBlock(label=_("What to do"), required=False)


class ProcedureBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), max_length=120)
    steps = blocks.ListBlock(ProcedureStepBlock(), label=_("Steps"), min_num=2)

    class Meta:
        icon = "list-ol"
        template = "cms/blocks/procedure.html"
        label = _("Procedure")
        description = _(
            "Numbered steps, e.g. accept, handle, reply, follow up for "
            "first-inquiry responsibility."
        )


class DoDontBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("Title"), required=False, max_length=120)
    do = blocks.ListBlock(blocks.CharBlock(max_length=300), label=_("Do"), min_num=1)
    dont = blocks.ListBlock(
        blocks.CharBlock(max_length=300), label=_("Don't"), min_num=1
    )

    class Meta:
        icon = "tasks"
        template = "cms/blocks/do_dont.html"
        label = _("Do and don't")
        description = _(
            "What good service looks like, side by side with what to avoid."
        )


class OptionBlock(blocks.StructBlock):
    text = blocks.CharBlock(label=_("Option"), max_length=300)
    correct = blocks.BooleanBlock(label=_("Correct"), required=False)


# A new question starts with the two options it needs at least, not one.
TWO_OPTIONS = [{"text": "", "correct": False}, {"text": "", "correct": False}]


def _check_options(options, *, single: bool) -> list[ValidationError]:
    errors = []
    if len(options) < 2:
        errors.append(ValidationError(_("A question needs at least two options.")))
    correct = sum(1 for option in options if option.get("correct"))
    if correct == 0:
        errors.append(ValidationError(_("Mark at least one option as correct.")))
    elif single and correct != 1:
        errors.append(
            ValidationError(
                _("A single-choice question has exactly one correct option.")
            )
        )
    return errors


class SelfCheckBlock(blocks.StructBlock):
    question = blocks.CharBlock(label=_("Question"), max_length=300)
    options = blocks.ListBlock(
        OptionBlock(), label=_("Options"), min_num=2, default=TWO_OPTIONS
    )
    explanation = blocks.TextBlock(label=_("Explanation"), required=False)

    class Meta:
        icon = "help"
        template = "cms/blocks/self_check.html"
        label = _("Self-check")
        description = _(
            "A question to think about; it does not count towards the quiz."
        )

    def clean(self, value):
        value = super().clean(value)
        errors = _check_options(value["options"], single=False)
        if errors:
            raise StructBlockValidationError(non_block_errors=errors)
        return value


class LessonBlock(blocks.StreamBlock):
    text = RichTextBlock()
    image = FigureBlock()
    document = DocumentBlock()
    video = VideoBlock()
    key_points = KeyPointsBlock()
    procedure = ProcedureBlock()
    do_dont = DoDontBlock()
    self_check = SelfCheckBlock()


# --- Question pool ----------------------------------------------------------------


class _QuestionBlock(blocks.StructBlock):
    text = blocks.TextBlock(label=_("Question"))
    explanation = blocks.TextBlock(
        label=_("Explanation"),
        required=False,
        help_text=_("Shown with the answers after the attempt is submitted."),
    )
    weight = blocks.IntegerBlock(
        label=_("Weight"), default=1, min_value=1, max_value=10
    )


class ChoiceQuestionBlock(_QuestionBlock):
    options = blocks.ListBlock(
        OptionBlock(), label=_("Options"), min_num=2, default=TWO_OPTIONS
    )
    single = True

    def clean(self, value):
        value = super().clean(value)
        errors = _check_options(value["options"], single=self.single)
        if errors:
            raise StructBlockValidationError(non_block_errors=errors)
        return value


class SingleChoiceBlock(ChoiceQuestionBlock):
    single = True

    class Meta:
        icon = "radio-full"
        label = _("Single choice")
        description = _("One correct option among several.")


class MultipleChoiceBlock(ChoiceQuestionBlock):
    single = False

    class Meta:
        icon = "tick"
        label = _("Multiple choice")
        description = _("Every correct option must be chosen, and no wrong one.")


class TrueFalseBlock(_QuestionBlock):
    # The two options, in the order they are always shown (never shuffled).
    OPTIONS = (("true", _("True")), ("false", _("False")))

    correct = blocks.ChoiceBlock(label=_("The statement is"), choices=OPTIONS)

    class Meta:
        icon = "check"
        label = _("True or false")
        description = _("A statement that is either true or false.")


class QuestionPoolBlock(blocks.StreamBlock):
    single = SingleChoiceBlock()
    multiple = MultipleChoiceBlock()
    true_false = TrueFalseBlock()
