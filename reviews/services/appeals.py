"""The author's private page (dated updates, withdrawal) and appeals against
a decision, by the author or the company."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.email_addresses import canonical_email
from common.signed_links import LinkError, row_from_token
from common.types import User

from .. import emails
from ..links import MANAGE_SALT
from ..models import (
    AdditionStatus,
    Appeal,
    AppealStatus,
    ModerationDecision,
    Review,
    ReviewStatus,
    ReviewUpdate,
)
from ..text_checks import text_check_reasons
from . import ledger, moderation, stats, transitions

APPEAL_WINDOW = timedelta(days=183)


def manage_link_max_age() -> timedelta:
    """How long a manage link works (``REVIEW_MANAGE_LINK_DAYS``)."""
    return timedelta(days=settings.REVIEW_MANAGE_LINK_DAYS)


def review_from_manage_token(token: str) -> Review:
    """The review an author's manage link names. Raises ``LinkExpired``
    once the link is older than :func:`manage_link_max_age` (its page then
    offers a fresh one, :func:`manage_link_renew`), ``LinkError`` else."""
    return row_from_token(
        Review.objects.select_related("company"),
        token,
        salt=MANAGE_SALT,
        nonce_field="manage_nonce",
        invalid=_("This link is not valid."),
        expired=_("This link has expired: ask for a new one below."),
        max_age=manage_link_max_age(),
    )


def manage_link_renew(*, token: str, email: str) -> None:
    """Mail a fresh manage link to the author of the review an *expired*
    (or still valid) manage link names, if ``email`` is the address the
    review was written from (compared canonically, ``common.emails``).

    Says nothing back, whatever happens: the page answers the same for a
    wrong address, a forged or revoked link, or a sent e-mail, so that it
    reveals neither a review nor an address. Rate limits are the view's.
    """
    try:
        review = row_from_token(
            Review.objects.all(),
            token,
            salt=MANAGE_SALT,
            nonce_field="manage_nonce",
            invalid="",
        )
    except LinkError:
        return
    reviewer = canonical_email(email)
    if reviewer and reviewer == canonical_email(review.author_email):
        emails.send_manage_link(review.pk)


def review_add_update(*, review: Review, text: str) -> ReviewUpdate:
    """The author adds a dated note; the original text never changes.

    The note runs the review's own text checks (``reviews.text_checks``:
    contact details, the client's surname written out): passed, it is
    published at once; failed, it waits for a moderator
    (``AdditionStatus.PENDING``, its reasons kept) and is not shown until
    published (``moderation.addition_moderate``). Raises ``ValidationError``
    for a review no longer open to updates or a note too short or long."""
    if review.status not in (ReviewStatus.PUBLISHED, ReviewStatus.PENDING):
        raise ValidationError(_("This review can no longer be updated."))
    update = ReviewUpdate(review=review, text=text.strip())
    update.full_clean()
    update.moderation_reasons = text_check_reasons(
        update.text, client_name=review.invoice.client_name, shown_name=review.display_name
    )
    update.status = (
        AdditionStatus.PENDING if update.moderation_reasons else AdditionStatus.PUBLISHED
    )
    update.save()
    if update.status == AdditionStatus.PUBLISHED:
        transitions.review_touch(review_id=review.pk)
    return update


@transaction.atomic
def review_withdraw(*, review: Review) -> None:
    """The author withdraws the review: it leaves the page, and is kept."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    if review.status == ReviewStatus.WITHDRAWN:
        return
    was_published = review.status == ReviewStatus.PUBLISHED
    transitions.review_move(
        review=review,
        to=ReviewStatus.WITHDRAWN,
        by="author",
        actor=None,
        reason=_("Withdrawn by its author."),
    )
    if was_published:
        stats.company_review_stats_refresh(company_ids=[review.company_id])


# What an author may appeal: any unpublishing, whether a moderator refused
# the review (before or after publication) or a document audit failed.
AUTHOR_APPEALABLE = (ReviewStatus.REJECTED, ReviewStatus.UNPUBLISHED)


@transaction.atomic
def appeal_create(*, review: Review, by: str, text: str, appellant=None) -> Appeal:
    """Within 6 months of the last decision: the author against any
    unpublishing (a refusal by a moderator, a removal after a flag or the
    company's appeal, a failed document audit: ``AUTHOR_APPEALABLE``), the
    company against a publication. Chained in the review's record
    (``ledger``). Raises ``ValidationError`` otherwise, or when the same
    side's appeal is already open."""
    last = review.decisions.order_by("-created_at").first()
    decided_at = last.created_at if last else review.published_at or review.created_at
    if review.status == ReviewStatus.UNPUBLISHED and review.status_changed_at:
        decided_at = review.status_changed_at  # the audit's decision
    if timezone.now() - decided_at > APPEAL_WINDOW:
        raise ValidationError(_("Decisions can be appealed within 6 months only."))
    if by == Appeal.By.AUTHOR and review.status not in AUTHOR_APPEALABLE:
        raise ValidationError(_("Only a review that was removed can be appealed by its author."))
    if by == Appeal.By.COMPANY and review.status != ReviewStatus.PUBLISHED:
        raise ValidationError(_("Only a published review can be appealed by the company."))
    if review.appeals.filter(by=by, status=AppealStatus.OPEN).exists():
        raise ValidationError(_("An appeal is already open."))
    appeal = Appeal(review=review, by=by, text=text.strip(), appellant=appellant)
    appeal.full_clean()
    appeal.save()
    ledger.append([_appeal_entry(appeal, actor_id=appeal.appellant_id, at=appeal.created_at)])
    return appeal


def _appeal_entry(appeal: Appeal, *, actor_id: int | None, at) -> ledger.Entry:
    return ledger.appeal_entry(
        review_id=appeal.review_id,
        appeal_id=appeal.pk,
        by=appeal.by,
        status=appeal.status,
        actor_id=actor_id,
        at=at,
    )


@transaction.atomic
def appeal_decide(
    *, appeal: Appeal, actor: User, upheld: bool, note: str = "", reason: str = ""
) -> None:
    """Upholding reverses the decision through moderation (recorded like
    any decision); dismissing leaves it. Either way the appeal is closed."""
    appeal = Appeal.objects.select_for_update().get(pk=appeal.pk)
    if appeal.status != AppealStatus.OPEN:
        raise ValidationError(_("This appeal is already decided."))
    if upheld:
        review = Review.objects.select_for_update().get(pk=appeal.review_id)
        if appeal.by == Appeal.By.AUTHOR:
            # Back to moderation, recorded, then published by the decision.
            why = _("The author's appeal is upheld.")
            transitions.review_move(
                review=review,
                to=ReviewStatus.PENDING,
                by="staff",
                actor=actor,
                reason=f"{why} {note.strip()}".strip(),
            )
            moderation.review_moderate(
                review=review, actor=actor, decision=ModerationDecision.Decision.PUBLISH, note=note
            )
        else:
            moderation.review_moderate(
                review=review,
                actor=actor,
                decision=ModerationDecision.Decision.REJECT,
                reason=reason,
                note=note,
            )
    appeal.status = AppealStatus.UPHELD if upheld else AppealStatus.DISMISSED
    appeal.decided_at, appeal.decided_by, appeal.decision_note = timezone.now(), actor, note
    appeal.save(update_fields=["status", "decided_at", "decided_by", "decision_note"])
    ledger.append([_appeal_entry(appeal, actor_id=actor.pk, at=appeal.decided_at)])
