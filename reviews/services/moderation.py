"""Moderation: staff decisions on reviews, the company's public reply, flags."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from common.types import User

from .. import emails
from ..models import (
    PUBLISHED_REJECTION_NEEDS_NOTE,
    REJECTION_NOTE_MIN,
    AdditionStatus,
    ModerationDecision,
    RejectionReason,
    Reply,
    Review,
    ReviewFlag,
    ReviewStatus,
    ReviewUpdate,
)
from ..text_checks import text_check_reasons
from . import ledger, stats, transitions


@transaction.atomic
def review_moderate(
    *, review: Review, actor: User, decision: str, reason: str = "", note: str = ""
) -> ModerationDecision:
    """Publish a review waiting in moderation, or reject a review (waiting,
    or published and flagged) for one reason of the published list. The
    decision is recorded and the author told.

    Taking down a *published* review (after a flag, or a company's appeal)
    also needs the note that justifies it — what was found, the evidence
    seen — of at least ``REJECTION_NOTE_MIN`` characters, stored with the
    decision: a reason from the list alone is not enough. Raises
    ``ValidationError`` (code ``note_required``) and changes nothing
    otherwise."""
    review = Review.objects.select_for_update().get(pk=review.pk)
    allowed = {
        ModerationDecision.Decision.PUBLISH: (ReviewStatus.PENDING,),
        ModerationDecision.Decision.REJECT: (ReviewStatus.PENDING, ReviewStatus.PUBLISHED),
    }
    if review.status not in allowed.get(decision, ()):
        raise ValidationError(_("This review cannot take that decision now."))
    if decision == ModerationDecision.Decision.REJECT and reason not in RejectionReason.values:
        raise ValidationError(_("Choose the reason of the rejection in the list."))
    if (
        decision == ModerationDecision.Decision.REJECT
        and review.status == ReviewStatus.PUBLISHED
        and len(note.strip()) < REJECTION_NOTE_MIN
    ):
        raise ValidationError(PUBLISHED_REJECTION_NEEDS_NOTE, code="note_required")
    record = ModerationDecision.objects.create(
        review=review,
        decision=decision,
        reason=reason if decision == ModerationDecision.Decision.REJECT else "",
        note=note.strip(),
        decided_by=actor,
    )
    ledger.append(
        [
            ledger.decision_entry(
                review_id=review.pk,
                decision_id=record.pk,
                decision=record.decision,
                reason=record.reason,
                note=record.note,
                actor_id=actor.pk,
                at=record.created_at,
            )
        ]
    )
    now = timezone.now()
    was_published = review.status == ReviewStatus.PUBLISHED
    if decision == ModerationDecision.Decision.PUBLISH:
        status, why = ReviewStatus.PUBLISHED, _("Published by a moderator.")
    else:
        status, why = ReviewStatus.REJECTED, str(RejectionReason(reason).label)
    transitions.review_move(
        review=review,
        to=status,
        by="staff",
        actor=actor,
        reason=f"{why} {record.note}".strip(),
        at=now,
    )
    review.flags.filter(resolved_at__isnull=True).update(resolved_at=now, resolved_by=actor)
    if was_published or review.status == ReviewStatus.PUBLISHED:
        stats.company_review_stats_refresh(company_ids=[review.company_id])
    emails.send_moderation_email(record.pk)
    return record


@transaction.atomic
def reply_save(*, review: Review, author: User, text: str) -> Reply:
    """The company's one public reply. Editing it marks it edited (the
    public page says so) and keeps the replaced text, its author and date
    as a ``ReplyRevision`` for staff (``Reply.save``); the same text again
    changes nothing.

    The reply runs the review's own text checks (``reviews.text_checks``):
    contact details, and the client's name compared with the invoice's
    client name — the page shows "Marc D.", so "Monsieur Durand" in a
    reply is personal data. Passed, it is published; failed, it waits for
    a moderator (``AdditionStatus.PENDING``, its reasons kept) and is not
    shown until published (:func:`addition_moderate`). An edit is checked
    the same way. Raises ``ValidationError`` for a text too short or long."""
    reply = Reply.objects.select_for_update().filter(review=review).first()
    text = text.strip()
    if reply is None:
        reply = Reply(review=review, author=author, text=text)
    elif reply.text == text:
        return reply
    else:
        reply.text, reply.author, reply.edited_at = text, author, timezone.now()
    reply.full_clean()
    reply.moderation_reasons = text_check_reasons(
        reply.text, client_name=review.invoice.client_name, shown_name=review.display_name
    )
    reply.status = AdditionStatus.PENDING if reply.moderation_reasons else AdditionStatus.PUBLISHED
    reply.decided_at = reply.decided_by = None
    reply.save()
    transitions.review_touch(review_id=review.pk)
    return reply


@transaction.atomic
def addition_moderate(*, addition: ReviewUpdate | Reply, actor: User, publish: bool) -> None:
    """A moderator publishes or rejects an author's update or a company's
    reply held by the text checks (:func:`reply_save`,
    ``appeals.review_add_update``); who and when are kept. Raises
    ``ValidationError`` if it no longer waits (decided, or edited since)."""
    model = type(addition)
    moved = model.objects.filter(pk=addition.pk, status=AdditionStatus.PENDING).update(
        status=AdditionStatus.PUBLISHED if publish else AdditionStatus.REJECTED,
        decided_at=timezone.now(),
        decided_by=actor,
    )
    if not moved:
        raise ValidationError(_("This text no longer waits for moderation."))
    if publish:
        transitions.review_touch(review_id=addition.review_id)


def flag_create(
    *, review: Review, reason: str, note: str = "", reporter=None, by_company: bool = False
) -> ReviewFlag:
    """Record a flag; the review stays visible."""
    flag = ReviewFlag(
        review=review, reason=reason, note=note.strip(), reporter=reporter, by_company=by_company
    )
    flag.full_clean()
    flag.save()
    return flag


def flag_dismiss(*, flag: ReviewFlag, actor: User) -> None:
    ReviewFlag.objects.filter(pk=flag.pk, resolved_at__isnull=True).update(
        resolved_at=timezone.now(), resolved_by=actor
    )
