"""Reviews written straight into the database with chosen timestamps, for
the tests of the figures computed from them (the transparency page)."""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import count

from directory.models import Company
from reviews.models import Invoice, Review, ReviewStatus
from reviews.services import transitions

_numbers = count(1)


def make_review(
    company: Company,
    *,
    rating: int = 5,
    submitted: datetime,
    published: datetime | None = None,
    status: str = ReviewStatus.PUBLISHED,
) -> Review:
    """A review of ``company`` submitted at ``submitted``; published at
    ``published`` when given (even before submission: a back-dated row)."""
    n = next(_numbers)
    invoice = Invoice.objects.create(
        company=company,
        number=f"T-{n:04d}",
        issued_on=(submitted - timedelta(days=20)).date(),
        amount=1000,
        client_name=f"Client {n}",
        client_email=f"client{n}@example.org",
    )
    review = Review(
        company=company,
        invoice=invoice,
        rating=rating,
        rating_reliability=rating,
        rating_quality=rating,
        rating_value=rating,
        rating_communication=rating,
        title="Un titre correct",
        text="Un texte assez long pour être un avis valable sur une prestation réelle.",
        experience_date=invoice.issued_on,
        author_name=invoice.client_name,
        author_email=invoice.client_email,
        declared_at=submitted,
        # The submission moment is given at insert: written once after.
        created_at=submitted,
        name_match="match",
        name_score=100.0,
    )
    first = ReviewStatus.PUBLISHED if status == ReviewStatus.PUBLISHED else ReviewStatus.PENDING
    transitions.review_move(
        review=review, to=first, by="system", actor=None, reason="test", at=published or submitted
    )
    if status != first:
        transitions.review_move(review=review, to=status, by="staff", actor=None, reason="test")
    review.refresh_from_db()
    return review
