"""The state machines of ``Review.status`` and ``Audit.status``: the one way
each changes, allowed by its table (``REVIEW_TRANSITIONS``,
``common.models.AUDIT_TRANSITIONS``) and recorded as a write-once
event (who, from, to, why), chained in the review's tamper-evident record
(``reviews.services.ledger``). Callers hold the row locked
(``select_for_update``) and keep their own side effects (aggregates, e-mails)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.utils import timezone

from common.models import AUDIT_TRANSITIONS
from common.page_cache import pages_written
from common.types import User
from partners.models import EventType
from partners.webhooks import event_publish, event_subscribed, events_publish

from ..models import (
    REVIEW_TRANSITIONS,
    Audit,
    AuditEvent,
    AuditReason,
    AuditStatus,
    Review,
    ReviewEvent,
    ReviewStatus,
)
from . import ledger


def review_move(
    *,
    review: Review,
    to: str,
    by: str,
    actor: User | None,
    reason: str,
    at: datetime | None = None,
    also: Iterable[str] = (),
) -> ReviewEvent:
    """Move ``review`` to status ``to`` at ``at`` (default: now) and record
    why. A review not saved yet is inserted with its first status (from "").
    ``status_changed_at`` follows, and ``published_at`` on publication;
    ``also``: other fields the caller set, saved with the status. Raises
    ``TransitionError`` for a move ``by`` (a role: system, staff, author)
    may not make according to REVIEW_TRANSITIONS."""
    from_status = "" if review._state.adding else review.status
    REVIEW_TRANSITIONS.check(from_status, to, by=by)
    at = at or timezone.now()
    review.status, review.status_changed_at, review.updated_at = to, at, at
    if to == ReviewStatus.PUBLISHED:
        review.published_at = at
    if from_status:
        review.save(
            update_fields=["status", "status_changed_at", "published_at", "updated_at", *also]
        )
    else:
        review.save()
    event = ReviewEvent.objects.create(
        review=review,
        actor=actor,
        from_status=from_status,
        to_status=to,
        reason=reason,
        created_at=at,
    )
    _review_moved_publish(review, from_status, to, at)
    ledger.append(
        [
            ledger.status_entry(
                review_id=review.pk,
                event_id=event.pk,
                from_status=from_status,
                to=to,
                actor_id=actor.pk if actor else None,
                reason=str(reason),
                at=at,
            )
        ]
    )
    return event


def audit_move(
    *,
    audit: Audit,
    to: str,
    by: str,
    actor: User | None,
    reason: str,
    at: datetime | None = None,
    also: Iterable[str] = (),
) -> AuditEvent:
    """Move ``audit`` to status ``to`` and record why; a decision (passed,
    failed, missed) also stamps ``decided_at`` and ``decided_by``. Raises
    ``TransitionError`` for a move ``by`` (system, company, staff) may not
    make according to AUDIT_TRANSITIONS (``DocumentAudit.status_move``)."""
    at = at or timezone.now()
    from_status = audit.status_move(to=to, by=by, actor=actor, at=at, also=also)
    event = AuditEvent.objects.create(
        audit=audit,
        actor=actor,
        from_status=from_status,
        to_status=to,
        reason=reason,
        created_at=at,
    )
    ledger.append([_audit_entry(event, audit)])
    # A decision changes the review's public label ("invoice checked on…").
    review_touch(review_id=audit.review_id, at=at)
    return event


def reviews_touch(*, review_ids: list[int], at: datetime) -> None:
    """:func:`review_touch` of many reviews in a few statements whatever
    their number (the nightly batch): one UPDATE, and the partners'
    ``review.updated`` events of those published, if anyone listens."""
    Review.objects.filter(pk__in=review_ids).update(updated_at=at)
    pages_written()
    if not event_subscribed(EventType.REVIEW_UPDATED):
        return
    rows = Review.objects.filter(pk__in=review_ids, status=ReviewStatus.PUBLISHED).values(
        "pk", "company_id", "company__slug", "status"
    )
    events_publish(
        EventType.REVIEW_UPDATED,
        [
            (
                row["company_id"],
                {
                    "review": {"id": row["pk"], "status": row["status"]},
                    "company": {"id": row["company_id"], "slug": row["company__slug"]},
                },
            )
            for row in rows.order_by("pk")
        ],
        at=at,
    )


def review_touch(*, review_id: int, at: datetime | None = None) -> None:
    """What the public sees of the review changed without its status
    moving (its reply, an update, its audit): ``updated_at`` moves, so the
    API's feed (``reviews.api.ReviewFeed``) hands it out again, and the
    pages kept for visitors are built again (``common.page_cache``: the
    reply or update a moderator published, the audit decided, are written
    by UPDATEs, which send no signal)."""
    Review.objects.filter(pk=review_id).update(updated_at=at or timezone.now())
    pages_written()
    _review_event_publish(EventType.REVIEW_UPDATED, review_id, at)


def _review_moved_publish(review: Review, from_status: str, to: str, at: datetime) -> None:
    """The partners' webhook of a move that changes what the public sees."""
    if to == ReviewStatus.PUBLISHED:
        _review_event_publish(EventType.REVIEW_PUBLISHED, review.pk, at)
    elif from_status == ReviewStatus.PUBLISHED:
        _review_event_publish(EventType.REVIEW_REMOVED, review.pk, at, published=False)


def _review_event_publish(
    type: str, review_id: int, at: datetime | None, *, published: bool = True
) -> None:
    """Ids only: partners read the review itself from the API (a removed
    one no longer is there). ``review.updated`` concerns published reviews.
    One query when no partner listens (the demo seeds thousands)."""
    if not event_subscribed(type):
        return
    rows = Review.objects.filter(pk=review_id)
    if published:
        rows = rows.filter(status=ReviewStatus.PUBLISHED)
    row = rows.values("company_id", "company__slug", "status").first()
    if row is not None:
        event_publish(
            type,
            company_id=row["company_id"],
            payload={
                "review": {"id": review_id, "status": row["status"]},
                "company": {"id": row["company_id"], "slug": row["company__slug"]},
            },
            at=at,
        )


def _audit_entry(event: AuditEvent, audit: Audit) -> ledger.Entry:
    return ledger.audit_entry(
        review_id=audit.review_id,
        audit_id=audit.pk,
        event_id=event.pk,
        from_status=event.from_status,
        to=event.to_status,
        actor_id=event.actor_id,
        reason=str(event.reason),
        at=event.created_at,
    )


def audits_start(*, audits: list[Audit], at: datetime) -> list[Audit]:
    """Insert new open audits, all opened ``at``, with their first event, in
    two statements (the nightly batch). An audit of a review already audited
    is skipped (one audit per review). Returns the audits opened."""
    # The table's ("", open): every new audit starts open.
    Audit.objects.bulk_create(audits, ignore_conflicts=True)
    opened = list(
        Audit.objects.filter(opened_at=at, status=AuditStatus.OPEN, events__isnull=True).order_by(
            "pk"
        )
    )
    events = AuditEvent.objects.bulk_create(
        AuditEvent(
            audit=audit,
            actor=None,
            from_status="",
            to_status=AuditStatus.OPEN,
            reason=str(AuditReason(audit.reason).label),
            created_at=at,
        )
        for audit in opened
    )
    ledger.append([_audit_entry(event, audit) for event, audit in zip(events, opened, strict=True)])
    return opened


def audits_miss(*, audits: list[Audit], reason: str, at: datetime) -> list[AuditEvent]:
    """Close open ``audits`` as missed by the rule (the nightly batch), in
    a few statements whatever their number: status, note and decision in
    one UPDATE, their events in one INSERT, chained in the reviews' records
    (``ledger.append``), the reviews touched (:func:`reviews_touch`). The
    caller holds the rows locked. Returns the events, in the audits' order."""
    AUDIT_TRANSITIONS.check(AuditStatus.OPEN, AuditStatus.MISSED, by="system")
    if not audits:
        return []
    Audit.objects.filter(pk__in=[audit.pk for audit in audits]).update(
        status=AuditStatus.MISSED, note=reason, decided_at=at, decided_by=None
    )
    for audit in audits:
        audit.status, audit.note, audit.decided_at, audit.decided_by = (
            AuditStatus.MISSED,
            reason,
            at,
            None,
        )
    events = AuditEvent.objects.bulk_create(
        AuditEvent(
            audit=audit,
            actor=None,
            from_status=AuditStatus.OPEN,
            to_status=AuditStatus.MISSED,
            reason=reason,
            created_at=at,
        )
        for audit in audits
    )
    ledger.append([_audit_entry(event, audit) for event, audit in zip(events, audits, strict=True)])
    reviews_touch(review_ids=[audit.review_id for audit in audits], at=at)
    return events
