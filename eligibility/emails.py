"""E-mails of eligibility, sent by workers: queued by the services,
rendered from templates/emails/application_*.

Imports run one way: tasks → services → emails (this module imports
neither)."""

from __future__ import annotations

from celery import shared_task

from common.mail import EMAIL_TASK, send_templated, site_url

from .models import Application, ApplicationEvent


# Celery ships no type information: its decorator is untyped to mypy.
@shared_task(**EMAIL_TASK)  # type: ignore[untyped-decorator]
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
