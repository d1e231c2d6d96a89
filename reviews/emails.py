"""E-mails of the reviews app: one function per e-mail, ids in, rendered
and written to the outbox by ``common.mail`` inside the services'
transaction (a worker sends them once it commits). Imports models and
``links`` only, so that services queue them without an import circle."""

from __future__ import annotations

from django.utils import timezone

from common.mail import queue_templated
from directory.models import Membership

from . import links
from .models import (
    FIXABLE_REJECTION_REASONS,
    Audit,
    ModerationDecision,
    Review,
    ReviewInvitation,
    ReviewRequest,
)


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
    opt_out_url = links.opt_out_url(invitation)
    queue_templated(
        "review_invitation",
        {
            "invoice": invitation.invoice,
            "company": invitation.invoice.company,
            "reminder": reminder,
            "expires_at": invitation.expires_at,
            "review_url": links.review_url(invitation),
            "opt_out_url": opt_out_url,
        },
        [invitation.invoice.client_email],
        headers={"List-Unsubscribe": f"<{opt_out_url}>"},
    )
    if not reminder:
        # In the outbox, in this transaction: it will be sent (the reminder
        # job counts from here).
        ReviewInvitation.objects.filter(pk=invitation.pk, sent_at__isnull=True).update(
            sent_at=timezone.now()
        )


def send_moderation_email(decision_id: int) -> None:
    """Tell the author what became of their review, and why if refused;
    a refusal they can fix (``FIXABLE_REJECTION_REASONS``) comes with the
    single-use link to correct the review and send it again."""
    decision = ModerationDecision.objects.select_related("review__company").get(pk=decision_id)
    review = decision.review
    fixable = (
        decision.decision == ModerationDecision.Decision.REJECT
        and decision.reason in FIXABLE_REJECTION_REASONS
    )
    queue_templated(
        "review_decision",
        {
            "decision": decision,
            "review": review,
            "company": review.company,
            "page_url": links.company_page_url(review.company),
            "how_url": links.how_url(),
            "resubmit_url": links.resubmit_url(review, decision.pk) if fixable else "",
        },
        [review.author_email],
    )


def send_audit_request(audit_id: int) -> None:
    """Ask the company's members for the invoice behind a review."""
    send_audit_requests([audit_id])


def send_audit_requests(audit_ids: list[int]) -> None:
    """:func:`send_audit_request` of many audits (the nightly batch): the
    audits with their reviews, invoices and companies read in one query,
    the members' addresses in one more, one e-mail per audit whose company
    has members. Three queries an audit took 80 s for the 5,000 audits of
    a night (``make bench-nightly``)."""
    audits = list(
        Audit.objects.select_related("review__company", "review__invoice")
        .filter(pk__in=audit_ids)
        .order_by("pk")
    )
    members: dict[int, list[str]] = {}
    for company_id, email in Membership.objects.filter(
        company_id__in={audit.review.company_id for audit in audits}
    ).values_list("company_id", "user__email"):
        members.setdefault(company_id, []).append(email)
    for audit in audits:
        company = audit.review.company
        if company.pk in members:
            queue_templated(
                "audit_request",
                {
                    "audit": audit,
                    "invoice": audit.review.invoice,
                    "company": company,
                    "url": links.pro_audits_url(company),
                },
                members[company.pk],
            )


def send_review_receipt(review_id: int) -> None:
    """The author's copy, with the private link to update or withdraw."""
    review = Review.objects.select_related("company").get(pk=review_id)
    queue_templated(
        "review_receipt",
        {"review": review, "company": review.company, "manage_url": links.manage_url(review)},
        [review.author_email],
    )


def send_review_request_confirmation(request_id: int) -> None:
    """The link that proves the address of a client asking to review."""
    request = ReviewRequest.objects.select_related("company").get(pk=request_id)
    queue_templated(
        "review_request",
        {
            "request": request,
            "company": request.company,
            "url": links.request_confirm_url(request),
        },
        [request.email],
    )


def send_manage_link(review_id: int) -> None:
    """A fresh private link to the author's page, asked for from an
    expired one (``appeals.manage_link_renew``)."""
    review = Review.objects.select_related("company").get(pk=review_id)
    queue_templated(
        "review_manage_link",
        {"review": review, "company": review.company, "manage_url": links.manage_url(review)},
        [review.author_email],
    )


def send_audit_outcome(audit_id: int) -> None:
    """Tell the author what the document audit of their review found
    (``review_audit_outcome``): passed (the label now says "invoice checked
    on …"), failed (unpublished, with the reason and the private link to
    appeal) or missed (the company sent nothing: the review stays published
    with a public note). In the site's language (French by default)."""
    send_audit_outcomes([audit_id])


def send_audit_outcomes(audit_ids: list[int]) -> None:
    """:func:`send_audit_outcome` of many audits (the nightly batch): read
    in one query, one e-mail each."""
    audits = Audit.objects.select_related("review__company").filter(pk__in=audit_ids)
    for audit in audits.order_by("pk"):
        _audit_outcome_queue(audit)


def _audit_outcome_queue(audit: Audit) -> None:
    review = audit.review
    queue_templated(
        "review_audit_outcome",
        {
            "audit": audit,
            "review": review,
            "company": review.company,
            "page_url": links.company_page_url(review.company),
            "manage_url": links.manage_url(review),
            "how_url": links.how_url(),
        },
        [review.author_email],
    )
