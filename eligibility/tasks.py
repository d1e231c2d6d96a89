"""Celery tasks of eligibility: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task

from common.mail import EMAIL_TASK, send_templated, site_url

from . import services
from .models import Application, ApplicationEvent


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def rescreen_companies() -> dict:
    report = services.companies_rescreen()
    return {"screened": report.screened, "flagged": report.flagged}


@shared_task(**EMAIL_TASK)
def send_application_email(application_id: int, kind: str) -> None:
    """Tell the applicant: ``approved``, ``rejected`` (with the reason) or
    ``information`` (with the question)."""
    application = Application.objects.select_related("applicant", "company").get(pk=application_id)
    last = application.events.filter(kind=ApplicationEvent.Kind.TRANSITION).order_by("-pk").first()
    send_templated(
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
    )
