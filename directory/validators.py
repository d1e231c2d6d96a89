"""Validators of company data, usable by models, forms and the API."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siren, siret, tva

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
DOCUMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# 40 megapixels: a large camera photo. Beyond, decoding could exhaust memory
# (a small file can declare a huge canvas).
MAX_IMAGE_PIXELS = 40_000_000


# What people put between the digits of a SIREN or SIRET: spaces (also
# the no-break spaces a copy from a PDF or a web page brings, U+00A0,
# U+202F), dots, dashes, slashes, underscores, and the invisible
# zero-width characters a copy can carry.
_NUMBER_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212/_\u200b-\u200d\u2060\ufeff]+")
# Labels around the number, as a Kbis, an invoice footer or a letterhead
# prints it: "SIREN : 732 829 320", "N° SIRET 732 829 320 00074".
_LABELS = re.compile(
    r"(?i)(?<![^\W\d_])(?:n[°º]|no\b|num[ée]ro\b|siren\b|siret\b)(?:\s*(?:de|du)\b)?\s*:?"
)
# "RCS Paris 732 829 320", "732 829 320 R.C.S. Lyon" (the register and its town).
_RCS = re.compile(r"(?i)\br\.?\s?c\.?\s?s\b\.?")
_LETTER_WORDS = re.compile(r"[^\W\d_]+(?:['’ -][^\W\d_]+)*\s*:?")
# French VAT number: FR, a two-character key, the SIREN.
_VAT = re.compile(r"FR[0-9A-HJ-NP-Z]{2}[0-9]{9}")
# Longer text is no company number, whatever it holds.
MAX_COMPANY_NUMBER_INPUT = 40
SIREN_LENGTH, SIRET_LENGTH = 9, 14


@dataclass(frozen=True)
class CompanyNumber:
    """A company identified by what someone typed: its SIREN, and the
    SIRET (one establishment) if that is what was typed."""

    siren: str
    siret: str = ""
    vat: str = ""


def compact_company_number(text: str) -> str:
    """``"732.829.320"``, ``"732 829 320"`` → ``"732829320"`` (full-width
    digits read as digits); other characters are left for the caller."""
    return _NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def parse_company_number(text: str) -> CompanyNumber:
    """The SIREN of a typed SIREN (9 digits), SIRET (14 digits) or French
    VAT number (``FR`` + 2-character key + SIREN).

    Separators are allowed, and so are the words printed around the number
    on a Kbis or an invoice ("SIREN 732 829 320", "RCS Paris 732 829 320",
    "N° SIRET : …"). The checksum is python-stdnum's (Luhn, La Poste's
    SIRET rule, whose establishments share the SIREN 356 000 000, and the
    VAT key). Raises one ValidationError saying what is wrong.
    """
    text = _without_labels(text)
    vat = compact_company_number(text).upper()
    if _VAT.fullmatch(vat):
        if not tva.is_valid(vat):
            raise ValidationError(
                _("%(value)s is not a valid French VAT number: check its key and its SIREN."),
                code="invalid_vat",
                params={"value": vat},
            )
        return CompanyNumber(siren=vat[-SIREN_LENGTH:], vat=vat)
    digits = compact_company_number(text)
    if not re.fullmatch(r"[0-9]*", digits):
        raise ValidationError(
            _("A SIREN is made of digits only (9 digits, or the 14 of a SIRET)."),
            code="siren_not_digits",
        )
    if len(text) > MAX_COMPANY_NUMBER_INPUT or len(digits) not in (SIREN_LENGTH, SIRET_LENGTH):
        raise ValidationError(
            _(
                "A SIREN has 9 digits (or 14 for a SIRET): "
                "this number has %(count)s. Check it on your Kbis or your invoices."
            ),
            code="siren_length",
            params={"count": len(digits)},
        )
    number = siren if len(digits) == SIREN_LENGTH else siret
    try:
        if not digits.strip("0"):  # all zeros passes the Luhn check; INSEE never gives it
            raise StdnumValidationError
        number.validate(digits)
    except StdnumValidationError as exc:
        kind = "SIREN" if number is siren else "SIRET"
        raise ValidationError(
            _(
                "%(value)s is not a valid %(kind)s number: a digit is wrong "
                "(the last one is a checksum). Check it on your Kbis or your invoices."
            ),
            code="invalid_siren",
            params={"value": digits, "kind": kind},
        ) from exc
    if len(digits) == SIRET_LENGTH:
        return CompanyNumber(siren=digits[:SIREN_LENGTH], siret=digits)
    return CompanyNumber(siren=digits)


def _without_labels(text: str) -> str:
    """The number without the labels printed around it; with "RCS", the
    registry's town goes too ("RCS Lyon B 732 829 320")."""
    if len(text) > MAX_COMPANY_NUMBER_INPUT:
        return text
    if _RCS.search(text):
        return _LETTER_WORDS.sub(" ", _RCS.sub(" ", text))
    return _LABELS.sub(" ", text)


def siren_in(text: str) -> str:
    """The SIREN a search text designates, checksum or not ("" if none):
    9 digits, or the first 9 of a SIRET, separators allowed."""
    if len(text) > MAX_COMPANY_NUMBER_INPUT:
        return ""
    digits = compact_company_number(text)
    if re.fullmatch(r"[0-9]{9}|[0-9]{14}", digits):
        return digits[:SIREN_LENGTH]
    return ""


def format_siren(value: str) -> str:
    """``"732829320"`` → ``"732 829 320"``, as printed on a Kbis."""
    return " ".join(value[i : i + 3] for i in range(0, len(value), 3))


def validate_siren(value: str) -> None:
    """Nine digits whose Luhn checksum holds (python-stdnum)."""
    try:
        siren.validate(value)
    except StdnumValidationError as exc:
        raise ValidationError(
            _("%(value)s is not a valid SIREN number (9 digits, checksum)."),
            code="invalid_siren",
            params={"value": value},
        ) from exc


def validate_image(file) -> None:
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


def validate_document(file) -> None:
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
