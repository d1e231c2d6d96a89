"""PDF documents people upload (invoice scans, certification proofs) are
parsed, not trusted for their first five bytes.

pypdf (BSD licence, maintained, pure Python) reads the file's structure;
nothing is rendered. A PDF is refused when it cannot be read, is
encrypted (we could not look inside it), or carries anything that runs or
hides content in a reader: JavaScript (in an open action, an additional
action ``/AA``, a link or a form field), a ``/Launch`` of a program,
``/ImportData``, ``/SubmitForm``, rich media, XFA forms, or embedded
files. A scan has none of these.
"""

from __future__ import annotations

from typing import IO, TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# Keys whose mere presence marks active or hidden content.
ACTIVE_KEYS = frozenset(
    {"/JS", "/JavaScript", "/EmbeddedFiles", "/EmbeddedFile", "/EF", "/RichMedia", "/XFA", "/AA"}
)
# Action types (``/S``) and object types (``/Type``, ``/Subtype``) that run
# or hold something.
ACTIVE_NAMES = frozenset(
    {
        "/JavaScript",
        "/Launch",
        "/ImportData",
        "/SubmitForm",
        "/RichMediaExecute",
        "/EmbeddedFile",
        "/FileAttachment",
        "/RichMedia",
        "/Rendition",
    }
)
# Objects walked at most: a scan has a few hundred; beyond, the file is
# refused rather than read for long.
MAX_OBJECTS = 100_000


class PdfRefused(Exception):
    """``message`` says why, for the person who uploaded; ``code`` for
    the validator."""

    def __init__(self, message: StrOrPromise, code: str) -> None:
        super().__init__(str(message))
        self.message = message
        self.code = code


def check_pdf(file: IO[bytes] | Any) -> None:
    """Raises :class:`PdfRefused` (codes ``pdf_unreadable``,
    ``pdf_encrypted``, ``pdf_active_content``) unless ``file`` is a PDF
    that pypdf reads, with at least one page and nothing active."""
    from pypdf import PdfReader  # only for documents: it is slow to import
    from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject

    unreadable = PdfRefused(_("This PDF cannot be read: export it again."), "pdf_unreadable")
    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted:
            raise PdfRefused(
                _("This PDF is protected by a password: send it without protection."),
                "pdf_encrypted",
            )
        if len(reader.pages) == 0:
            raise unreadable
        pending: list[Any] = [reader.trailer]
        seen: set[tuple[int, int]] = set()
        walked = 0
        while pending:
            item = pending.pop()
            if isinstance(item, IndirectObject):
                if (item.idnum, item.generation) in seen:
                    continue
                seen.add((item.idnum, item.generation))
                item = item.get_object()
            walked += 1
            if walked > MAX_OBJECTS:
                raise unreadable
            if isinstance(item, DictionaryObject):
                keys = set(item.keys())
                names = {str(item.get(key)) for key in ("/S", "/Type", "/Subtype") if key in item}
                if keys & ACTIVE_KEYS or names & ACTIVE_NAMES:
                    raise PdfRefused(
                        _(
                            "This PDF contains scripts, actions or attached files: "
                            "send a plain scan or print it to PDF again."
                        ),
                        "pdf_active_content",
                    )
                # A stream's data is not decoded: only its dictionary counts.
                pending.extend(value for key, value in item.items() if key != "/Parent")
            elif isinstance(item, ArrayObject):
                pending.extend(item)
    except PdfRefused:
        raise
    except Exception as exc:  # pypdf raises many kinds on a damaged file
        raise unreadable from exc
