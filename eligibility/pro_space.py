"""Reads of eligibility for the pro space (``directory.pro``), wired in
through ``settings.PRO_SPACE_SOURCES``: directory may not import this app,
so it receives these functions by name and their results as its own types
(``directory.pro.facts``)."""

from __future__ import annotations

from datetime import date, timedelta

from django.urls import reverse

from common.types import User
from directory.companies.models import Company, CompanyStatus
from directory.pro.facts import ApplicationState, CheckFigures, Suspension

from .checklist import company_checklist, unmet_required
from .models import Application, CheckState, CompanyChecksDue, CompanyEvent


def application_state(user: User) -> ApplicationState | None:
    """The user's latest application (one query), with the page where they
    follow it (status, questions of the vetting team, history); None if
    they never applied."""
    application = Application.objects.filter(applicant=user).order_by("-pk").first()
    if application is None:
        return None
    return ApplicationState(
        status=application.status,
        label=str(application.get_status_display()),
        url=reverse("eligibility:follow"),
        submitted_at=application.submitted_at,
        legal_name=application.legal_name,
    )


def suspension(company: Company) -> Suspension | None:
    """The reason and date of the company's latest move to "suspended"
    (one query); None if no such move was recorded."""
    event = (
        CompanyEvent.objects.filter(company=company, to_status=CompanyStatus.SUSPENDED)
        .order_by("-created_at", "-pk")
        .only("reason", "created_at")
        .first()
    )
    if event is None:
        return None
    return Suspension(reason=event.reason, since=event.created_at)


def check_figures(company: Company, today: date) -> CheckFigures:
    """What the listed company has to send for its vetting checks (four
    queries): required checks still to settle, and passes ending within 30
    days — each only while a document from the pro would move it, not once
    the new one was sent and waits for the team (a check without a
    document, such as the call with the manager, is the team's to do).

    Checks count as to settle once the company has a date to settle them
    by (``CompanyChecksDue``: its approval, or the grace the night gives a
    company listed before the checks existed); until then only the passes
    ending soon are told."""
    checklist = company_checklist(company, today)
    unmet = [item for item in unmet_required(checklist) if item.awaits_a_document]
    settle_by = None
    if unmet:
        settle_by = (
            CompanyChecksDue.objects.filter(company=company)
            .values_list("due_on", flat=True)
            .first()
        )
    if settle_by is None:
        unmet = []
    ends = [
        today + timedelta(days=item.days_left)
        for item in checklist
        if item.satisfied
        and item.ends_soon
        and item.days_left is not None
        and item.renewal_sent is None
    ]
    return CheckFigures(
        unsettled=len(unmet),
        expired=sum(item.state == CheckState.EXPIRED for item in unmet),
        settle_by=settle_by,
        ending=len(ends),
        ends_on=min(ends, default=None),
    )
