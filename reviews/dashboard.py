"""Reads for the pro dashboard (``directory.pro``): a company's verified
review activity as a :class:`directory.pro.facts.ReviewFigures`, wired in
through ``settings.PRO_SPACE_SOURCES["review_figures"]``."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Avg, Count, Min, Q
from django.utils import timezone

from directory.models import Company
from directory.pro.facts import ReviewFigures

from .models import Audit, AuditStatus, Invoice, Review, ReviewStatus


def month_start(now: datetime) -> datetime:
    """Midnight on the first day of ``now``'s month, in the site's time zone
    (Europe/Paris): "this month" as the pro reads it on a calendar."""
    local = timezone.localtime(now)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def review_figures(company: Company, now: datetime) -> ReviewFigures:
    """Three aggregate queries, whatever the volume:

    - invoices registered (``created_at``) since the start of the month and
      in all, with their invitations sent (an e-mail went out), opened (the
      client opened the link) and answered (the client wrote the review);
    - published reviews and their average rating;
    - document audits waiting for the pro's invoice (``AuditStatus.OPEN``)
      and the earliest deadline among them.
    """
    invoices = Invoice.objects.filter(company=company).aggregate(
        this_month=Count("pk", filter=Q(created_at__gte=month_start(now))),
        total=Count("pk"),
        sent=Count("invitation", filter=Q(invitation__sent_at__isnull=False)),
        # An answered invitation was opened, even one answered before
        # opened_at existed: opened >= answered always.
        opened=Count(
            "invitation",
            filter=Q(invitation__opened_at__isnull=False) | Q(invitation__used_at__isnull=False),
        ),
        answered=Count("invitation", filter=Q(invitation__used_at__isnull=False)),
    )
    reviews = Review.objects.filter(company=company, status=ReviewStatus.PUBLISHED).aggregate(
        count=Count("pk"), average=Avg("rating")
    )
    audits = Audit.objects.filter(review__company=company, status=AuditStatus.OPEN).aggregate(
        count=Count("pk"), due=Min("due_at")
    )
    return ReviewFigures(
        invoices_this_month=invoices["this_month"],
        invoices_total=invoices["total"],
        invitations_sent=invoices["sent"],
        invitations_opened=invoices["opened"],
        invitations_answered=invoices["answered"],
        reviews_published=reviews["count"],
        rating_average=reviews["average"],
        audits_open=audits["count"],
        next_audit_due=audits["due"],
    )
