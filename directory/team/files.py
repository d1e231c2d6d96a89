"""Private documents (certification proofs, invoice scans) leave the
server through one door: a view that checks who asks."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, HttpRequest

from common.files import attachment_response

from .selectors import membership_for


def private_file_response(
    request: HttpRequest, file: FieldFile, *, company_id: int, staff_permission: str
) -> FileResponse:
    """The file, to the company's members and to staff holding
    ``staff_permission``; anyone else gets the 404 a missing file gets."""
    if not request.user.has_perm(staff_permission):
        membership_for(request.user, company_id)
    return attachment_response(file)
