"""Signed links of the reviews app: their salts, the tokens that name a row,
and the absolute URLs the e-mails carry. The bottom layer of the app's
imports (tasks → services → emails → links): it imports models only.

Reading a token back is ``common.signed_links.row_from_token`` with the
salt below, in the service that acts on the row.
"""

from __future__ import annotations

from common.mail import site_url
from common.signed_links import make_token
from directory.models import Company

from .models import Review, ReviewInvitation, ReviewRequest

INVITATION_SALT = "reviews.invitation"
MANAGE_SALT = "reviews.manage"
REQUEST_SALT = "reviews.request"
RESUBMIT_SALT = "reviews.resubmit"


def invitation_token(invitation: ReviewInvitation) -> str:
    """Names the invitation: the review form and the opt-out."""
    return make_token(INVITATION_SALT, invitation.pk, invitation.nonce)


def manage_token(review: Review) -> str:
    """Names the author's private page of a review (update, withdraw, appeal)."""
    return make_token(MANAGE_SALT, review.pk, review.manage_nonce)


def resubmit_token(review: Review, decision_id: int) -> str:
    """Names one refusal (the ``ModerationDecision`` ``decision_id``) of
    ``review``: the page to correct the review and send it again. Signed
    with the review's manage nonce, so revoking the manage links revokes it;
    it works once, while that refusal is the review's last decision."""
    return make_token(RESUBMIT_SALT, decision_id, review.manage_nonce)


def request_token(request: ReviewRequest) -> str:
    """Proves the address of a client asking to review without an invitation."""
    return make_token(REQUEST_SALT, request.pk, request.nonce)


def review_url(invitation: ReviewInvitation) -> str:
    return site_url("reviews:write", invitation_token(invitation))


def opt_out_url(invitation: ReviewInvitation) -> str:
    return site_url("reviews:opt-out", invitation_token(invitation))


def manage_url(review: Review) -> str:
    return site_url("reviews:manage", manage_token(review))


def resubmit_url(review: Review, decision_id: int) -> str:
    return site_url("reviews:resubmit", resubmit_token(review, decision_id))


def request_confirm_url(request: ReviewRequest) -> str:
    return site_url("reviews:request-confirm", request_token(request))


def company_page_url(company: Company) -> str:
    return site_url("directory:company", company.slug)


def how_url() -> str:
    """The public page "how we check reviews"."""
    return site_url("reviews:how")


def pro_audits_url(company: Company) -> str:
    """The company's audits in the pro space."""
    return site_url("reviews:pro-audits", company.pk)
