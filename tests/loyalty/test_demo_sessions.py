"""The demo sessions (``manage.py seed_demo_sessions``, run by ``make run``
after the demo reviews) make the loyalty score show what it does: scored
companies above, at and below their trade's average, companies on their
way to 30 sessions, the demo pro's company with a monthly history; every
demo invoice is its session; reproducibly, and a second run adds nothing."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q, Sum
from django.utils import timezone

from directory.models import Company
from loyalty.demo.seed import DEMO_PRO_EMAIL, TRADES, seed_sessions
from loyalty.models import (
    LoyaltyScore,
    LoyaltySnapshot,
    ServiceSession,
    SessionSource,
    SessionStatus,
)
from loyalty.recompute import scores_recompute, snapshots_backfill
from reviews.demo.seed import seed_reviews
from reviews.models import Invoice

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=timezone.get_fixed_timezone(60))
TODAY = timezone.localdate(NOW)
COMPANIES = 100
ONE_OFF = {slug for slug, trade in TRADES.items() if trade.source == SessionSource.FORM}


@pytest.fixture
def demo(taxonomy, places):
    call_command("seed_demo", companies=COMPANIES, verbosity=0)
    seed_reviews(now=NOW, share=0.3)
    created = seed_sessions(now=NOW, share=1.0)
    assert created > 1000
    snapshots_backfill(months=12, on=TODAY)
    scores_recompute(on=TODAY)
    return created


def demo_rows() -> list[tuple]:
    return sorted(
        ServiceSession.objects.exclude(source=SessionSource.INVOICE).values_list(
            "company__siren",
            "reference",
            "client_key",
            "performed_on",
            "status",
            "amount",
            "created_at",
        )
    )


def test_scored_companies_above_at_and_below_their_trade_some_on_the_way_and_no_shows(demo):
    scored = LoyaltyScore.objects.filter(score__isnull=False)
    assert scored.filter(score__gt=55).count() >= 3
    assert scored.filter(score__gte=47, score__lte=53).count() >= 3
    assert scored.filter(score__lt=45).count() >= 3
    seeded = ServiceSession.objects.exclude(source=SessionSource.INVOICE).values("company")
    on_the_way = LoyaltyScore.objects.filter(
        company__in=seeded, qualified=False, sessions__gt=0, score__isnull=True
    )
    assert on_the_way.count() >= 3
    assert all(row.sessions < 30 for row in on_the_way)

    # One-off trades: fewer new clients come back than in recurring ones.
    def pooled(trades) -> float:
        sums = scored.filter(company__primary_profession__slug__in=trades).aggregate(
            new=Sum("new_clients"), returned=Sum("returned")
        )
        return sums["returned"] / sums["new"]

    assert pooled(ONE_OFF) < 0.2 < pooled(set(TRADES) - ONE_OFF)
    # Cancellations and no-shows are sprinkled; they never count.
    statuses = Counter(ServiceSession.objects.values_list("status", flat=True))
    assert statuses[SessionStatus.CANCELLED] > 20
    assert statuses[SessionStatus.NO_SHOW] > 10
    completed = dict(
        ServiceSession.objects.filter(status=SessionStatus.COMPLETED)
        .values("company")
        .annotate(n=Count("pk"))
        .values_list("company", "n")
    )
    for company_id, sessions in LoyaltyScore.objects.values_list("company", "sessions"):
        assert sessions == completed.get(company_id, 0)


def test_the_demo_pro_s_company_is_scored_with_a_monthly_history_as_nights_gave_it(demo):
    company = Company.objects.get(memberships__user__username=DEMO_PRO_EMAIL)
    assert company.loyalty.score is not None
    assert company.loyalty_score == int(company.loyalty.score + 0.5) / 100
    history = LoyaltySnapshot.objects.filter(company=company, score__isnull=False)
    assert history.count() >= 6
    assert history.filter(month=TODAY.replace(day=1)).get().score == company.loyalty.score
    months = list(history.values_list("month", flat=True))
    assert all(month.day == 1 for month in months)
    assert months[-1] == TODAY.replace(day=1)
    # Its sessions were recorded by its owner.
    assert (
        not ServiceSession.objects.filter(company=company, source=SessionSource.CSV)
        .filter(Q(created_by__isnull=True) | ~Q(created_by__username=DEMO_PRO_EMAIL))
        .exists()
    )
    # A past month is what the nightly computation gave on its last day.
    month = (TODAY.replace(day=1) - timedelta(days=100)).replace(day=1)
    backfilled = LoyaltySnapshot.objects.get(company=company, month=month)
    assert backfilled.score is not None
    LoyaltySnapshot.objects.filter(month=month).delete()
    last_day = (month + timedelta(days=40)).replace(day=1) - timedelta(days=1)
    scores_recompute(on=last_day)
    nightly = LoyaltySnapshot.objects.get(company=company, month=month)
    assert (nightly.sessions, nightly.new_clients, nightly.returned) == (
        backfilled.sessions,
        backfilled.new_clients,
        backfilled.returned,
    )
    assert nightly.score == pytest.approx(backfilled.score)
    assert nightly.baseline == pytest.approx(backfilled.baseline)
    # Written once: a second backfill writes nothing.
    scores_recompute(on=TODAY)
    assert snapshots_backfill(months=12, on=TODAY) == 0


def test_demo_invoices_are_their_sessions_and_no_session_is_in_the_future(demo):
    invoices = Invoice.objects.filter(number__startswith="DEMO-")
    assert invoices.count() > 50
    sessions = {s.invoice_id: s for s in ServiceSession.objects.filter(invoice__isnull=False)}
    for invoice in invoices:
        session = sessions[invoice.pk]
        assert session.performed_on == invoice.issued_on
        assert (session.company_id, session.reference) == (invoice.company_id, invoice.number)
        assert session.source == SessionSource.INVOICE
        assert session.status == SessionStatus.COMPLETED
        assert session.created_at == invoice.created_at
    for session in ServiceSession.objects.all():
        assert session.performed_on <= TODAY
        assert session.created_at <= NOW
        assert timezone.localdate(session.created_at) >= session.performed_on


def test_the_same_seed_gives_the_same_sessions_and_a_second_run_adds_nothing(demo):
    first = demo_rows()
    assert seed_sessions(now=NOW, share=1.0) == 0
    assert demo_rows() == first
    ServiceSession.objects.exclude(source=SessionSource.INVOICE).delete()
    assert seed_sessions(now=NOW, share=1.0) == demo
    assert demo_rows() == first
    ServiceSession.objects.exclude(source=SessionSource.INVOICE).delete()
    seed_sessions(now=NOW, share=1.0, seed=7)
    assert demo_rows() != first


def test_the_command_checks_its_options(taxonomy, places):
    with pytest.raises(CommandError, match="between 0 and 1"):
        call_command("seed_demo_sessions", share=1.5, verbosity=0)
    with pytest.raises(CommandError, match="negative"):
        call_command("seed_demo_sessions", companies=-1, verbosity=0)
    assert not ServiceSession.objects.exists()
