"""Celery tasks of reviews: ids in, services do the work."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from common.mail import EMAIL_TASK, send_templated, site_url

from . import services
from .models import Audit, ModerationDecision, Review, ReviewInvitation, ReviewRequest


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
    opt_out_url = site_url("reviews:opt-out", token)
    send_templated(
        "review_invitation",
        {
            "invoice": invitation.invoice,
            "company": invitation.invoice.company,
            "reminder": reminder,
            "expires_at": invitation.expires_at,
            "review_url": site_url("reviews:write", token),
            "opt_out_url": opt_out_url,
        },
        [invitation.invoice.client_email],
        headers={"List-Unsubscribe": f"<{opt_out_url}>"},
    )
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
    decision = ModerationDecision.objects.select_related("review__company").get(pk=decision_id)
    review = decision.review
    send_templated(
        "review_decision",
        {
            "decision": decision,
            "review": review,
            "company": review.company,
            "page_url": site_url("directory:company", review.company.slug),
            "how_url": site_url("reviews:how"),
        },
        [review.author_email],
    )


@shared_task(soft_time_limit=50 * 60, time_limit=55 * 60)
def run_audits() -> dict:
    from .audits import audits_run  # audits queues these tasks: import when run

    report = audits_run()
    return {"opened": report.opened, "missed": report.missed}


@shared_task(**EMAIL_TASK)
def send_audit_request(audit_id: int) -> None:
    """Ask the company's members for the invoice behind a review."""
    audit = Audit.objects.select_related("review__invoice__company").get(pk=audit_id)
    company = audit.review.company
    members = list(company.memberships.values_list("user__email", flat=True))
    if members:
        send_templated(
            "audit_request",
            {
                "audit": audit,
                "invoice": audit.review.invoice,
                "company": company,
                "url": site_url("reviews:pro-audits", company.pk),
            },
            members,
        )


@shared_task(**EMAIL_TASK)
def send_review_receipt(review_id: int) -> None:
    """The author's copy, with the private link to update or withdraw."""
    review = Review.objects.select_related("company").get(pk=review_id)
    send_templated(
        "review_receipt",
        {
            "review": review,
            "company": review.company,
            "manage_url": site_url("reviews:manage", services.manage_token(review)),
        },
        [review.author_email],
    )


@shared_task(**EMAIL_TASK)
def send_review_request_confirmation(request_id: int) -> None:
    request = ReviewRequest.objects.select_related("company").get(pk=request_id)
    send_templated(
        "review_request",
        {
            "request": request,
            "company": request.company,
            "url": site_url("reviews:request-confirm", services.request_token(request)),
        },
        [request.email],
    )


@shared_task(soft_time_limit=20 * 60, time_limit=25 * 60)
def run_invoice_import(job_id: int) -> None:
    services.invoice_import_run(job_id=job_id)
