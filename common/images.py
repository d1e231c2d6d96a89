"""Uploaded images are never stored as sent: they are decoded, turned
upright, stripped of metadata (EXIF can hold a GPS position) and
re-encoded at a bounded size, with a thumbnail.

Decoding is what costs memory, not the file: a 170 KB PNG can declare a
6300 × 6300 RGBA canvas, 159 MB once decoded (and several copies while
it is re-encoded). So an image's *decoded* size is read from its header
and capped before any pixel is decoded (:func:`check_decoded_size`), and
a JPEG is decoded at the smallest scale that still gives the size we
keep (:func:`open_for_size`: libjpeg's DCT scaling, 1/2 to 1/8).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageMode, ImageOps

PHOTO_MAX_SIDE = 1600
THUMBNAIL_MAX_SIDE = 480
LOGO_MAX_SIDE = 512
JPEG_QUALITY = 85
# The largest side any re-encoding keeps: a JPEG is decoded no larger.
LARGEST_KEPT_SIDE = max(PHOTO_MAX_SIDE, THUMBNAIL_MAX_SIDE, LOGO_MAX_SIDE)
# Decoded size (width × height × bands × bytes per band) of one image at
# most: 64 MiB is a 16-megapixel RGBA PNG or a 22-megapixel RGB one; a
# JPEG is measured at its draft scale, so a 40-megapixel photo passes.
MAX_DECODED_BYTES = 64 * 1024 * 1024
# 40 megapixels as declared (before any draft): a large camera photo.
MAX_IMAGE_PIXELS = 40_000_000


def decoded_bytes(image: Image.Image) -> int:
    """Bytes of ``image``'s pixels once decoded at its current size (after
    a draft): width × height × bands × bytes per band. Read from the
    header only: nothing is decoded."""
    mode = ImageMode.getmode(image.mode)
    band_bytes = int(mode.typestr[-1])  # "|u1", "<u2", "<i4", "<f4", "|b1"
    width, height = image.size
    return width * height * len(mode.bands) * band_bytes


def check_decoded_size(image: Image.Image) -> None:
    """Raises ``ValidationError`` (code ``image_too_large_decoded``) when
    ``image`` would take more than :data:`MAX_DECODED_BYTES` decoded."""
    if decoded_bytes(image) > MAX_DECODED_BYTES:
        raise ValidationError(
            _("The image is too large once opened (%(max)s MB maximum): send a smaller one."),
            code="image_too_large_decoded",
            params={"max": MAX_DECODED_BYTES // (1024 * 1024)},
        )


@contextmanager
def open_for_size(
    file: IO[bytes] | Any, max_side: int = LARGEST_KEPT_SIDE
) -> Iterator[Image.Image]:
    """``file`` opened lazily; its declared pixel count capped
    (:data:`MAX_IMAGE_PIXELS`); a JPEG set to decode at the smallest DCT
    scale still at least ``max_side`` (``Image.draft``); the decoded size
    checked (:func:`check_decoded_size`) before any pixel is read.
    Raises ``ValidationError``; Pillow's own errors pass through."""
    with Image.open(file) as image:
        width, height = image.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ValidationError(
                _("The image has too many pixels (%(max)s million maximum)."),
                code="image_too_many_pixels",
                params={"max": MAX_IMAGE_PIXELS // 1_000_000},
            )
        if image.format == "JPEG" and max(width, height) > max_side:
            # The size a thumbnail to ``max_side`` needs: libjpeg picks the
            # smallest scale at least this large in both directions.
            ratio = max_side / max(width, height)
            image.draft(image.mode, (math.ceil(width * ratio), math.ceil(height * ratio)))
        check_decoded_size(image)
        yield image


def _encode(image: Image.Image, max_side: int, name: str, keep_alpha: bool) -> ContentFile[bytes]:
    copy = image.copy()
    copy.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    if keep_alpha and copy.mode in ("RGBA", "LA", "P"):
        copy.convert("RGBA").save(buffer, "PNG", optimize=True)
        suffix = ".png"
    else:
        copy.convert("RGB").save(buffer, "JPEG", quality=JPEG_QUALITY, optimize=True)
        suffix = ".jpg"
    return ContentFile(buffer.getvalue(), name=Path(name).stem + suffix)


def reencode(upload: UploadedFile, max_side: int, keep_alpha: bool = False) -> ContentFile[bytes]:
    """The upload (already validated by content) re-encoded, ``max_side``
    px at most. Raises ``ValidationError`` if its decoded size is over
    the cap (checked again here: a caller may skip the validator)."""
    upload.seek(0)
    with open_for_size(upload, max_side) as image:
        upright = ImageOps.exif_transpose(image)
        return _encode(upright, max_side, upload.name or "image", keep_alpha)


def photo_files(upload: UploadedFile) -> tuple[ContentFile[bytes], ContentFile[bytes]]:
    """(display image, thumbnail) of a gallery photo."""
    return reencode(upload, PHOTO_MAX_SIDE), reencode(upload, THUMBNAIL_MAX_SIDE)
