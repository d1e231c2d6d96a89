"""Uploaded files: the name they are stored under, and private documents
(certification proofs, invoice scans) leaving the server as attachments
that no cache keeps. Who may download one is the caller's check
(``directory.team.files.private_file_response``)."""

from __future__ import annotations

import re
import uuid
from pathlib import PurePath

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

# A stored name is "<folder>/<32 hex digits><extension>": far below the
# 100 characters of a FileField's column whatever the client called the
# file, so a long name ("Facture n°F-2026-001 - Madame … (copie).pdf") is
# never an error (trial, finding 6). An extension is kept only when it
# looks like one ("pdf", "jpeg", "webp"); the validators then check it
# against the content.
_EXTENSION = re.compile(r"\.[a-z0-9]{1,8}")


def stored_file_name(folder: str, filename: str) -> str:
    """A new random name under ``folder`` for an uploaded ``filename``,
    with its extension in lower case: never guessable, never clobbered,
    never longer than the column (``Facture … (copie).PDF`` →
    ``invoice/3f9c…e1.pdf``). The client's name is not kept: it often
    names a person, and the file is only ever offered by its record."""
    extension = PurePath(filename).suffix.lower()
    if not _EXTENSION.fullmatch(extension):
        extension = ""
    return f"{folder}/{uuid.uuid4().hex}{extension}"


def attachment_response(file: FieldFile) -> FileResponse:
    """``file`` as a download, ``Cache-Control: private, no-store``; 404
    when the field is empty."""
    if not file:
        raise Http404
    response = FileResponse(file.open("rb"), as_attachment=True)
    response["Cache-Control"] = "private, no-store"
    return response
