"""E-mails of eligibility: written to the outbox (:mod:`common.mail`) by
the services, in their transaction, rendered from
templates/emails/application_*, sent by a worker, in the language the
applicant used (``Application.language``; the site's when unknown).

Imports run one way: tasks → services → emails (this module imports
neither)."""

from __future__ import annotations

from email.utils import parseaddr

from django.conf import settings
from django.utils import timezone

from common.mail import queue_templated, site_url
from directory.models import Company, CompanyStatus

from .checks import check_by_code
from .models import Application, ApplicationEvent, CheckDecision, CompanyEvent
from .selectors import company_status_recipients, expected_reply_time


def send_application_received(application_id: int) -> None:
    """Tell the applicant their application reached the vetting team, and
    when to expect an answer (:func:`selectors.expected_reply_time`)."""
    application = Application.objects.select_related("applicant").get(pk=application_id)
    queue_templated(
        "application_received",
        {
            "application": application,
            "reply": expected_reply_time(),
            "urls": {"follow": site_url("eligibility:follow")},
        },
        [application.applicant.email],
        language=application.language,
    )


def send_application_email(application_id: int, kind: str) -> None:
    """Tell the applicant: ``approved``, ``rejected`` (with the reason) or
    ``information`` (with the question)."""
    application = Application.objects.select_related("applicant", "company").get(pk=application_id)
    last = application.events.filter(kind=ApplicationEvent.Kind.TRANSITION).order_by("-pk").first()
    queue_templated(
        f"application_{kind}",
        {
            "application": application,
            "note": last.note if last else "",
            "urls": {
                "follow": site_url("eligibility:follow"),
                "pro": site_url("directory:pro-home"),
            },
        },
        [application.applicant.email],
        language=application.language,
    )


def send_company_status_email(event: CompanyEvent) -> list[str]:
    """Tell the company of a suspension (``company_suspended``) or a
    reinstatement (``company_reinstated``), with the recorded reason.
    Returns the addresses written to (empty: nobody to tell)."""
    to = company_status_recipients(event.company)
    if not to:
        return []
    template = (
        "company_suspended" if event.to_status == CompanyStatus.SUSPENDED else "company_reinstated"
    )
    queue_templated(
        template,
        {
            "company": event.company,
            "reason": event.reason,
            "urls": {
                "pro": site_url("directory:pro-home"),
                "page": site_url("directory:company", event.company.slug),
            },
            "contact": parseaddr(settings.DEFAULT_FROM_EMAIL)[1],
        },
        to,
    )
    return to


def send_check_expiring(decision_id: int, company_id: int) -> list[str]:
    """Tell a listed company that a passed check ends soon (issue 17: 30
    and 7 days before), with the date and the page of its pro space where
    the new document is sent. Returns the addresses written to (empty:
    nobody to tell)."""
    decision = CheckDecision.objects.get(pk=decision_id)
    company = Company.objects.get(pk=company_id)
    check = check_by_code(decision.check_code)
    to = company_status_recipients(company)
    if not to or check is None or decision.valid_until is None:
        return []
    queue_templated(
        "check_expiring",
        {
            "company": company,
            "check": check,
            "valid_until": decision.valid_until,
            "days": (decision.valid_until - timezone.localdate()).days,
            "urls": {"checks": site_url("eligibility:pro-checks", company.pk)},
        },
        to,
    )
    return to
