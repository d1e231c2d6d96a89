"""Demo invoices and reviews, reproducible: each company draws from a
random.Random seeded with its SIREN (stable across databases, unlike
ids), so a second run finds every invoice already there."""

from __future__ import annotations

import random
from datetime import datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from directory.models import Company

from ..models import Audit, AuditReason, Invoice, Review, ReviewInvitation, ReviewStatus
from ..services import transitions
from ..services.audits import AUDIT_DAYS
from ..services.stats import company_review_stats_refresh

FIRST_NAMES = ["Sophie", "Julien", "Claire", "Thomas", "Nadia", "Luc", "Camille", "Karim", "Élodie"]
SURNAMES = [
    "Martin",
    "Bernard",
    "Dubois",
    "Lefèvre",
    "Moreau",
    "Garcia",
    "Roux",
    "Fournier",
    "Nguyen",
]
TEXTS = {
    5: [
        "Travail soigné, délais tenus et chantier laissé propre. Je recommande sans hésiter.",
        "Très bon contact, devis clair et respecté au centime près. Une équipe de confiance.",
    ],
    4: [
        "Bon travail dans l'ensemble, un petit retard au démarrage mais bien expliqué.",
        "Prestation de qualité, quelques échanges nécessaires pour caler les détails.",
    ],
    3: [
        "Résultat correct, mais la communication aurait pu être plus régulière pendant le chantier."
    ],
    2: [
        "Le travail est fait, mais les délais annoncés n'ont pas été tenus et il a fallu relancer."
    ],
    1: ["Rendez-vous manqués et finitions à reprendre. Je ne referais pas appel à eux."],
}
TITLES = {5: "Excellent", 4: "Très satisfait", 3: "Correct", 2: "Peut mieux faire", 1: "Déçu"}
DEMO_REASON = "Demo data."
RATINGS = [5] * 10 + [4] * 6 + [3] * 2 + [2] + [1]


@transaction.atomic
def seed_reviews(*, companies: int = 150) -> int:
    """Invoices and reviews for the first listed companies; one review in
    eight waits in moderation. Returns how many reviews were created."""
    now = timezone.now()
    created = 0
    targets = list(Company.objects.listed().order_by("siren")[:companies])
    for company in targets:
        rng = random.Random(company.siren)
        for n in range(rng.randrange(0, 9)):
            number = f"DEMO-{company.siren}-{n:02d}"
            if Invoice.objects.filter(company=company, number=number).exists():
                continue
            first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
            issued = (now - timedelta(days=rng.randrange(20, 700))).date()
            invoice = Invoice.objects.create(
                company=company,
                number=number,
                issued_on=issued,
                amount=rng.randrange(800, 15000),
                client_name=f"{first} {last}",
                client_email=f"{first.lower()}.{last.lower()}.{n}@exemple.fr".replace(
                    "é", "e"
                ).replace("è", "e"),
            )
            submitted = timezone.make_aware(datetime.combine(issued, time(hour=10))) + timedelta(
                days=rng.randrange(3, 30)
            )
            ReviewInvitation.objects.create(
                invoice=invoice, sent_at=submitted, used_at=submitted, expires_at=submitted
            )
            rating = rng.choice(RATINGS)
            pending = rng.random() < 0.125
            published_at = submitted + timedelta(minutes=rng.randrange(1, 90))
            review = Review(
                company=company,
                invoice=invoice,
                rating=rating,
                rating_reliability=max(1, min(5, rating + rng.choice((-1, 0, 0, 1)))),
                rating_quality=rating,
                rating_value=max(1, min(5, rating + rng.choice((-1, 0, 0)))),
                rating_communication=max(1, min(5, rating + rng.choice((-1, 0, 1)))),
                title=TITLES[rating],
                text=rng.choice(TEXTS[rating]),
                experience_date=issued,
                author_name=invoice.client_name
                if not pending
                else f"{first} {rng.choice(SURNAMES)}x",
                author_email=invoice.client_email,
                declared_at=submitted,
                name_match="mismatch" if pending else "match",
                name_score=40.0 if pending else 100.0,
                moderation_reasons=["name_mismatch"] if pending else [],
            )
            transitions.review_move(
                review=review,
                to=ReviewStatus.PENDING if pending else ReviewStatus.PUBLISHED,
                by="system",
                actor=None,
                reason=DEMO_REASON,
                at=submitted if pending else published_at,
            )
            created += 1
    # A few published reviews are under a document audit, as on a live site.
    sample = (
        Review.objects.published()
        .filter(company__in=targets, audit__isnull=True, invoice__number__startswith="DEMO-")
        .order_by("invoice__number")[::15]
    )
    transitions.audits_start(
        audits=[
            Audit(
                review=review,
                reason=AuditReason.SAMPLE,
                opened_at=now,
                due_at=now + timedelta(days=AUDIT_DAYS),
            )
            for review in sample
        ],
        at=now,
    )
    company_review_stats_refresh(company_ids=[c.pk for c in targets])
    return created
