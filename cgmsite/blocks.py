"""StreamField blocks shared by several page types.

Each block renders through its own template in ``templates/components/streamfield/``
and carries a ``preview_value`` so editors see a sample in the block picker
(https://docs.wagtail.org/en/stable/topics/streamfield.html#block-previews).
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from wagtail import blocks
from wagtail.documents.blocks import DocumentChooserBlock
from wagtail.embeds.blocks import EmbedBlock
from wagtail.images.blocks import ImageChooserBlock

RICH_TEXT_FEATURES = ["h2", "h3", "bold", "italic", "ol", "ul", "link", "document-link"]


class ImageWithCaptionBlock(blocks.StructBlock):
    """An image from the library, with an optional caption and credit line."""

    image = ImageChooserBlock(label=_("Image"))
    caption = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Caption"),
        help_text=_("Text shown under the image."),
    )
    credit = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Credit"),
        help_text=_("For example “Photo by cottonbro from Pexels”."),
    )

    class Meta:
        icon = "image"
        label = _("Image")
        template = "components/streamfield/image_block.html"
        description = _("An image with caption and credit.")


class QuoteBlock(blocks.StructBlock):
    """A pull quote with the name of who said it."""

    text = blocks.TextBlock(label=_("Quote"))
    attribution = blocks.CharBlock(
        required=False,
        max_length=255,
        label=_("Attribution"),
        help_text=_("Name and role, for example “Mario Sicignano, Presidente Consorzio Proodos”."),
    )

    class Meta:
        icon = "openquote"
        label = _("Quote")
        template = "components/streamfield/quote_block.html"
        preview_value = {
            "text": "Oggi più che mai siamo chiamati a mettere in campo la nostra capacità di "
            "resilienza.",
            "attribution": "Mario Sicignano, Presidente Consorzio Proodos",
        }
        description = _("A highlighted sentence and who said it.")


class CallToActionBlock(blocks.StructBlock):
    """A prominent button linking to a page of this site or to another site."""

    label = blocks.CharBlock(
        max_length=80,
        label=_("Button text"),
        help_text=_("Short and clear, for example “Scopri napoliwelfare”."),
    )
    page = blocks.PageChooserBlock(
        required=False,
        label=_("Page on this site"),
        help_text=_("Choose a page of this site or give an external address."),
    )
    url = blocks.URLBlock(
        required=False,
        label=_("External address"),
        help_text=_("Used when no page of this site is chosen."),
    )

    class Meta:
        icon = "link-external"
        label = _("Call-to-action button")
        template = "components/streamfield/cta_block.html"
        preview_value = {"label": "Scopri napoliwelfare", "url": "https://www.napoliwelfare.it"}
        description = _("A prominent button leading to another page.")

    def clean(self, value):
        value = super().clean(value)
        if not value.get("page") and not value.get("url"):
            raise blocks.StructBlockValidationError(
                block_errors={
                    "url": ValidationError(_("Choose a page of this site or give an address."))
                }
            )
        return value


class DocumentLinkBlock(blocks.StructBlock):
    """A link to download a document from the library (a programme, a report)."""

    document = DocumentChooserBlock(label=_("Document"))
    label = blocks.CharBlock(
        required=False,
        max_length=120,
        label=_("Link text"),
        help_text=_("When empty, the document’s title is used."),
    )

    class Meta:
        icon = "doc-full"
        label = _("Downloadable document")
        template = "components/streamfield/document_block.html"
        description = _("A link to download a document.")


class BodyBlock(blocks.StreamBlock):
    """The body of an article: text, images, quotes, buttons, embeds and documents."""

    text = blocks.RichTextBlock(
        features=RICH_TEXT_FEATURES,
        label=_("Text"),
        template="components/streamfield/text_block.html",
        preview_value="<p>Il Covid-19 ha modificato in modo repentino la quotidianità.</p>",
        description=_("Paragraphs, headings, lists and links."),
    )
    image = ImageWithCaptionBlock()
    quote = QuoteBlock()
    cta = CallToActionBlock()
    embed = EmbedBlock(
        label=_("Embed"),
        help_text=_("Address of a video or a post (YouTube, Vimeo…)."),
        icon="media",
        template="components/streamfield/embed_block.html",
        description=_("A video or content from another site."),
    )
    document = DocumentLinkBlock()
