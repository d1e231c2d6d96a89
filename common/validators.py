"""Validators of uploaded files and dates, usable by models, forms and the API."""

from __future__ import annotations

from ipaddress import IPv4Address, IPv6Address, ip_address
from pathlib import PurePath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.core.files import File
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from PIL import Image, UnidentifiedImageError

from .control_characters import INVISIBLE_IN_NAMES
from .images import MAX_IMAGE_PIXELS, open_for_size
from .pdf import PdfRefused, check_pdf
from .webhooks.targets import address_forbidden, internal_name, ipv4_from_host

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

IMAGE_EXTENSIONS = ("jpg", "jpeg", "png", "webp")
DOCUMENT_EXTENSIONS = ("pdf", "jpg", "jpeg", "png")
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
IMAGE_FORMATS = {"JPEG", "PNG", "WEBP"}
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# The extensions of each format found in a file's content.
FORMAT_EXTENSIONS = {
    "PDF": {"pdf"},
    "JPEG": {"jpg", "jpeg"},
    "PNG": {"png"},
    "WEBP": {"webp"},
}
__all__ = ["MAX_IMAGE_PIXELS", "validate_document", "validate_image"]
_INVALID_IMAGE = (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError)


def _extension(file: File[Any]) -> str:
    """The lower-case extension of the file's name, "" when it has none."""
    return PurePath(file.name or "").suffix.lower().removeprefix(".")


def _check_extension(file: File[Any], found: str) -> None:
    """The name's extension must say what the content is: PDF bytes named
    ``.png`` are refused. A file without a name (built in code) passes."""
    extension = _extension(file)
    if extension and extension not in FORMAT_EXTENSIONS[found]:
        raise ValidationError(
            _("The file's content (%(found)s) does not match its name (.%(extension)s)."),
            code="extension_mismatch",
            params={"found": found, "extension": extension},
        )


def _check_image(file: File[Any], formats: set[str], message: StrOrPromise) -> None:
    """Open lazily (pixel count and decoded size checked from the header,
    ``common.images.open_for_size``), check format and extension, then
    ``verify()`` the data without decoding pixels."""
    with open_for_size(file) as image:
        if image.format not in formats:
            raise ValidationError(message, code="image_format")
        _check_extension(file, str(image.format))
        image.verify()


def validate_image(file: File[Any]) -> None:
    """A JPEG, PNG or WebP image, checked by its content (which must match
    its extension), of bounded size on disk and once decoded."""
    if file.size > MAX_IMAGE_BYTES:
        raise ValidationError(
            _("The image is too large (%(max)s MB maximum)."),
            code="image_too_large",
            params={"max": MAX_IMAGE_BYTES // (1024 * 1024)},
        )
    position = file.tell() if hasattr(file, "tell") else 0
    try:
        file.seek(0)
        _check_image(file, IMAGE_FORMATS, _("Upload a JPEG, PNG or WebP image."))
    except ValidationError:
        raise
    except _INVALID_IMAGE as exc:
        raise ValidationError(_("This file is not a valid image."), code="invalid_image") from exc
    finally:
        file.seek(position)


def validate_document(file: File[Any]) -> None:
    """A PDF or a JPEG/PNG image, 10 MB at most: what a scan or a
    certificate looks like. The content decides the type, and must match
    the extension. A PDF is parsed (pypdf) and refused when encrypted,
    unreadable, or able to run anything (``common.pdf.check_pdf``); an
    image is checked like :func:`validate_image`."""
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
            _check_extension(file, "PDF")
            try:
                check_pdf(file)
            except PdfRefused as exc:
                raise ValidationError(exc.message, code=exc.code) from exc
            return
        try:
            _check_image(file, {"JPEG", "PNG"}, _("Upload a PDF, JPEG or PNG document."))
        except ValidationError:
            raise
        except _INVALID_IMAGE as exc:
            raise ValidationError(
                _("Upload a PDF, JPEG or PNG document."), code="invalid_document"
            ) from exc
    finally:
        file.seek(position)


def validate_public_website(value: str) -> None:
    """A company's website as shown to the public: an ``http://`` or
    ``https://`` address on the Internet, not a local name nor a private,
    loopback or reserved IP address (``http://localhost:8000/admin/``,
    ``http://192.168.1.1/``, ``http://0x7f.1/``), with the rules of the
    webhooks' guard (``common.webhooks.targets``) and no name look-up.
    Refuses with ``ValidationError``, code ``website_scheme`` or
    ``website_private``."""
    if not value:
        return
    parts = urlsplit(str(value))
    if parts.scheme.lower() not in ("http", "https"):
        raise ValidationError(
            _("Give your website's address starting with https:// or http://."),
            code="website_scheme",
        )
    host = parts.hostname or ""
    private = ValidationError(
        _(
            "The address %(host)s belongs to a local or private network: give the "
            "public address of your website."
        ),
        code="website_private",
        params={"host": host},
    )
    if "@" in parts.netloc:
        raise ValidationError(
            _("The address must not contain a user name or password."), code="website_userinfo"
        )
    try:
        address: IPv4Address | IPv6Address | None = ip_address(host)
    except ValueError:
        try:
            address = ipv4_from_host(host)
        except ValidationError:
            raise private from None
    if address is not None:
        if address_forbidden(address):
            raise private
        return
    if internal_name(host.rstrip(".").lower()):
        raise private


def validate_year_founded(value: int) -> None:
    if value > timezone.localdate().year:
        raise ValidationError(_("The year founded cannot be in the future."), code="future_year")


def validate_person_name(value: str) -> None:
    """A name people can read back: at least one letter (of any alphabet:
    "Zoë", "Łukasz", "李"), no markup. Refuses "🙂🙂", "---", "12345" and
    "<b>Luc</b>" with ``ValidationError`` (codes ``name_no_letter``,
    ``name_markup``), and a name holding a bidirectional control or a
    zero-width space (``invisible_characters``: it would read otherwise
    than it is stored; the joiner and non-joiner that some scripts spell
    with stay allowed, ``common.control_characters.INVISIBLE_IN_NAMES``)."""
    text = str(value)
    if "<" in text or ">" in text:
        raise ValidationError(
            _("Write the name without the characters < and >."), code="name_markup"
        )
    if INVISIBLE_IN_NAMES.search(text):
        raise ValidationError(
            _(
                "Remove the invisible characters (direction marks, zero-width spaces): "
                "what is stored must read as it is written."
            ),
            code="invisible_characters",
        )
    if not any(char.isalpha() for char in text):
        raise ValidationError(_("Write a name with letters."), code="name_no_letter")
