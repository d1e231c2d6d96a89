from __future__ import annotations

from django import template
from django.conf import settings
from django.core.paginator import Paginator

from common.formats import star_line

from ..links import manage_token, resubmit_token
from ..selectors import (
    ORDERS,
    PAGE_SIZE,
    criteria_averages,
    fixable_decision_id,
    invitation_ratio,
    public_sanctions,
    published_reviews,
    review_distribution,
    reviews_by_author,
    unpublished_reviews,
)
from ..services import invitations, retention
from ..services.audits import AUDIT_DAYS

register = template.Library()


@register.inclusion_tag("reviews/section.html", takes_context=True)
def reviews_section(context, company):
    """The verified reviews of a company page: aggregate, distribution,
    reviews newest first (or the named order the visitor chose)."""
    request = context["request"]
    order = request.GET.get("tri_avis", "recent")
    order = order if order in ORDERS else "recent"
    page = None
    if company.review_count:  # the counter saves two queries on most pages
        page = Paginator(published_reviews(company, order), PAGE_SIZE).get_page(
            request.GET.get("page_avis")
        )
    return {
        "request": request,
        "company": company,
        "page": page,
        "order": order,
        "orders": ORDERS,
        "distribution": review_distribution(company) if company.review_count else [],
        "criteria": criteria_averages(company) if company.review_count else [],
        "sanctions": public_sanctions(company),
        "removed": unpublished_reviews(company),
        "invitation_ratio": invitation_ratio(company),
    }


@register.filter
def stars(value) -> str:
    """★★★★☆ for 4 (decorative: the number is always printed beside)."""
    return star_line(value)


@register.inclusion_tag("reviews/my_reviews.html")
def my_reviews(user):
    """The reviews written from this account's e-mail, with their private
    links: the page of each, and the correction link of a fixable refusal."""
    rows = []
    for review in reviews_by_author(user.email):
        decision_id = fixable_decision_id(review)
        fix = resubmit_token(review, decision_id) if decision_id else ""
        rows.append((review, manage_token(review), fix))
    return {"reviews": rows}


@register.simple_tag
def invoice_max_age_months() -> int:
    """``REVIEW_INVOICE_MAX_AGE_DAYS`` in months (12): the age past which an
    invoice's client is not invited."""
    return invitations.invoice_max_age_months()


@register.simple_tag
def too_old_message() -> str:
    """ "facture de plus de 12 mois : pas d'invitation"."""
    return invitations.too_old_message()


@register.filter
def invoice_too_old(issued_on) -> bool:
    """An invoice issued on this date is too old to invite its client."""
    return invitations.invoice_too_old(issued_on)


@register.simple_tag
def retention_figures() -> dict[str, int]:
    """The retention periods the nightly job applies (days), for
    ``reviews/includes/retention_rule.html``."""
    return retention.retention_figures()


@register.inclusion_tag("reviews/includes/sanctions_policy.html")
def sanctions_policy():
    """The sanctions policy (warning, freeze, exclusion and what triggers
    each) with the figures of the settings, for the transparency page."""
    return {
        "audit_days": AUDIT_DAYS,
        "strikes": settings.REVIEW_STRIKES_WARNING,
        "window": settings.REVIEW_STRIKES_WINDOW_DAYS,
    }
