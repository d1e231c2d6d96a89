"""Invoice files: read by ``common.tabular`` (encodings, CSV or .xlsx,
limits); here only what is the invoices' own, their number per file."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from common.tabular.files import Table, read_table

# Invoices in one file. The import is one transaction that also queues an
# invitation per invoice; 5,000 keeps it well under a minute in the worker.
MAX_ROWS = 5000
TOO_MANY = _("The file has more than %(max)s invoices: split it.")


def read_invoice_file(content: bytes) -> Table:
    """``common.tabular.files.read_table`` with the invoices' row limit."""
    return read_table(content, max_rows=MAX_ROWS, too_many=TOO_MANY)
