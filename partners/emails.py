"""E-mails of the partners app, through the outbox (:mod:`common.mail`):
rendered now, sent by a worker."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from common.mail import queue_templated, site_url

from .models import Connection, WebhookEndpoint


def send_endpoint_disabled(endpoint_id: int) -> None:
    """Tell the partner's contact that an endpoint was disabled after
    failing for days, and how to receive events again. In the site's
    language: a partner has no language of its own yet."""
    endpoint = WebhookEndpoint.objects.select_related("partner").get(pk=endpoint_id)
    queue_templated(
        "webhook_endpoint_disabled",
        {
            "partner": endpoint.partner,
            "endpoint": endpoint,
            "days": settings.WEBHOOK_DISABLE_AFTER.days,
            "contact": settings.DEFAULT_FROM_EMAIL,
            "url": site_url("partners:webhook", endpoint.partner_id, endpoint.pk),
        },
        [endpoint.partner.contact_email],
    )


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
