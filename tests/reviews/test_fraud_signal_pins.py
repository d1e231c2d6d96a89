"""The fraud signals and their weights (``reviews.services.audits``) pinned
one by one at their thresholds: a company's own e-mail domain (0.6, issue
12), a shared device (from 3 reviews), a burst (5 reviews of a company
within 7 days), a duplicate text, invoices registered in bulk (10 in a day,
the review within 2 days); the score is their sum capped at 1, over the
reviews of the last 30 days. Written against the surviving mutants of the
mutation pass (``make mutation``)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from directory.models import Company
from reviews.models import Audit, Invoice, Review, Strike
from reviews.services import audits, sanctions

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
_numbers = iter(range(1, 100_000))


def invoice(company, *, at: datetime = NOW - timedelta(days=20)) -> Invoice:
    with time_machine.travel(at, tick=False):
        n = next(_numbers)
        return Invoice.objects.create(
            company=company,
            number=f"FS-{n}",
            issued_on="2026-10-01",
            amount=Decimal(100),
            client_name=f"Client Fraude{n}",
            client_email=f"fraude{n}@example.org",
        )


def review(company, *, at: datetime = NOW - timedelta(days=1), bill=None, **fields) -> Review:
    """A published review of ``company`` submitted at ``at``, with no
    signal unless ``fields`` give one."""
    bill = bill or invoice(company)
    n = bill.number
    values = {
        "rating": 5,
        "rating_reliability": 5,
        "rating_quality": 5,
        "rating_value": 5,
        "rating_communication": 5,
        "title": f"Avis {n}",
        "text": f"Un texte propre à l'avis {n}, sans rien de commun.",
        "experience_date": "2026-10-01",
        "author_name": bill.client_name,
        "author_email": bill.client_email,
        "author_domain": "example.org",
        "declared_at": at,
        "name_match": "match",
        "name_score": 100,
        "status": "published",
        "published_at": at,
        "created_at": at,
        **fields,
    }
    return Review.objects.create(company=company, invoice=bill, **values)


def scores(*reviews: Review) -> list[float]:
    return [round(Review.objects.get(pk=r.pk).fraud_score, 6) for r in reviews]


def refresh(now: datetime = NOW) -> int:
    return audits.fraud_scores_refresh(now=now)


def test_the_weights_of_the_signals():
    assert audits.WEIGHTS == {
        "burst": 0.3,
        "shared_ip": 0.4,
        "shared_user_agent": 0.2,
        "duplicate_text": 0.5,
        "bulk_invoices": 0.3,
        "company_domain": 0.6,
    }
    assert audits.FRAUD_AUDIT_THRESHOLD == 0.5
    assert list(audits.fraud_signals()) == list(audits.WEIGHTS)


def test_a_review_with_no_signal_scores_zero(cast):
    clean = review(cast.company_a)
    assert refresh() == 1
    assert scores(clean) == [0.0]


def test_an_author_at_the_company_own_domain_weighs_06(cast):
    Company.objects.filter(pk=cast.company_a.pk).update(email="contact@alpha-elec.fr")
    inside = review(cast.company_a, author_domain="alpha-elec.fr")
    upper = review(cast.company_a, author_domain="ALPHA-ELEC.FR")
    # Only the whole domain: "elec.fr" is not the company's.
    suffix = review(cast.company_a, author_domain="elec.fr")
    elsewhere = review(cast.company_b, author_domain="alpha-elec.fr")
    refresh()
    assert scores(inside, upper, suffix, elsewhere) == [0.6, 0.6, 0.0, 0.0]


def test_a_device_shared_by_three_reviews_weighs_04(cast):
    # Fewer than 5 reviews per company: no burst.
    two = [review(cast.company_a, ip_hash="ip-two") for _ in range(2)]
    # Three reviews from one address, whatever their company.
    three = [review(cast.company_a, ip_hash="ip-three") for _ in range(2)]
    three.append(review(cast.company_b, ip_hash="ip-three"))
    no_address = [review(cast.company_b, ip_hash="") for _ in range(3)]
    refresh()
    assert scores(*two, *three, *no_address) == [0, 0, 0.4, 0.4, 0.4, 0, 0, 0]


def test_a_browser_shared_by_three_reviews_of_one_company_weighs_02(cast):
    # Fewer than 5 reviews per company: no burst.
    three = [review(cast.company_a, user_agent_hash="ua-1") for _ in range(3)]
    # Two at one company and one at another: not three of one company.
    split = [review(cast.company_b, user_agent_hash="ua-2") for _ in range(2)]
    split.append(review(cast.company_a, user_agent_hash="ua-2"))
    no_browser = [review(cast.company_b, user_agent_hash="") for _ in range(2)]
    refresh()
    assert scores(*three, *split, *no_browser) == [0.2] * 3 + [0] * 5


def test_the_same_text_twice_whatever_the_case_weighs_05(cast):
    first = review(cast.company_a, text="Parfait, je recommande vivement !")
    second = review(cast.company_b, text="PARFAIT, je recommande vivement !")
    alone = review(cast.company_a, text="Un texte que personne d'autre n'a écrit.")
    refresh()
    assert scores(first, second, alone) == [0.5, 0.5, 0.0]


def test_five_reviews_of_a_company_within_seven_days_weigh_03(cast):
    start = NOW - timedelta(days=10)
    # The first exactly 7 days before the fifth: it still counts.
    burst = [
        review(cast.company_a, at=start + timedelta(days=offset)) for offset in (0, 1, 2, 3, 7)
    ]
    # Another company's reviews of the same days do not add up: its review
    # of day 7 has company A's five in its window, and only four of its own.
    other = [review(cast.company_b, at=start + timedelta(days=offset)) for offset in (0, 1, 2, 7)]
    refresh()
    # Each review counts those of the 7 days before it, itself included.
    assert scores(*burst) == [0, 0, 0, 0, 0.3]
    assert scores(*other) == [0] * 4


def test_four_reviews_within_seven_days_and_a_fifth_just_after_are_no_burst(cast):
    start = NOW - timedelta(days=10)
    offsets = (timedelta(0), timedelta(days=1), timedelta(days=2), timedelta(days=3))
    reviews = [review(cast.company_a, at=start + offset) for offset in offsets]
    reviews.append(review(cast.company_a, at=start + timedelta(days=7, seconds=1)))
    refresh()
    assert scores(*reviews) == [0] * 5


def test_a_review_on_an_invoice_registered_in_bulk_just_before_weighs_03(cast):
    day = NOW - timedelta(days=5)
    bulk = [invoice(cast.company_a, at=day + timedelta(minutes=n)) for n in range(10)]
    quick = review(cast.company_a, bill=bulk[0], at=day + timedelta(days=2))
    late = review(cast.company_a, bill=bulk[1], at=day + timedelta(days=2, minutes=2))
    few = [invoice(cast.company_b, at=day + timedelta(minutes=n)) for n in range(9)]
    invoice(cast.company_b, at=day - timedelta(days=1))  # ten, but not in one day
    nine = review(cast.company_b, bill=few[0], at=day + timedelta(hours=1))
    refresh()
    # Registered at day+0 and reviewed 2 days later: still "just before";
    # the second invoice, registered at day+1min, reviewed 2 days 2 min later: not.
    assert scores(quick, late, nine) == [0.3, 0.0, 0.0]


def test_the_score_is_the_sum_of_the_signals_capped_at_one(cast):
    Company.objects.filter(pk=cast.company_a.pk).update(email="contact@alpha-elec.fr")
    text = "Exactement le même texte, mot pour mot."
    capped = review(cast.company_a, author_domain="alpha-elec.fr", text=text)  # 0.6 + 0.5
    summed = review(cast.company_b, text=text, ip_hash="ip")  # 0.5 + 0.4 (shared IP)
    review(cast.company_b, ip_hash="ip")
    review(cast.company_b, ip_hash="ip")
    refresh()
    assert scores(capped, summed) == [1.0, 0.9]


def test_only_the_reviews_of_the_last_30_days_are_scored(cast):
    Company.objects.filter(pk=cast.company_a.pk).update(email="contact@alpha-elec.fr")
    edge = review(cast.company_a, at=NOW - timedelta(days=30), author_domain="alpha-elec.fr")
    old = review(
        cast.company_a, at=NOW - timedelta(days=30, seconds=1), author_domain="alpha-elec.fr"
    )
    assert refresh() == 1
    assert scores(edge, old) == [0.6, 0.0]
    with time_machine.travel(NOW, tick=False):
        assert audits.fraud_scores_refresh() == 1


# --- The nightly job -----------------------------------------------------------


def test_the_nightly_job_scores_samples_closes_and_lifts_at_the_time_given(cast, settings):
    """``audits_run(now=…, seed=…)``: every step works at ``now`` (here 100
    days ahead of the clock, so a step that used the clock instead would
    differ) and the sample is drawn with ``seed``."""
    settings.REVIEW_AUDIT_RATE = 0.5
    settings.REVIEW_STRIKES_WARNING = 2
    settings.REVIEW_STRIKES_WINDOW_DAYS = 365
    clock = timezone.now()
    run_at = clock + timedelta(days=100)
    company_a, company_b = cast.company_a, cast.company_b
    Company.objects.filter(pk=company_a.pk).update(email="contact@alpha-elec.fr")
    # At the company's own domain, but 60 days before the run: not scored
    # (it would be, counted from the clock), so not audited for fraud.
    old = review(company_a, at=run_at - timedelta(days=60), author_domain="alpha-elec.fr")
    # Company A's warning: two audits missed 50 and 40 days before the run
    # (in the future for the clock).
    for days in (50, 40):
        missed = review(company_a, at=run_at - timedelta(days=days + 20))
        audit = Audit.objects.create(
            review=missed, reason="sample", status="missed", opened_at=clock, due_at=clock,
            decided_at=run_at - timedelta(days=days),
        )  # fmt: skip
        Strike.objects.create(company=company_a, audit=audit)
    warning = sanctions.strikes_warn(company_id=company_a.pk, now=run_at)
    assert warning is not None
    # An audit of company B due an hour before the run.
    late = review(company_b, at=run_at - timedelta(days=20))
    overdue = Audit.objects.create(
        review=late, reason="sample", status="open",
        opened_at=run_at - timedelta(days=15, hours=1), due_at=run_at - timedelta(hours=1),
    )  # fmt: skip
    # Ten reviews published in the day before the run: half are drawn.
    fresh = [
        review(company, at=run_at - timedelta(hours=12 + n))
        for n, company in enumerate([company_a, company_b] * 5)
    ]
    fresh_ids = sorted(r.pk for r in fresh)
    drawn = set(random.Random("graine").sample(fresh_ids, k=5))

    report = audits.audits_run(now=run_at, seed="graine")

    assert (report.opened, report.missed) == (5, 1)
    window = run_at - timedelta(days=audits.FRAUD_WINDOW_DAYS)
    assert report.scored == Review.objects.filter(created_at__gte=window).count()
    opened = Audit.objects.filter(opened_at=run_at)
    assert set(opened.values_list("review_id", flat=True)) == drawn
    assert set(opened.values_list("reason", "due_at")) == {("sample", run_at + timedelta(days=15))}
    assert scores(old) == [0.0]
    assert max(scores(*fresh)) == 0.3  # five reviews of a company within 7 days
    overdue.refresh_from_db()
    assert (overdue.status, overdue.decided_at) == ("missed", run_at)
    warning.refresh_from_db()
    assert warning.lifted_at is None
