"""A real PDF for tests that upload one: since issue 10 a document is
parsed (pypdf), so "%PDF-1.4 facture" is no longer taken for a PDF."""

from __future__ import annotations

import io

from pypdf import PdfWriter


def minimal_pdf() -> bytes:
    """One blank A4 page."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()
