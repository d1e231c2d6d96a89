"""Reads about partners: keys and consent."""

from __future__ import annotations

from .models import Connection, Partner


def connection_active(partner: Partner, company_id: int) -> bool:
    """Whether ``company_id`` has connected ``partner`` and not
    disconnected it since: the consent every write for a company needs
    (``invoices:write``, ``sessions:write``). One indexed query."""
    return Connection.objects.active().filter(partner=partner, company_id=company_id).exists()
