"""Demo invoices and reviews that look like a live directory's.

Spread: every listed company draws, from a ``random.Random`` seeded with
the seed and its SIREN (stable across databases, unlike ids), whether it
has reviews at all (``share`` of them do) and how many (a long tail, from
``REVIEWS_PER_COMPANY``: most a few, some a dozen or more), so reviews
cover many companies in every town rather than the first ones only. The
same seed gives the same data; a second run skips the companies it already
seeded.

Timeline of one review, every step after the one before and before
``now`` (the transparency page measures these delays):
invoice issued → registered by the company (``Invoice.created_at``) →
invitation sent → review submitted (``Review.created_at`` and
``declared_at``) → published at once (automatic checks passed), or
waiting for a person who decides hours later (``ModerationDecision``) →
perhaps flagged after publication, the flag dismissed or upheld days later,
or still open.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from common.email_addresses import canonical_email
from directory.models import Company
from loyalty.services import sessions_for_invoices

from ..models import (
    Audit,
    AuditReason,
    FlagReason,
    Invoice,
    ModerationDecision,
    RejectionReason,
    Review,
    ReviewFlag,
    ReviewInvitation,
    ReviewStatus,
)
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
        "Intervention rapide, explications claires et prix conforme au devis. Parfait.",
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

DEFAULT_SEED = 2026
# Share of listed companies with at least one review.
DEFAULT_SHARE = 0.55
# (reviews, weight): a long tail, as on review sites: most companies have a
# handful of reviews, a few have many.
REVIEWS_PER_COMPANY = [
    (1, 30),
    (2, 22),
    (3, 15),
    (4, 10),
    (5, 7),
    (7, 6),
    (10, 5),
    (15, 3),
    (22, 2),
]
# Reviews go back about eighteen months, so the page's twelve-month chart
# is full and older reviews exist.
SUBMITTED_DAYS = (3, 540)
# One review in eight fails an automatic check (a name that does not match
# the invoice) and waits for a person, who decides within 2 to 60 hours.
# A third of those arrived in the last two days and are still in the
# moderation queue, as on a live site.
TO_MODERATION = 0.125
MODERATION_HOURS = (2, 60)
WAITING = 1 / 3
WAITING_HOURS = (1, 46)
REJECTED_AFTER_MODERATION = 0.2
# About one published review in thirty is flagged.
FLAGGED = 0.035
FLAG_UPHELD = 0.2
# The rejection an upheld flag leads to.
UPHELD_AS = {
    FlagReason.FAKE: RejectionReason.NOT_OWN_EXPERIENCE,
    FlagReason.OFFENSIVE: RejectionReason.OFFENSIVE,
    FlagReason.PERSONAL_DATA: RejectionReason.PERSONAL_DATA,
    FlagReason.WRONG_COMPANY: RejectionReason.OFF_TOPIC,
    FlagReason.OTHER: RejectionReason.OFF_TOPIC,
}


@dataclass
class _Plan:
    """The rows of one company, built in memory, then written in bulk."""

    invoices: list[Invoice] = field(default_factory=list)
    # When each invoice was registered: auto_now_add overwrites
    # Invoice.created_at on insert, this puts it back.
    registered: list[datetime] = field(default_factory=list)
    invitations: list[ReviewInvitation] = field(default_factory=list)
    # (review, still waiting for a person, its own random source)
    reviews: list[tuple[Review, bool, random.Random]] = field(default_factory=list)


def _reviews_wanted(rng: random.Random, share: float) -> int:
    if rng.random() >= share:
        return 0
    counts, weights = zip(*REVIEWS_PER_COMPANY, strict=True)
    return rng.choices(counts, weights)[0]


def _plan(company: Company, n: int, rng: random.Random, now: datetime) -> _Plan:
    plan = _Plan()
    for i in range(n):
        first, last = rng.choice(FIRST_NAMES), rng.choice(SURNAMES)
        moderated = rng.random() < TO_MODERATION
        waiting = moderated and rng.random() < WAITING
        # Built backwards from the submission, so each step precedes the next.
        if waiting:
            submitted = now - timedelta(hours=rng.uniform(*WAITING_HOURS))
        else:
            submitted = now - timedelta(days=rng.uniform(*SUBMITTED_DAYS))
        sent = submitted - timedelta(minutes=rng.uniform(30, 14 * 24 * 60))
        registered = sent - timedelta(minutes=rng.uniform(1, 30))
        issued = registered - timedelta(days=rng.randrange(0, 4))
        email = f"{first.lower()}.{last.lower()}.{i}@exemple.fr".replace("é", "e").replace("è", "e")
        invoice = Invoice(
            company=company,
            number=f"DEMO-{company.siren}-{i:02d}",
            issued_on=issued.date(),
            amount=rng.randrange(800, 15000),
            client_name=f"{first} {last}",
            client_email=email,
            # bulk_create skips Invoice.save(), which fills this.
            client_email_canonical=canonical_email(email),
        )
        plan.invoices.append(invoice)
        plan.registered.append(registered)
        plan.invitations.append(
            ReviewInvitation(
                invoice=invoice,
                sent_at=sent,
                used_at=submitted,
                expires_at=sent + timedelta(days=settings.REVIEW_INVITATION_DAYS),
            )
        )
        rating = rng.choice(RATINGS)
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
            experience_date=issued.date(),
            author_name=f"{first} {rng.choice(SURNAMES)}x" if moderated else f"{first} {last}",
            author_email=email,
            declared_at=submitted,
            # Given at insert: a review's submission time is written once.
            created_at=submitted,
            name_match="mismatch" if moderated else "match",
            name_score=40.0 if moderated else 100.0,
            moderation_reasons=["name_mismatch"] if moderated else [],
        )
        plan.reviews.append((review, waiting, random.Random(rng.random())))
    return plan


@dataclass
class _Later:
    """Timestamps that the database sets on insert (``auto_now_add``) and
    the demo moves back to their moment in its timeline, in bulk."""

    invoices: list[Invoice] = field(default_factory=list)
    # Inserted with their submission time (``created_at``, written once):
    # listed to count them.
    reviews: list[Review] = field(default_factory=list)
    flags: list[ReviewFlag] = field(default_factory=list)


def _decide(review: Review, *, at: datetime, reject: str, later: _Later) -> None:
    """A moderator's decision at ``at``: publish, or reject for ``reject``."""
    ModerationDecision.objects.create(
        review=review,
        decision=ModerationDecision.Decision.REJECT
        if reject
        else ModerationDecision.Decision.PUBLISH,
        reason=reject,
        created_at=at,
    )
    transitions.review_move(
        review=review,
        to=ReviewStatus.REJECTED if reject else ReviewStatus.PUBLISHED,
        by="staff",
        actor=None,
        reason=DEMO_REASON,
        at=at,
    )


def _live(
    review: Review, *, waiting: bool, rng: random.Random, now: datetime, later: _Later
) -> None:
    """Insert ``review`` and play its moderation (none yet when
    ``waiting``) and flags up to ``now``."""
    submitted = review.declared_at
    review.created_at = submitted  # written once, at insert
    if not review.moderation_reasons:
        # Every automatic check passed: online within seconds.
        published = submitted + timedelta(seconds=rng.randrange(1, 90))
        transitions.review_move(
            review=review,
            to=ReviewStatus.PUBLISHED,
            by="system",
            actor=None,
            reason=DEMO_REASON,
            at=min(published, now),
        )
    else:
        transitions.review_move(
            review=review,
            to=ReviewStatus.PENDING,
            by="system",
            actor=None,
            reason=DEMO_REASON,
            at=submitted,
        )
        decided = submitted + timedelta(hours=rng.uniform(*MODERATION_HOURS))
        if not waiting and decided < now:
            rejected = rng.random() < REJECTED_AFTER_MODERATION
            _decide(
                review,
                at=decided,
                reject=RejectionReason.NAME_MISMATCH if rejected else "",
                later=later,
            )
    later.reviews.append(review)
    if review.published_at is None or review.status != ReviewStatus.PUBLISHED:
        return
    if rng.random() >= FLAGGED:
        return
    flagged = review.published_at + timedelta(days=rng.uniform(0.5, 30))
    if flagged >= now:
        return
    resolved = flagged + timedelta(days=rng.uniform(0.2, 6))
    flag = ReviewFlag.objects.create(
        review=review,
        reason=rng.choice(FlagReason.values),
        by_company=rng.random() < 0.5,
    )
    flag.created_at = flagged
    later.flags.append(flag)
    if resolved >= now:
        return  # still being examined
    if rng.random() < FLAG_UPHELD:
        _decide(review, at=resolved, reject=UPHELD_AS[FlagReason(flag.reason)], later=later)
    flag.resolved_at = resolved


@transaction.atomic
def seed_reviews(
    *,
    seed: int = DEFAULT_SEED,
    share: float = DEFAULT_SHARE,
    companies: int | None = None,
    now: datetime | None = None,
) -> int:
    """Invoices, invitations, reviews, moderation decisions and flags for a
    ``share`` of the listed companies (at most ``companies`` of them when
    given), with consistent timestamps (see the module's note), then a
    document audit of a few published reviews and the companies'
    aggregates. Returns how many reviews were created; a company already
    seeded is skipped, so a second run creates none."""
    now = now or timezone.now()
    seeded = set(
        Invoice.objects.filter(number__startswith="DEMO-")
        .values_list("company_id", flat=True)
        .distinct()
    )
    plans: list[_Plan] = []
    targets: list[int] = []
    for company in Company.objects.listed().order_by("siren").only("pk", "siren"):
        if companies is not None and len(targets) >= companies:
            break
        rng = random.Random(f"{seed}:{company.siren}")
        wanted = _reviews_wanted(rng, share)
        if not wanted:
            continue
        targets.append(company.pk)
        if company.pk not in seeded:
            plans.append(_plan(company, wanted, rng, now))
    invoices = Invoice.objects.bulk_create([i for p in plans for i in p.invoices], batch_size=500)
    for invoice, registered in zip(invoices, [r for p in plans for r in p.registered], strict=True):
        invoice.created_at = registered
    ReviewInvitation.objects.bulk_create([i for p in plans for i in p.invitations], batch_size=500)
    later = _Later(invoices=invoices)
    for plan in plans:
        for review, waiting, rng in plan.reviews:
            _live(review, waiting=waiting, rng=rng, now=now, later=later)
    # Back to their moment: auto_now_add stamped these rows "now" (reviews
    # and decisions, written once, were given theirs at insert).
    Invoice.objects.bulk_update(later.invoices, ["created_at"], batch_size=500)
    ReviewFlag.objects.bulk_update(later.flags, ["created_at", "resolved_at"], batch_size=500)
    # Every registered invoice is a completed session (issue 13), which
    # bulk_create skipped: recorded here, also for demo invoices seeded
    # before sessions existed.
    sessions_for_invoices(
        Invoice.objects.filter(number__startswith="DEMO-", session__isnull=True).order_by("pk")
    )
    _audit_a_sample(targets, now)
    company_review_stats_refresh(company_ids=targets)
    return len(later.reviews)


def _audit_a_sample(company_ids: list[int], now: datetime) -> None:
    """A few published reviews are under a document audit, as on a live site."""
    sample = (
        Review.objects.published()
        .filter(company__in=company_ids, audit__isnull=True, invoice__number__startswith="DEMO-")
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
