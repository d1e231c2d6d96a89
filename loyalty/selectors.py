"""Reads of the loyalty app for the pro space and staff pages."""

from __future__ import annotations

from datetime import datetime

from django.core.paginator import Page, Paginator
from django.db.models import Count, F, QuerySet

from directory.models import Company

from .models import ServiceSession, SessionAudit, SessionAuditStatus, SessionStrike

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


def session_strikes_since(*, company_id: int, since: datetime, missed_only: bool = True) -> int:
    """The company's session strikes recorded from ``since`` (missed audits
    only by default): what ``reviews.services.sanctions.strikes_warn`` is
    to add to its own count of missed review audits."""
    strikes = SessionStrike.objects.filter(company_id=company_id, created_at__gte=since)
    if missed_only:
        strikes = strikes.filter(missed=True)
    return strikes.count()


def session_strikes_by_company() -> QuerySet[SessionStrike, dict[str, object]]:
    """Strikes per company, most first: ``{"company__trade_name", "total"}``."""
    return (
        SessionStrike.objects.values("company__trade_name")
        .annotate(total=Count("pk"))
        .order_by("-total", "company__trade_name")
    )
