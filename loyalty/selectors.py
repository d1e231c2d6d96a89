"""Reads of the loyalty app: for the apps above it (the re-screening's
measured volumes), the pro space and staff pages."""

from __future__ import annotations

from datetime import date, datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, F, OuterRef, QuerySet

from directory.models import Company, CompanyStatus

from .models import (
    ServiceSession,
    SessionAudit,
    SessionAuditStatus,
    SessionStrike,
)

SESSIONS_PER_PAGE = 50


def company_sessions_page(*, company: Company, page: str | int | None) -> Page[ServiceSession]:
    """The company's recorded sessions, newest performed first (then newest
    recorded), ``SESSIONS_PER_PAGE`` a page; a page number out of range or
    not a number gives the nearest page. Each session carries its invoice's
    number (``invoice``) and its audit if any. No client data: a session
    has none."""
    sessions = company.sessions.select_related("invoice", "audit").order_by("-performed_on", "-pk")
    return Paginator(sessions, SESSIONS_PER_PAGE).get_page(page)


def company_session_audits(*, company: Company) -> QuerySet[SessionAudit]:
    """The company's session audits, open ones first by due date, then the
    closed ones newest first; their session and scans loaded."""
    return (
        SessionAudit.objects.filter(session__company=company)
        .select_related("session")
        .prefetch_related("scans")
        .order_by(F("decided_at").desc(nulls_first=True), "due_at", "-pk")
    )


def session_audits_to_decide() -> QuerySet[SessionAudit]:
    """Audits whose invoice was sent, the longest waiting first."""
    return (
        SessionAudit.objects.filter(status=SessionAuditStatus.SUBMITTED)
        .select_related("session__company")
        .prefetch_related("scans")
        .order_by("due_at", "pk")
    )


def session_audits_open_count() -> int:
    return SessionAudit.objects.filter(status=SessionAuditStatus.OPEN).count()


def session_strikes_since(
    *, company_id: int, since: datetime, until: datetime | None = None, missed_only: bool = True
) -> int:
    """The company's session strikes recorded after ``since`` (up to
    ``until`` when given; missed audits only by default): what
    ``reviews.services.sanctions.missed_audits`` adds to its own count of
    missed review audits."""
    strikes = SessionStrike.objects.filter(company_id=company_id, created_at__gt=since)
    if until is not None:
        strikes = strikes.filter(created_at__lte=until)
    if missed_only:
        strikes = strikes.filter(missed=True)
    return strikes.count()


def companies_with_session_strikes_since(*, since: datetime) -> list[int]:
    """Ids of the companies with a missed session audit recorded after
    ``since``: the nightly warnings pass of reviews looks at them too."""
    return list(
        SessionStrike.objects.filter(missed=True, created_at__gt=since)
        .values_list("company_id", flat=True)
        .distinct()
    )


def session_strikes_by_company() -> QuerySet[SessionStrike, dict[str, object]]:
    """Strikes per company, most first: ``{"company__trade_name", "total"}``."""
    return (
        SessionStrike.objects.values("company__trade_name")
        .annotate(total=Count("pk"))
        .order_by("-total", "company__trade_name")
    )


def new_clients_per_day_above(*, limit: float, since: date, until: date) -> dict[int, float]:
    """Listed companies whose new clients per day exceed ``limit``:
    ``{company id: new clients per day}``. A new client of the period is a
    client whose first completed session with the company falls between
    ``since`` and ``until`` (both included); they are divided by the days
    from ``since`` to ``until`` (90 for the 90 days before today). One
    aggregate query: the completed sessions of the period whose client has
    none before ``since``, counted by distinct client per company."""
    days = max((until - since).days, 1)
    earlier = ServiceSession.objects.counted().filter(
        company_id=OuterRef("company_id"),
        client_key=OuterRef("client_key"),
        performed_on__lt=since,
    )
    rows = (
        ServiceSession.objects.counted()
        .filter(
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
