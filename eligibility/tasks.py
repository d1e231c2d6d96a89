"""Celery tasks of eligibility: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from . import services
from .models import Application, ApplicationEvent

EMAIL_TASK = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "max_retries": 5,
    "soft_time_limit": 60,
    "time_limit": 90,
}


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
    with translation.override(settings.LANGUAGE_CODE):
        urls = {
            "follow": settings.SITE_URL + reverse("eligibility:follow"),
            "pro": settings.SITE_URL + reverse("directory:pro-home"),
        }
        context = {
            "application": application,
            "note": last.note if last else "",
            "urls": urls,
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = render_to_string(f"emails/application_{kind}_subject.txt", context).strip()
        body = render_to_string(f"emails/application_{kind}_body.txt", context)
    EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}", body=body, to=[application.applicant.email]
    ).send()
