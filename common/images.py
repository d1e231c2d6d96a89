"""Uploaded images are never stored as sent: they are decoded, turned
upright, stripped of metadata (EXIF can hold a GPS position) and
re-encoded at a bounded size, with a thumbnail."""

from __future__ import annotations

import io
from pathlib import Path

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from PIL import Image, ImageOps

PHOTO_MAX_SIDE = 1600
THUMBNAIL_MAX_SIDE = 480
LOGO_MAX_SIDE = 512
JPEG_QUALITY = 85


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
    """The upload (already validated by content) re-encoded, ``max_side`` px at most."""
    upload.seek(0)
    with Image.open(upload) as image:
        upright = ImageOps.exif_transpose(image)
        return _encode(upright, max_side, upload.name or "image", keep_alpha)


def photo_files(upload: UploadedFile) -> tuple[ContentFile[bytes], ContentFile[bytes]]:
    """(display image, thumbnail) of a gallery photo."""
    return reencode(upload, PHOTO_MAX_SIDE), reencode(upload, THUMBNAIL_MAX_SIDE)
