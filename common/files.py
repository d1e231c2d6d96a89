"""Private documents (certification proofs, invoice scans) leave the
server as attachments that no cache keeps. Who may download one is the
caller's check (``directory.team.files.private_file_response``)."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404


def attachment_response(file: FieldFile) -> FileResponse:
    """``file`` as a download, ``Cache-Control: private, no-store``; 404
    when the field is empty."""
    if not file:
        raise Http404
    response = FileResponse(file.open("rb"), as_attachment=True)
    response["Cache-Control"] = "private, no-store"
    return response
