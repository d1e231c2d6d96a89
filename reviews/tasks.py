"""Celery tasks of reviews: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from . import services
from .models import ReviewInvitation

EMAIL_TASK = {
    "autoretry_for": (OSError,),
    "retry_backoff": 30,
    "max_retries": 5,
    "soft_time_limit": 60,
    "time_limit": 90,
}


@shared_task(**EMAIL_TASK)
def send_review_invitation(invitation_id: int, reminder: bool = False) -> None:
    """The platform's own, neutral invitation: who asks, about which
    service and date, where the review appears, what identity shows."""
    invitation = (
        ReviewInvitation.objects.select_related("invoice__company")
        .filter(pk=invitation_id, used_at__isnull=True, opted_out_at__isnull=True)
        .first()
    )
    if invitation is None or not invitation.is_open:
        return
    token = services.invitation_token(invitation)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "invoice": invitation.invoice,
            "company": invitation.invoice.company,
            "reminder": reminder,
            "expires_at": invitation.expires_at,
            "review_url": settings.SITE_URL + reverse("reviews:write", args=[token]),
            "opt_out_url": settings.SITE_URL + reverse("reviews:opt-out", args=[token]),
            "SITE_NAME": settings.SITE_NAME,
            "SITE_URL": settings.SITE_URL,
        }
        subject = render_to_string("emails/review_invitation_subject.txt", context).strip()
        body = render_to_string("emails/review_invitation_body.txt", context)
    EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}",
        body=body,
        to=[invitation.invoice.client_email],
        headers={"List-Unsubscribe": f"<{context['opt_out_url']}>"},
    ).send()
    if not reminder:
        ReviewInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )


@shared_task(soft_time_limit=30 * 60, time_limit=35 * 60)
def send_reminders() -> int:
    return services.invitations_remind()


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def refresh_review_stats() -> int:
    return services.company_review_stats_refresh()


@shared_task(**EMAIL_TASK)
def send_moderation_email(decision_id: int) -> None:
    """Tell the author what became of their review, and why if refused."""
    from .models import ModerationDecision

    decision = ModerationDecision.objects.select_related("review__company").get(pk=decision_id)
    review = decision.review
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "decision": decision,
            "review": review,
            "company": review.company,
            "page_url": settings.SITE_URL + review.company.get_absolute_url(),
            "how_url": settings.SITE_URL + reverse("reviews:how"),
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = render_to_string("emails/review_decision_subject.txt", context).strip()
        body = render_to_string("emails/review_decision_body.txt", context)
    EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}", body=body, to=[review.author_email]
    ).send()


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def run_audits() -> dict:
    from .audits import audits_run

    report = audits_run()
    return {"opened": report.opened, "missed": report.missed}


@shared_task(**EMAIL_TASK)
def send_audit_request(audit_id: int) -> None:
    """Ask the company's members for the invoice behind a review."""
    from .models import Audit

    audit = Audit.objects.select_related("review__invoice__company").get(pk=audit_id)
    company = audit.review.company
    members = list(company.memberships.values_list("user__email", flat=True))
    if not members:
        return
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "audit": audit,
            "invoice": audit.review.invoice,
            "company": company,
            "url": settings.SITE_URL + reverse("reviews:pro-audits", args=[company.pk]),
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = render_to_string("emails/audit_request_subject.txt", context).strip()
        body = render_to_string("emails/audit_request_body.txt", context)
    EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}", body=body, to=members
    ).send()


@shared_task(**EMAIL_TASK)
def send_review_receipt(review_id: int) -> None:
    """The author's copy, with the private link to update or withdraw."""
    from .models import Review

    review = Review.objects.select_related("company").get(pk=review_id)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "review": review,
            "company": review.company,
            "manage_url": settings.SITE_URL
            + reverse("reviews:manage", args=[services.manage_token(review)]),
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = render_to_string("emails/review_receipt_subject.txt", context).strip()
        body = render_to_string("emails/review_receipt_body.txt", context)
    EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}", body=body, to=[review.author_email]
    ).send()


@shared_task(**EMAIL_TASK)
def send_review_request_confirmation(request_id: int) -> None:
    from .models import ReviewRequest

    request = ReviewRequest.objects.select_related("company").get(pk=request_id)
    with translation.override(settings.LANGUAGE_CODE):
        context = {
            "request": request,
            "company": request.company,
            "url": settings.SITE_URL
            + reverse("reviews:request-confirm", args=[services.request_token(request)]),
            "SITE_NAME": settings.SITE_NAME,
        }
        subject = render_to_string("emails/review_request_subject.txt", context).strip()
        body = render_to_string("emails/review_request_body.txt", context)
    EmailMultiAlternatives(
        subject=f"[{settings.SITE_NAME}] {subject}", body=body, to=[request.email]
    ).send()


@shared_task(soft_time_limit=20 * 60, time_limit=25 * 60)
def run_invoice_import(job_id: int) -> None:
    services.invoice_import_run(job_id=job_id)
