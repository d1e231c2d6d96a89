"""Retention: what the transparency page and the privacy policy promise
about removed reviews and clients' data, done every night
(``reviews.tasks.apply_retention``, ``manage.py apply_retention``).

- A removed review (rejected, withdrawn, unpublished after an audit) and
  its evidence are kept at least ``REVIEW_RETENTION_DAYS`` (never fewer
  than :data:`MIN_RETENTION_DAYS`) from its removal, to answer a dispute
  or an appeal; a review with an open appeal waits for its decision.
  Then it is **anonymised**, not deleted: its title, text, author's name,
  e-mail, domain and device hashes are blanked, the author's updates and
  the company's reply deleted, the free texts of appeals and flags
  blanked, its private link killed; its ratings, dates, status and
  history stay. Deleting the row would cascade to the moderation
  decisions, the audit, the status history and the company's strikes —
  the record that proves how reviews are moderated, and the per-rating
  figures of the transparency page — none of which names the client.
- Its evidence is **deleted**: every audit scan (row and file) and the
  invoice's own scan; the invoice's client data (name, company, e-mail,
  phone) is **erased** — the invoice keeps its number, date and amount
  for the company's figures.
- An invoice whose client never reviewed has its client data erased (same
  fields, same scan) once its invitation could no longer be used:
  ``REVIEW_INVITATION_DAYS`` after registration and
  ``REVIEW_CLIENT_DATA_MARGIN_DAYS`` more (an invitation sent later, after
  a review request, counts from its own expiry).

Every step is set-based, in batches of :data:`BATCH_SIZE` rows each in
its own transaction, at most :data:`MAX_BATCHES` a run (the rest waits for
the next night); each row is claimed by a conditional UPDATE on its
marker (``Review.anonymised_at``, ``Invoice.client_data_erased_at``), so
running it twice, or two workers at once, does the work once. Files are
deleted before their rows' transaction commits: should the commit fail,
the next run finds the rows again and a file already gone is no error.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone

from ..models import (
    Appeal,
    AppealStatus,
    AuditScan,
    Invoice,
    Reply,
    Review,
    ReviewFlag,
    ReviewInvitation,
    ReviewRequest,
    ReviewStatus,
    ReviewUpdate,
)

# The statuses of a review no longer shown: what "removed" means here.
REMOVED_STATUSES = (ReviewStatus.REJECTED, ReviewStatus.WITHDRAWN, ReviewStatus.UNPUBLISHED)
# The floor of REVIEW_RETENTION_DAYS: a year, the time to answer a dispute
# (the transparency page promises "at least a year"); a lower setting is
# a mistake, not a choice.
MIN_RETENTION_DAYS = 365
# Rows per transaction: a few hundred keeps each transaction under a
# second and its locks short; a night of 40 batches covers 20,000 rows,
# far above the removals of a day.
BATCH_SIZE = 500
MAX_BATCHES = 40


@dataclass(frozen=True)
class RetentionReport:
    """What a run did (or, dry, would do): rows, and files deleted."""

    reviews_anonymised: int = 0
    invoices_erased: int = 0
    files_deleted: int = 0

    def as_dict(self) -> dict[str, int]:
        return {
            "reviews_anonymised": self.reviews_anonymised,
            "invoices_erased": self.invoices_erased,
            "files_deleted": self.files_deleted,
        }


def retention_days() -> int:
    """How long a removed review and its evidence are kept, in days."""
    return max(settings.REVIEW_RETENTION_DAYS, MIN_RETENTION_DAYS)


def unreviewed_client_data_days() -> int:
    """Days after its registration the client data of an invoice never
    reviewed is erased: the invitation's validity and the margin."""
    return settings.REVIEW_INVITATION_DAYS + settings.REVIEW_CLIENT_DATA_MARGIN_DAYS


def removed_reviews_due(*, now: datetime) -> QuerySet[Review]:
    """Removed reviews kept long enough, not yet anonymised, with no open
    appeal. The clock starts at the removal (``status_changed_at``; the
    submission for a row that never recorded it)."""
    removed_at = Coalesce("status_changed_at", "created_at")
    open_appeal = Appeal.objects.filter(review=OuterRef("pk"), status=AppealStatus.OPEN)
    return (
        Review.objects.filter(status__in=REMOVED_STATUSES, anonymised_at__isnull=True)
        .alias(removed_at=removed_at)
        .filter(removed_at__lt=now - timedelta(days=retention_days()))
        .exclude(Exists(open_appeal))
    )


def unreviewed_invoices_due(*, now: datetime) -> QuerySet[Invoice]:
    """Invoices never reviewed whose client data is still there, registered
    more than :func:`unreviewed_client_data_days` ago, whose invitation (if
    any) expired more than the margin ago."""
    margin = timedelta(days=settings.REVIEW_CLIENT_DATA_MARGIN_DAYS)
    live_invitation = ReviewInvitation.objects.filter(
        invoice=OuterRef("pk"), expires_at__gte=now - margin
    )
    return Invoice.objects.filter(
        client_data_erased_at__isnull=True,
        review__isnull=True,
        created_at__lt=now - timedelta(days=unreviewed_client_data_days()),
    ).exclude(Exists(live_invitation))


def _delete_files(names: list[tuple[object, str]]) -> int:
    """Delete each (storage, name); a file already missing is no error
    (a previous run deleted it and its transaction rolled back)."""
    deleted = 0
    for storage, name in names:
        if name:
            storage.delete(name)  # type: ignore[attr-defined]  # no-op when missing
            deleted += 1
    return deleted


def _erase_invoices(*, invoice_ids: list[int], now: datetime) -> tuple[int, int]:
    """Erase the client data and scans of ``invoice_ids`` still holding
    them, with the review requests that named the client: (invoices,
    files). In the caller's transaction."""
    invoices = Invoice.objects.select_for_update().filter(
        pk__in=invoice_ids, client_data_erased_at__isnull=True
    )
    storage = Invoice._meta.get_field("scan").storage  # type: ignore[union-attr]
    scans = [(storage, name) for name in invoices.exclude(scan="").values_list("scan", flat=True)]
    erased = Invoice.objects.filter(pk__in=invoice_ids, client_data_erased_at__isnull=True).update(
        client_name="",
        client_company="",
        client_email="",
        client_email_canonical="",
        client_phone="",
        scan="",
        client_data_erased_at=now,
    )
    ReviewRequest.objects.filter(invoice_id__in=invoice_ids).delete()
    return erased, _delete_files(scans)


def _anonymise_reviews(*, review_ids: list[int], now: datetime) -> tuple[int, int, int]:
    """Anonymise ``review_ids`` (still due) and erase their evidence and
    their invoices' client data: (reviews, invoices, files)."""
    due = Review.objects.select_for_update().filter(pk__in=review_ids, anonymised_at__isnull=True)
    rows = list(due.values_list("pk", "invoice_id"))
    if not rows:
        return 0, 0, 0
    pks = [pk for pk, _invoice in rows]
    scans = AuditScan.objects.filter(audit__review_id__in=pks)
    storage = AuditScan._meta.get_field("file").storage  # type: ignore[union-attr]
    files = [(storage, name) for name in scans.values_list("file", flat=True)]
    scans.delete()
    ReviewUpdate.objects.filter(review_id__in=pks).delete()
    Reply.objects.filter(review_id__in=pks).delete()
    Appeal.objects.filter(review_id__in=pks).update(text="")
    ReviewFlag.objects.filter(review_id__in=pks).update(note="")
    anonymised = Review.objects.filter(pk__in=pks).anonymise(now=now)
    invoices, invoice_files = _erase_invoices(
        invoice_ids=[invoice for _pk, invoice in rows], now=now
    )
    return anonymised, invoices, _delete_files(files) + invoice_files


def _due_files(*, review_ids: list[int], invoice_ids: list[int]) -> int:
    """Files a run would delete for these rows (dry run)."""
    scans = AuditScan.objects.filter(audit__review_id__in=review_ids).count()
    return scans + (
        Invoice.objects.filter(pk__in=invoice_ids, client_data_erased_at__isnull=True)
        .exclude(scan="")
        .count()
    )


def retention_apply(*, now: datetime | None = None, dry_run: bool = False) -> RetentionReport:
    """Apply the retention rules (see the module) once; with ``dry_run``,
    change nothing and count what would be done. Bounded: at most
    ``MAX_BATCHES`` batches of each kind."""
    now = now or timezone.now()
    if dry_run:
        review_rows = list(
            removed_reviews_due(now=now).values_list("pk", "invoice_id")[: BATCH_SIZE * MAX_BATCHES]
        )
        invoice_ids = list(
            unreviewed_invoices_due(now=now).values_list("pk", flat=True)[
                : BATCH_SIZE * MAX_BATCHES
            ]
        )
        review_invoices = [invoice for _pk, invoice in review_rows]
        return RetentionReport(
            reviews_anonymised=len(review_rows),
            invoices_erased=len(invoice_ids)
            + Invoice.objects.filter(
                pk__in=review_invoices, client_data_erased_at__isnull=True
            ).count(),
            files_deleted=_due_files(
                review_ids=[pk for pk, _invoice in review_rows],
                invoice_ids=[*invoice_ids, *review_invoices],
            ),
        )
    reviews = invoices = files = 0
    for _batch in range(MAX_BATCHES):
        pks = list(
            removed_reviews_due(now=now).order_by("pk").values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not pks:
            break
        with transaction.atomic():
            done, erased, deleted = _anonymise_reviews(review_ids=pks, now=now)
        reviews, invoices, files = reviews + done, invoices + erased, files + deleted
    for _batch in range(MAX_BATCHES):
        ids = list(
            unreviewed_invoices_due(now=now)
            .order_by("pk")
            .values_list("pk", flat=True)[:BATCH_SIZE]
        )
        if not ids:
            break
        with transaction.atomic():
            erased, deleted = _erase_invoices(invoice_ids=ids, now=now)
        invoices, files = invoices + erased, files + deleted
    return RetentionReport(
        reviews_anonymised=reviews, invoices_erased=invoices, files_deleted=files
    )


def retention_figures() -> dict[str, int]:
    """The periods the transparency page states (days), from the settings
    this job applies."""
    return {
        "removed_review_days": retention_days(),
        "unreviewed_invoice_days": unreviewed_client_data_days(),
        "invitation_days": settings.REVIEW_INVITATION_DAYS,
    }
