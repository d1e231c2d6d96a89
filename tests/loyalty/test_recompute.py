"""The nightly computation on the database (issue 13 § 2 and § 4): the
boundaries of the definition, idempotence, the job, the command and the
snapshots. On PostgreSQL these run the set-based statements, on SQLite
the reference functions."""

from __future__ import annotations

import itertools
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from common import nightly
from directory.models import Company
from loyalty import score
from loyalty.models import (
    BaselineSource,
    LoyaltyScore,
    LoyaltySnapshot,
    ServiceSession,
    SessionSource,
    SessionStatus,
    TradeBaseline,
)
from loyalty.recompute import scores_recompute
from loyalty.services import session_record
from tests.factories import CompanyFactory, ProfessionFactory

pytestmark = pytest.mark.django_db

ON = date(2026, 11, 30)
_references = itertools.count()


def add(company, *sessions) -> None:
    """Sessions as (client, days before ON[, status])."""
    ServiceSession.objects.bulk_create(
        ServiceSession(
            company=company,
            client_key=client,
            performed_on=ON - timedelta(days=days),
            status=status[0] if status else SessionStatus.COMPLETED,
            source=SessionSource.FORM,
            reference=f"S-{next(_references)}",
        )
        for client, days, *status in sessions
    )


def pad(company, count: int) -> None:
    """``count`` completed sessions of recent clients (not observed yet)."""
    add(company, *[(f"recent-{company.pk}-{i}", 10) for i in range(count)])


def row(company) -> LoyaltyScore:
    return LoyaltyScore.objects.get(company=company)


def test_29_completed_sessions_give_no_score_and_30_do():
    company = CompanyFactory()
    add(company, *[(f"c{i}", 300) for i in range(20)], *[(f"c{i}", 250) for i in range(9)])
    add(company, ("late", 299, SessionStatus.CANCELLED), ("late", 298, SessionStatus.NO_SHOW))
    scores_recompute(on=ON)
    assert (row(company).sessions, row(company).qualified, row(company).score) == (29, False, None)
    assert row(company).reason == score.REASON_TOO_FEW_SESSIONS
    add(company, ("c15", 200))
    scores_recompute(on=ON)
    figures = row(company)
    assert (figures.sessions, figures.new_clients, figures.returned) == (30, 20, 10)
    assert figures.qualified
    assert figures.reason is None
    assert figures.raw_rate == 0.5
    assert 50 < figures.score < 100  # 50 % against the seed's 30 %
    assert figures.score_low < figures.score < figures.score_high


def test_a_return_on_day_180_counts_and_on_day_181_does_not():
    company = CompanyFactory()
    add(company, ("day-180", 400), ("day-180", 220), ("day-181", 400), ("day-181", 219))
    pad(company, 26)
    scores_recompute(on=ON)
    assert (row(company).new_clients, row(company).returned) == (2, 1)


def test_same_day_cancelled_and_no_show_sessions_are_not_returns():
    company = CompanyFactory()
    add(
        company,
        ("same-day", 300),
        ("same-day", 300),
        ("cancelled", 300),
        ("cancelled", 250, SessionStatus.CANCELLED),
        ("no-show", 300),
        ("no-show", 250, SessionStatus.NO_SHOW),
        ("back", 300),
        ("back", 299),
    )
    pad(company, 24)
    scores_recompute(on=ON)
    figures = row(company)
    assert (figures.sessions, figures.new_clients, figures.returned) == (30, 4, 1)


def test_a_client_is_new_on_their_first_completed_session_not_on_a_cancelled_one():
    company = CompanyFactory()
    add(company, ("booked", 600, SessionStatus.CANCELLED), ("booked", 400), ("booked", 300))
    pad(company, 28)
    scores_recompute(on=ON)
    assert (row(company).new_clients, row(company).returned) == (1, 1)


def test_first_sessions_179_days_old_are_not_observed_yet_and_180_are():
    company = CompanyFactory()
    add(company, ("a", 179), ("a", 100), ("b", 180), ("b", 100), ("c", 544), ("d", 545))
    pad(company, 26)
    scores_recompute(on=ON)
    assert (row(company).new_clients, row(company).returned) == (2, 1)


def test_a_pro_whose_sessions_are_all_recent_is_told_why_there_is_no_score():
    company = CompanyFactory()
    pad(company, 35)
    scores_recompute(on=ON)
    figures = row(company)
    assert figures.qualified
    assert figures.score is None
    assert figures.reason == score.REASON_NOTHING_OBSERVED
    assert Company.objects.get(pk=company.pk).loyalty_score is None


def record(company, reference: str, days: int, email: str) -> None:
    session_record(
        company=company,
        performed_on=ON - timedelta(days=days),
        source=SessionSource.FORM,
        reference=reference,
        email=email,
    )


def test_two_spellings_of_one_address_are_one_client_who_returned():
    company = CompanyFactory()
    record(company, "A-1", 300, "Jean.Dupont@Gmail.com")
    record(company, "A-2", 200, "jeandupont@gmail.com")
    pad(company, 28)
    scores_recompute(on=ON)
    assert (row(company).new_clients, row(company).returned) == (1, 1)


def test_one_client_of_two_companies_is_a_new_client_of_each_returning_to_one():
    first, second = CompanyFactory(), CompanyFactory()
    record(first, "A-1", 300, "luc.petit@orange.fr")
    record(second, "B-1", 250, "luc.petit@orange.fr")  # not a return to the first
    record(second, "B-2", 200, "luc.petit@orange.fr")
    pad(first, 29)
    pad(second, 28)
    scores_recompute(on=ON)
    assert (row(first).new_clients, row(first).returned) == (1, 0)
    assert (row(second).new_clients, row(second).returned) == (1, 1)


def test_every_company_has_a_row_even_without_sessions():
    company = CompanyFactory()
    report = scores_recompute(on=ON)
    assert report.companies == Company.objects.count()
    figures = row(company)
    assert (figures.sessions, figures.qualified, figures.score) == (0, False, None)
    assert figures.baseline == score.SEED_RATE


def test_running_twice_changes_nothing():
    companies = [CompanyFactory() for _ in range(3)]
    for n, company in enumerate(companies):
        add(company, *[(f"c{i}", 300) for i in range(20)], *[(f"c{i}", 250) for i in range(n * 5)])
        pad(company, 15)
    first = scores_recompute(on=ON)
    assert first.scored == 3
    assert first.scores_changed == Company.objects.count()
    assert first.snapshots_changed == 3
    assert first.ranking_changed == 3
    assert first.baselines_changed == 4  # the platform's and each company's trade's
    before = list(LoyaltyScore.objects.values())
    again = scores_recompute(on=ON)
    assert again.changed == 0
    assert again.as_dict() == {
        **first.as_dict(),
        **dict.fromkeys(
            (
                "scores_changed",
                "baselines_changed",
                "snapshots_changed",
                "ranking_changed",
                "changed",
            ),
            0,
        ),
    }
    assert list(LoyaltyScore.objects.values()) == before
    # A new return changes that company's figures, and its trade's baseline.
    add(companies[0], ("c0", 240))
    third = scores_recompute(on=ON)
    assert third.scores_changed >= 1
    assert row(companies[0]).returned == 1


def test_the_baseline_is_the_trade_s_once_it_has_enough_companies():
    roofer, nanny = ProfessionFactory(), ProfessionFactory()
    rules = score.Rules(min_sessions=10, trade_min_companies=2)

    def company(trade, returning: int):
        created = CompanyFactory(primary_profession=trade)
        add(created, *[(f"c{i}", 300) for i in range(10)])
        add(created, *[(f"c{i}", 250) for i in range(returning)])
        return created

    roofers = [company(roofer, 1), company(roofer, 1)]
    nannies = [company(nanny, 9), company(nanny, 7)]
    scores_recompute(on=ON, rules=rules)
    baselines = {b.profession_id: b for b in TradeBaseline.objects.all()}
    assert baselines[roofer.pk].mean == pytest.approx(0.1)
    assert baselines[roofer.pk].source == BaselineSource.TRADE
    assert baselines[nanny.pk].mean == pytest.approx(0.8)
    assert baselines[None].mean == pytest.approx(18 / 40)
    assert baselines[None].source == BaselineSource.PLATFORM
    assert row(roofers[0]).score == pytest.approx(50.0)
    assert row(nannies[0]).score > 50 > row(nannies[1]).score
    assert row(nannies[0]).baseline == pytest.approx(0.8)
    # Fewer companies than needed: the platform's figures.
    scores_recompute(on=ON, rules=score.Rules(min_sessions=10, trade_min_companies=5))
    borrowed = TradeBaseline.objects.get(profession=roofer)
    assert (borrowed.source, borrowed.companies) == (BaselineSource.SEED, 2)
    assert borrowed.mean == score.SEED_RATE


def test_the_month_s_snapshot_follows_the_nights_then_a_new_month_starts_a_row():
    company = CompanyFactory()
    add(company, *[(f"c{i}", 300) for i in range(20)], *[(f"c{i}", 250) for i in range(8)])
    pad(company, 10)
    CompanyFactory()  # no sessions: no history to chart
    scores_recompute(on=ON)
    snapshot = LoyaltySnapshot.objects.get()
    assert (snapshot.company_id, snapshot.month) == (company.pk, date(2026, 11, 1))
    assert snapshot.score == row(company).score
    scores_recompute(on=ON + timedelta(days=1))
    assert list(LoyaltySnapshot.objects.values_list("month", flat=True)) == [
        date(2026, 11, 1),
        date(2026, 12, 1),
    ]


def test_the_nightly_job_returns_its_counts_and_runs_once_a_day():
    company = CompanyFactory()
    session_record(
        company=company,
        performed_on=timezone.localdate(),
        source=SessionSource.FORM,
        reference="A-1",
        name="Luc Petit",
    )
    step = nightly.step_named("loyalty-scores")
    first = nightly.step_run(step=step, night=timezone.localdate(), owner="night-1")
    assert first.run.rows_read == Company.objects.count()
    assert first.run.rows_changed >= 1
    again = nightly.step_run(step=step, night=timezone.localdate(), owner="night-2")
    assert again.outcome == nightly.Outcome.ALREADY_DONE  # the day's run is done


def test_the_command_prints_the_counts(capsys):
    company = CompanyFactory()
    pad(company, 3)
    call_command("recompute_loyalty", "--on", ON.isoformat())
    out = capsys.readouterr().out
    assert "1 companies, 0 scored" in out
    call_command("recompute_loyalty", "--on", ON.isoformat())
    assert "(0 in all)" in capsys.readouterr().out


def test_the_pro_is_told_in_french_why_there_is_no_score():
    from django.utils import translation

    young, recent = CompanyFactory(), CompanyFactory()
    pad(young, 12)
    pad(recent, 35)
    scores_recompute(on=ON)
    with translation.override("fr"):
        assert row(young).reason_text.startswith(
            "Le score compte à partir de 30 prestations réalisées"
        )
        assert "date de 6 mois" in row(recent).reason_text
        assert "fenêtre d'observation (1 an)" in row(recent).reason_text


def test_staff_read_scores_and_baselines_in_the_admin_and_cannot_change_them(client):
    from tests.factories import UserFactory

    company = CompanyFactory(trade_name="Fidèle & Fils")
    pad(company, 3)
    scores_recompute(on=ON)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    page = client.get("/admin/loyalty/loyaltyscore/")
    assert page.status_code == 200
    assert "Fidèle &amp; Fils" in page.content.decode()
    assert client.get("/admin/loyalty/tradebaseline/").status_code == 200
    assert client.get("/admin/loyalty/loyaltyscore/add/").status_code == 403


def test_a_company_without_sessions_follows_its_baseline_and_loses_its_score():
    """The night computes nothing for a company whose stored row already is
    its "0 / 30" row; a moved baseline, or sessions gone, still rewrites
    it (PostgreSQL's statement leaves the others out)."""
    rules = score.Rules(min_sessions=10, trade_min_companies=2)
    roofer = ProfessionFactory()
    quiet = CompanyFactory(primary_profession=roofer)
    busy = [CompanyFactory(primary_profession=roofer) for _ in range(2)]
    for company in busy:
        add(company, *[(f"c{i}", 300) for i in range(10)], ("c0", 250))
    scores_recompute(on=ON, rules=rules)
    assert row(quiet).baseline == pytest.approx(0.1)
    assert scores_recompute(on=ON, rules=rules).scores_changed == 0
    # One more return moves the trade's baseline: the quiet company's row follows.
    add(busy[0], ("c1", 250))
    again = scores_recompute(on=ON, rules=rules)
    assert again.scores_changed == 3
    assert row(quiet).baseline == pytest.approx(0.15)
    assert (row(quiet).sessions, row(quiet).score) == (0, None)
    # A company whose sessions are all excluded goes back to the empty row.
    ServiceSession.objects.filter(company=busy[1]).update(excluded_at=timezone.now())
    scores_recompute(on=ON, rules=rules)
    emptied = row(busy[1])
    assert (emptied.sessions, emptied.new_clients, emptied.qualified, emptied.score) == (
        0,
        0,
        False,
        None,
    )
    assert emptied.raw_rate is None
