"""The demo reviews (``manage.py seed_demo_reviews``, run by ``make run``)
look like a live site's: every timestamp follows the one before it, so the
transparency page's delays are real, and reviews are spread over many
companies, reproducibly."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from directory.models import Company
from reviews.demo.seed import seed_reviews
from reviews.models import (
    Invoice,
    ModerationDecision,
    Review,
    ReviewEvent,
    ReviewFlag,
    ReviewStatus,
)
from reviews.transparency import transparency_figures

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.get_fixed_timezone(60))
COMPANIES = 150


@pytest.fixture
def seeded(taxonomy, places):
    call_command("seed_demo", companies=COMPANIES, no_accounts=True, verbosity=0)
    created = seed_reviews(now=NOW)
    assert created > 100
    return created


def test_every_step_follows_the_one_before(seeded):
    reviews = Review.objects.select_related("invoice__invitation")
    for review in reviews:
        invoice = review.invoice
        invitation = invoice.invitation
        # invoice issued → registered → invitation sent → review submitted
        assert invoice.issued_on <= timezone.localtime(invoice.created_at).date()
        assert invoice.created_at < invitation.sent_at < review.created_at < NOW
        assert invitation.used_at == review.created_at == review.declared_at
        assert invitation.expires_at > review.created_at
        assert review.experience_date <= review.created_at.date()
        if review.published_at is not None:
            assert review.created_at <= review.published_at <= NOW
        assert review.created_at <= review.status_changed_at <= NOW


def test_moderation_decisions_and_history_follow_the_submission(seeded):
    decisions = ModerationDecision.objects.select_related("review")
    assert decisions.exists()
    for decision in decisions:
        assert decision.review.created_at < decision.created_at <= NOW
    for event in ReviewEvent.objects.select_related("review"):
        assert event.review.created_at <= event.created_at <= NOW
    # Published by a person: at the moment of the decision.
    for review in Review.objects.published().filter(decisions__decision="publish"):
        assert review.decisions.get().created_at == review.published_at


def test_flags_follow_the_publication_and_precede_their_outcome(seeded):
    flags = ReviewFlag.objects.select_related("review")
    assert flags.exists()
    for flag in flags:
        first_publication = (
            flag.review.events.filter(to_status=ReviewStatus.PUBLISHED)
            .earliest("created_at")
            .created_at
        )
        assert first_publication < flag.created_at < NOW
        if flag.resolved_at is not None:
            assert flag.created_at < flag.resolved_at < NOW
        if flag.review.status == ReviewStatus.REJECTED:
            # Upheld: the review was removed by the decision that closed it.
            rejection = flag.review.decisions.get(decision="reject")
            assert rejection.created_at == flag.resolved_at
            assert rejection.reason
    assert flags.filter(review__status=ReviewStatus.REJECTED).exists()


def test_the_transparency_page_reads_sensible_figures_from_the_demo(seeded):
    figures = transparency_figures(now=NOW)
    for row in figures.delays_by_rating:
        decided = row.decided
        assert decided.count > 0
        assert timedelta(0) <= decided.p50 < timedelta(hours=1)  # most published at once
        # The slowest twentieth waited for a person: hours, never more than the promise.
        assert decided.p50 <= decided.p95 <= timedelta(hours=60)
    assert figures.overdue == 0
    waiting = [row.pending for row in figures.delays_by_rating if row.pending.count]
    assert sum(p.count for p in waiting) == figures.statuses.pending > 0
    assert all(timedelta(0) < p.oldest <= timedelta(hours=46) for p in waiting)
    assert figures.statuses.rejected > 0
    assert timedelta(hours=2) <= figures.median_by_person.delay <= timedelta(hours=60)
    assert 75 <= figures.statuses.automatic_percent <= 97
    assert figures.statuses.pending > 0  # a moderation queue to show
    assert figures.statuses.received == seeded
    flags = figures.flags
    assert flags.received == flags.upheld + flags.dismissed + flags.pending
    assert flags.dismissed > 0
    # The chart's year has reviews in every month.
    assert all(month.total > 0 for month in figures.months)


def test_reviews_are_spread_over_many_companies(seeded):
    listed = list(Company.objects.listed().order_by("siren").values_list("pk", flat=True))
    per_company = Counter(Review.objects.values_list("company_id", flat=True))
    reviewed = set(per_company)
    # About half the companies, from the whole list, not its beginning.
    assert 0.35 * len(listed) < len(reviewed) < 0.75 * len(listed)
    last_third = set(listed[2 * len(listed) // 3 :])
    assert len(reviewed & last_third) > 0.25 * len(last_third)
    # A long tail: many companies with one or two reviews, a few with many,
    # none holding a large part of the whole.
    counts = sorted(per_company.values())
    assert counts[0] == 1
    assert counts[-1] >= 7
    assert counts[-1] < 0.1 * sum(counts)
    rated = Company.objects.filter(review_count__gt=0).count()
    assert rated == len(
        set(Review.objects.published().values_list("company_id", flat=True).distinct())
    )


def test_the_same_seed_gives_the_same_demo_and_a_second_run_adds_nothing(seeded):
    def snapshot() -> list[tuple]:
        return sorted(
            Review.objects.values_list(
                "invoice__number", "rating", "status", "created_at", "published_at"
            )
        )

    first = snapshot()
    assert seed_reviews(now=NOW) == 0
    assert snapshot() == first
    Review.objects.all().delete()
    Invoice.objects.all().delete()
    assert seed_reviews(now=NOW) == seeded
    assert snapshot() == first
    Review.objects.all().delete()
    Invoice.objects.all().delete()
    seed_reviews(now=NOW, seed=7)
    assert snapshot() != first


def test_the_command_checks_its_options(taxonomy, places):
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("seed_demo_reviews", share=1.5, verbosity=0)
    with pytest.raises(CommandError, match="negative"):
        call_command("seed_demo_reviews", companies=-1, verbosity=0)
    assert not Review.objects.exists()


def test_a_share_of_zero_seeds_nothing(taxonomy, places):
    call_command("seed_demo", companies=20, no_accounts=True, verbosity=0)
    call_command("seed_demo_reviews", share=0, verbosity=0)
    assert not Review.objects.exists()
