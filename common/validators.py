"""Validators of uploaded files and dates, usable by models, forms and the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
DOCUMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# 40 megapixels: a large camera photo. Beyond, decoding could exhaust memory
# (a small file can declare a huge canvas).
MAX_IMAGE_PIXELS = 40_000_000


def validate_image(file: File[Any]) -> None:
    """A JPEG, PNG or WebP image, checked by its content, of bounded size."""
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is too large (%(max)s MB maximum)."),
            code="image_too_large",
            params={"max": MAX_IMAGE_BYTES // (1024 * 1024)},
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        with Image.open(file) as image:
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise ValidationError(
                    _("The image has too many pixels (%(max)s million maximum)."),
                    code="image_too_many_pixels",
                    params={"max": MAX_IMAGE_PIXELS // 1_000_000},
                )
            if image.format not in IMAGE_FORMATS:
                raise ValidationError(_("Upload a JPEG, PNG or WebP image."), code="image_format")
            image.verify()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise ValidationError(_("This file is not a valid image."), code="invalid_image") from exc
    finally:
        file.seek(position)


def validate_document(file: File[Any]) -> None:
    """A PDF (checked by its signature) or a JPEG/PNG image (checked by
    Pillow), 10 MB at most: what a scan or a certificate looks like."""
    if file.size > MAX_DOCUMENT_BYTES:
        raise ValidationError(
            _("The document is too large (%(max)s MB maximum)."),
            code="document_too_large",
            params={"max": MAX_DOCUMENT_BYTES // (1024 * 1024)},
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        head = file.read(5)
        file.seek(0)
        if head == b"%PDF-":
            return
        try:
            with Image.open(file) as image:
                if image.format not in {"JPEG", "PNG"}:
                    raise ValidationError(_("Upload a PDF, JPEG or PNG document."))
                if image.size[0] * image.size[1] > MAX_IMAGE_PIXELS:
                    raise ValidationError(_("The image has too many pixels."))
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
            raise ValidationError(
                _("Upload a PDF, JPEG or PNG document."), code="invalid_document"
            ) from exc
    finally:
        file.seek(position)


def validate_year_founded(value: int) -> None:
    if value > timezone.localdate().year:
        raise ValidationError(_("The year founded cannot be in the future."), code="future_year")
