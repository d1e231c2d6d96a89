"""Staff pages: moderation queue and decisions, flags, appeals, sanctions,
document audits. Every view needs ``reviews.moderate_review``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from common.ids import get_by_id_or_404, id_parse
from common.permissions import staff_required
from common.types import AuthenticatedHttpRequest
from directory.models import Company

from ..forms import ModerationForm, ModerationQueueFilterForm
from ..models import (
    Appeal,
    Audit,
    AuditStatus,
    RejectionReason,
    Reply,
    Review,
    ReviewFlag,
    ReviewUpdate,
)
from ..name_explanation import explain_comparison
from ..names import compare_names
from ..selectors import (
    MODERATION_PAGE_SIZE,
    active_sanction,
    invitation_ratios,
    moderation_backlog,
    pending_reviews,
    review_history,
    strikes_by_company,
)
from ..services import appeals, audits, ledger, moderation, sanctions

moderation_required = staff_required("reviews.moderate_review")


@moderation_required
@require_safe
def moderation_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Reviews waiting for a decision, filtered (reason, rating, age) and
    paged; an invalid filter is shown as an error, and the queue unfiltered."""
    filters = ModerationQueueFilterForm(request.GET or None)
    wanted = {
        name: value
        for name, value in (filters.cleaned_data if filters.is_valid() else {}).items()
        if value not in ("", None)
    }
    reviews = pending_reviews(
        reason=wanted.get("reason", ""),
        rating=wanted.get("rating"),
        min_age_days=wanted.get("age"),
    )
    page = Paginator(reviews, MODERATION_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reviews/staff/queue.html",
        {
            **moderation_backlog(),
            "filters": filters,
            "filtered": bool(wanted),
            "page": page,
        },
    )


@moderation_required
@require_http_methods(["GET", "HEAD", "POST"])
def moderation_detail(request: AuthenticatedHttpRequest, review_id: int) -> HttpResponse:
    review = get_object_or_404(
        Review.objects.select_related("company", "invoice").prefetch_related(
            "decisions", "flags", "appeals"
        ),
        pk=review_id,
    )
    form = ModerationForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        try:
            moderation.review_moderate(
                review=review,
                actor=request.user,
                decision=form.cleaned_data["decision"],
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Decision recorded; the author is told."))
            return redirect("reviews:moderation")
    comparison = explain_comparison(
        compare_names(
            review.author_name,
            review.invoice.client_name,
            invoice_company=review.invoice.client_company,
        ),
        author=review.author_name,
        invoice_client=review.invoice.client_name,
        invoice_company=review.invoice.client_company,
    )

    return render(
        request,
        "reviews/staff/detail.html",
        {
            "review": review,
            "form": form,
            "comparison": comparison,
            "reasons": RejectionReason.choices,
            "sanction": active_sanction(review.company),
            "history": review_history(review),
            "chain_break": ledger.review_chain_break(review),
        },
    )


@moderation_required
@require_POST
def addition_decide(request: AuthenticatedHttpRequest, kind: str, addition_id: int) -> HttpResponse:
    """Publish or reject an author's update (``kind`` "maj") or a
    company's reply ("reponse") held by the text checks."""
    model = {"maj": ReviewUpdate, "reponse": Reply}.get(kind)
    if model is None:
        raise Http404
    addition = get_object_or_404(model, pk=addition_id)
    publish = request.POST.get("publish") == "1"
    try:
        moderation.addition_moderate(addition=addition, actor=request.user, publish=publish)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Published.") if publish else _("Rejected: it stays hidden."))
    return redirect("reviews:moderation")


@moderation_required
@require_POST
def flag_dismiss(request: AuthenticatedHttpRequest, flag_id: int) -> HttpResponse:
    flag = get_object_or_404(ReviewFlag, pk=flag_id)
    moderation.flag_dismiss(flag=flag, actor=request.user)
    messages.success(request, _("Flag closed; the review stays published."))
    return redirect("reviews:moderation")


@moderation_required
@require_http_methods(["GET", "HEAD", "POST"])
def staff_audits(request: AuthenticatedHttpRequest) -> HttpResponse:
    if request.method == "POST":
        audit = get_by_id_or_404(Audit, request.POST.get("audit"))
        try:
            audits.audit_decide(
                audit=audit,
                actor=request.user,
                passed=request.POST.get("passed") == "1",
                note=request.POST.get("note", "")[:2000],
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("Audit decided."))
        return redirect("reviews:staff-audits")
    submitted = (
        Audit.objects.filter(status=AuditStatus.SUBMITTED)
        .select_related("review__invoice__company")
        .prefetch_related("scans")
    )
    open_audits = Audit.objects.filter(status=AuditStatus.OPEN).count()
    return render(
        request,
        "reviews/staff/audits.html",
        {
            "submitted": submitted[:100],
            "open_count": open_audits,
            "strikes": strikes_by_company(),
            "ratios": invitation_ratios(),
        },
    )


@moderation_required
@require_POST
def appeal_decide(request: AuthenticatedHttpRequest, appeal_id: int) -> HttpResponse:
    appeal = get_object_or_404(Appeal, pk=appeal_id)
    try:
        appeals.appeal_decide(
            appeal=appeal,
            actor=request.user,
            upheld=request.POST.get("upheld") == "1",
            note=request.POST.get("note", "")[:2000],
            reason=request.POST.get("reason", ""),
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Appeal decided."))
    return redirect("reviews:moderation-detail", review_id=appeal.review_id)


@moderation_required
@require_POST
def sanction(request: AuthenticatedHttpRequest, company_id: int) -> HttpResponse:
    company = get_object_or_404(Company, pk=company_id)
    try:
        if request.POST.get("lift"):
            current = get_object_or_404(company.review_sanctions.active().freezes())
            sanctions.sanction_lift(sanction=current, actor=request.user)
            messages.success(request, _("Sanction lifted."))
        else:
            sanctions.sanction_create(
                company=company, actor=request.user, reason=request.POST.get("reason", "")[:2000]
            )
            messages.success(request, _("Sanction recorded: warning shown, new reviews frozen."))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    review_id = id_parse(request.POST.get("review"))
    if review_id is not None:
        return redirect("reviews:moderation-detail", review_id=review_id)
    return redirect("reviews:moderation")
