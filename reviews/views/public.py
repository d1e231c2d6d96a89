"""Public pages of reviews: how reviews are checked, flagging a published review."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe
from django_ratelimit.decorators import ratelimit

from ..forms import (
    FlagForm,
)
from ..models import (
    RejectionReason,
    Review,
)
from ..services import moderation
from ..transparency import RATINGS, transparency_figures


@require_safe
def how(request: HttpRequest) -> HttpResponse:
    """ "Comment nous vérifions les avis": the method, and live figures
    (``reviews.transparency``)."""
    return render(
        request,
        "reviews/how.html",
        {
            "figures": transparency_figures(),
            "ratings": RATINGS,
            "reasons": RejectionReason.choices,
            "invitation_days": settings.REVIEW_INVITATION_DAYS,
            "audit_rate": int(settings.REVIEW_AUDIT_RATE * 100),
        },
    )


@ratelimit(group="review-flag", key="ip", rate="10/h", method="POST", block=False)
@require_http_methods(["GET", "HEAD", "POST"])
def public_flag(request: HttpRequest, review_id: int) -> HttpResponse:
    """Any visitor can flag a published review; it stays visible."""
    review = get_object_or_404(Review.objects.published().select_related("company"), pk=review_id)
    form = FlagForm(request.POST or None)
    if request.method == "POST":
        if getattr(request, "limited", False):
            form.add_error(None, _("Too many flags from you in a short time. Try again later."))
        elif form.is_valid():
            moderation.flag_create(
                review=review,
                reason=form.cleaned_data["reason"],
                note=form.cleaned_data["note"],
                reporter=request.user if request.user.is_authenticated else None,
            )
            messages.success(
                request, _("Thank you. The review stays visible while our team looks at it.")
            )
            return redirect(f"{review.company.get_absolute_url()}#avis-{review.pk}")
    return render(request, "reviews/flag.html", {"review": review, "form": form})
