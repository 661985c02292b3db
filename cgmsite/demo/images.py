"""Placeholder photographs and documents drawn locally with Pillow: set-up downloads nothing."""

import hashlib
import io
import textwrap

from django.core.files import File
from django.core.files.images import ImageFile

from PIL import Image as PILImage
from PIL import ImageDraw, ImageFont

SIZE = (1600, 900)


def placeholder_jpeg(seed_text: str) -> ImageFile:
    """A 1600×900 JPEG: a diagonal gradient whose colours derive from ``seed_text``."""
    digest = hashlib.sha256(seed_text.encode()).digest()
    start = tuple(40 + b % 120 for b in digest[:3])
    end = tuple(120 + b % 120 for b in digest[3:6])
    image = PILImage.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    width, height = SIZE
    for x in range(0, width, 4):
        t = x / width
        colour = tuple(int(s + (e - s) * t) for s, e in zip(start, end, strict=True))
        draw.rectangle([x, 0, x + 3, height], fill=colour)
    for i in range(6):
        r = 80 + digest[6 + i] * 2
        cx, cy = digest[12 + i] * width // 255, digest[18 + i] * height // 255
        draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=(255, 255, 255), width=6)
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=82)
    buffer.seek(0)
    return ImageFile(buffer, name=f"{digest.hex()[:12]}.jpg")


def programme_pdf(title: str, lines: list[str]) -> File:
    """A one-page A4 PDF with the title and the given lines, drawn with Pillow."""
    page = PILImage.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(page)
    heading, text = ImageFont.load_default(size=40), ImageFont.load_default(size=28)
    y = 120
    for chunk in textwrap.wrap(title, 48):
        draw.text((100, y), chunk, font=heading, fill=(20, 20, 20))
        y += 56
    y += 40
    for line in lines:
        for chunk in textwrap.wrap(line, 70) or [""]:
            draw.text((100, y), chunk, font=text, fill=(40, 40, 40))
            y += 40
        y += 12
    buffer = io.BytesIO()
    page.save(buffer, "PDF", resolution=150)
    buffer.seek(0)
    return File(buffer, name=f"programma-{hashlib.sha256(title.encode()).hexdigest()[:8]}.pdf")
