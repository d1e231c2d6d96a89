"""Reads of eligibility for the pro space (``directory.pro``), wired in
through ``settings.PRO_SPACE_SOURCES``: directory may not import this app,
so it receives these functions by name and their results as its own types
(``directory.pro.facts``)."""

from __future__ import annotations

from django.urls import reverse

from common.types import User
from directory.companies.models import Company, CompanyStatus
from directory.pro.facts import ApplicationState, Suspension

from .models import Application, CompanyEvent


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
