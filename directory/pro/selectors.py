"""Reads of the pro space: the dashboard of a company and the state of a
user without a company.

What the apps above ``directory`` know comes through the functions named in
``settings.PRO_SPACE_SOURCES`` (name -> dotted path), resolved at call time:

- ``review_figures(company, now) -> ReviewFigures`` (reviews),
- ``session_audit_figures(company) -> SessionAuditFigures`` (loyalty),
- ``application_state(user) -> ApplicationState | None`` (eligibility),
- ``suspension(company) -> Suspension | None`` (eligibility),
- ``check_figures(company, today) -> CheckFigures`` (eligibility).

A source left out of the setting reads as "nothing to show" (no figures, no
application, no recorded reason), so ``directory`` works on its own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from common.types import User
from directory.companies.models import Company, CompanyStatus
from directory.companies.selectors import profile_gaps
from directory.quotes.models import QuoteRequest, QuoteStatus
from directory.quotes.selectors import quote_requests_for_company

from .facts import (
    ApplicationState,
    CheckFigures,
    Facts,
    NextStep,
    ReviewFigures,
    SessionAuditFigures,
    Suspension,
    next_step,
)

LATEST_QUOTES = 5


def _source(name: str) -> Callable[..., Any] | None:
    path = getattr(settings, "PRO_SPACE_SOURCES", {}).get(name)
    return import_string(path) if path else None


def review_figures(company: Company, now: datetime) -> ReviewFigures:
    source = _source("review_figures")
    return source(company, now) if source else ReviewFigures()


def session_audit_figures(company: Company) -> SessionAuditFigures:
    source = _source("session_audit_figures")
    return source(company) if source else SessionAuditFigures()


def application_state(user: User) -> ApplicationState | None:
    """The user's latest application to be listed, None without one."""
    source = _source("application_state")
    return source(user) if source else None


def suspension(company: Company) -> Suspension | None:
    """Why a suspended company is suspended; None when it is not (no query)."""
    if company.status != CompanyStatus.SUSPENDED:
        return None
    source = _source("suspension")
    return source(company) if source else None


def check_figures(company: Company, now: datetime) -> CheckFigures:
    """The company's vetting checks to settle or ending soon; zeros for a
    company that is not listed (no query)."""
    if company.status != CompanyStatus.LISTED:
        return CheckFigures()
    source = _source("check_figures")
    return source(company, timezone.localdate(now)) if source else CheckFigures()


def contact_email() -> str:
    """The address a pro writes to (to contest a decision, to ask): the
    address the platform's e-mails come from, so "reply to our e-mail" and
    "write to us" reach the same team."""
    return parseaddr(settings.DEFAULT_FROM_EMAIL)[1]


@dataclass(frozen=True)
class Dashboard:
    gaps: list[str]
    latest_quotes: list[QuoteRequest]
    new_quotes: int
    figures: ReviewFigures
    session_audits: SessionAuditFigures
    checks: CheckFigures
    suspension: Suspension | None
    step: NextStep
    contact_email: str


def pro_dashboard(company: Company, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard of ``company`` shows, in a fixed number of
    queries whatever the company's volume (pinned in
    tests/directory/test_pro_dashboard.py): profile gaps (3), quotes (2),
    review figures (3), session audits (1), vetting checks (4, only when
    listed), suspension reason (1, only when suspended)."""
    now = now or timezone.now()
    gaps = profile_gaps(company)
    quotes = quote_requests_for_company(company)
    new_quotes = quotes.filter(status=QuoteStatus.NEW).count()
    figures = review_figures(company, now)
    session_audits = session_audit_figures(company)
    checks = check_figures(company, now)
    facts = Facts(
        suspended=company.status == CompanyStatus.SUSPENDED,
        profile_gaps=len(gaps),
        new_quotes=new_quotes,
        figures=figures,
        session_audits=session_audits,
        checks=checks,
    )
    return Dashboard(
        gaps=gaps,
        latest_quotes=list(quotes[:LATEST_QUOTES]),
        new_quotes=new_quotes,
        figures=figures,
        session_audits=session_audits,
        checks=checks,
        suspension=suspension(company),
        step=next_step(facts, now),
        contact_email=contact_email(),
    )
