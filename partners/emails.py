"""E-mails to partners, written to the outbox (:mod:`common.mail`) in the
transaction of the service that causes them."""

from __future__ import annotations

from typing import Any

from common.mail import queue_templated, site_url

from .models import Connection


def send_connection_changed(*, connection: Connection, company: Any, connected: bool) -> None:
    """Tell the partner's contact that ``company`` connected it or
    disconnected it (no person's name or e-mail: the company's)."""
    partner = connection.partner
    queue_templated(
        "partner_connected" if connected else "partner_disconnected",
        {
            "partner": partner,
            "company_name": company.trade_name,
            "connection": connection,
            "url": site_url("partners:companies", partner.pk),
        },
        [partner.contact_email],
    )
