"""Reads of the loyalty app for the apps above it."""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Exists, OuterRef

from directory.models import CompanyStatus

from .models import ServiceSession, SessionStatus


def new_clients_per_day_above(*, limit: float, since: date, until: date) -> dict[int, float]:
    """Listed companies whose new clients per day exceed ``limit``:
    ``{company id: new clients per day}``. A new client of the period is a
    client whose first completed session with the company falls between
    ``since`` and ``until`` (both included); they are divided by the days
    from ``since`` to ``until`` (90 for the 90 days before today). One
    aggregate query: the completed sessions of the period whose client has
    none before ``since``, counted by distinct client per company."""
    days = max((until - since).days, 1)
    earlier = ServiceSession.objects.filter(
        company_id=OuterRef("company_id"),
        client_key=OuterRef("client_key"),
        status=SessionStatus.COMPLETED,
        performed_on__lt=since,
    )
    rows = (
        ServiceSession.objects.filter(
            status=SessionStatus.COMPLETED,
            performed_on__gte=since,
            performed_on__lte=until,
            company__status=CompanyStatus.LISTED,
        )
        .filter(~Exists(earlier))
        .values("company_id")
        .annotate(new_clients=Count("client_key", distinct=True))
        .filter(new_clients__gt=limit * days)
        .values_list("company_id", "new_clients")
    )
    return {company_id: new_clients / days for company_id, new_clients in rows}
