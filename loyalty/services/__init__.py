"""Writes of the loyalty app: sessions recorded one by one or in bulk
(``sessions``), from a file (``imports``), and their document audits
(``audits``)."""

from .sessions import (
    oldest_session_day,
    session_for_invoice,
    session_record,
    sessions_for_invoices,
)

__all__ = [
    "oldest_session_day",
    "session_for_invoice",
    "session_record",
    "sessions_for_invoices",
]
