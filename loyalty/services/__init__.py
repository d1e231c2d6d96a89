"""Writes of the loyalty app: sessions recorded one by one (``sessions``),
from a file (``imports``), and their document audits (``audits``)."""

from .sessions import session_for_invoice, session_record

__all__ = ["session_for_invoice", "session_record"]
