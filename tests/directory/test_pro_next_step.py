"""The rule that picks the dashboard's one next step (directory.pro.facts)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from directory.pro.facts import (
    CheckFigures,
    Facts,
    NextStep,
    ReviewFigures,
    days_left,
    next_step,
)

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
ACTIVE = ReviewFigures(invoices_this_month=2, invoices_total=10, reviews_published=4)


def test_a_new_pro_completes_the_profile_first():
    assert next_step(Facts(profile_gaps=3), NOW) == NextStep("profile", count=3)


def test_with_a_complete_profile_a_new_pro_registers_a_first_invoice():
    assert next_step(Facts(), NOW) == NextStep("first_invoice")


def test_after_the_first_invoice_profile_gaps_no_longer_block_the_month_invoices():
    figures = ReviewFigures(invoices_total=3)
    assert next_step(Facts(profile_gaps=2, figures=figures), NOW) == NextStep("month_invoices")


def test_profile_gaps_come_back_once_this_month_is_registered():
    assert next_step(Facts(profile_gaps=1, figures=ACTIVE), NOW) == NextStep("profile", count=1)


def test_all_done_points_to_the_reviews():
    assert next_step(Facts(figures=ACTIVE), NOW) == NextStep("reviews", count=4)


def test_new_quote_requests_come_before_the_profile_and_the_invoices():
    assert next_step(Facts(profile_gaps=5, new_quotes=2), NOW) == NextStep("quotes", count=2)


def test_an_open_audit_comes_before_everything_but_a_suspension():
    figures = ReviewFigures(audits_open=2, next_audit_due=NOW + timedelta(days=4, hours=23))
    facts = Facts(profile_gaps=5, new_quotes=3, figures=figures)
    assert next_step(facts, NOW) == NextStep("audit", count=2, days=4)
    assert next_step(Facts(suspended=True, figures=figures), NOW) == NextStep("suspended")


def test_an_audit_due_today_or_overdue_says_zero_days():
    for due in (NOW + timedelta(hours=5), NOW, NOW - timedelta(hours=3)):
        figures = ReviewFigures(audits_open=1, next_audit_due=due)
        assert next_step(Facts(figures=figures), NOW).days == 0


@pytest.mark.parametrize(
    ("delta", "days"),
    [
        (timedelta(days=15), 15),
        (timedelta(days=14, hours=23), 14),
        (timedelta(hours=30), 1),
        (timedelta(hours=23, minutes=59), 0),
        (timedelta(0), 0),
        (timedelta(days=-2), 0),
    ],
)
def test_days_left_rounds_down_and_never_goes_below_zero(delta, days):
    assert days_left(NOW + delta, NOW) == days


def test_a_suspended_company_is_only_told_to_contest():
    assert next_step(Facts(suspended=True, new_quotes=4, profile_gaps=2), NOW) == NextStep(
        "suspended"
    )


def test_session_audits_are_audits_too_and_the_earliest_deadline_of_both_counts():
    from directory.pro.facts import SessionAuditFigures

    sessions = SessionAuditFigures(audits_open=3, next_audit_due=NOW + timedelta(days=2, hours=1))
    step = next_step(Facts(new_quotes=2, session_audits=sessions), NOW)
    assert step == NextStep("audit", count=3, days=2, session_audits=3)
    figures = ReviewFigures(audits_open=1, next_audit_due=NOW + timedelta(days=9))
    both = next_step(Facts(figures=figures, session_audits=sessions), NOW)
    assert both == NextStep("audit", count=4, days=2, session_audits=3)
    later = SessionAuditFigures(audits_open=1, next_audit_due=NOW + timedelta(days=12))
    assert next_step(Facts(figures=figures, session_audits=later), NOW).days == 9
    assert next_step(Facts(suspended=True, session_audits=sessions), NOW) == NextStep("suspended")


# Vetting checks (issue 17): what is to settle comes right after the audits;
# a document ending within 7 days before new quotes, within 30 days after.
TODAY = NOW.date()


def test_an_unsettled_required_check_comes_after_the_audits_and_before_the_quotes():
    checks = CheckFigures(unsettled=2, expired=1, settle_by=TODAY + timedelta(days=12))
    facts = Facts(profile_gaps=5, new_quotes=3, checks=checks)
    assert next_step(facts, NOW) == NextStep("checks", count=2, days=12, expired=1)
    audits = ReviewFigures(audits_open=1, next_audit_due=NOW + timedelta(days=2))
    assert next_step(Facts(figures=audits, checks=checks), NOW).kind == "audit"
    assert next_step(Facts(suspended=True, checks=checks), NOW).kind == "suspended"


@pytest.mark.parametrize(
    ("settle_by", "days"),
    [(None, None), (TODAY, 0), (TODAY - timedelta(days=40), 0), (TODAY + timedelta(days=1), 1)],
)
def test_the_days_to_settle_count_from_today_and_never_below_zero(settle_by, days):
    checks = CheckFigures(unsettled=1, settle_by=settle_by)
    assert next_step(Facts(checks=checks), NOW).days == days


@pytest.mark.parametrize(
    ("days", "with_quotes"),
    [(0, "checks_ending"), (7, "checks_ending"), (8, "quotes"), (30, "quotes")],
)
def test_a_document_ending_soon_comes_before_quotes_within_7_days(days, with_quotes):
    checks = CheckFigures(ending=1, ends_on=TODAY + timedelta(days=days))
    assert next_step(Facts(new_quotes=1, checks=checks), NOW).kind == with_quotes
    # Without quotes it comes before the profile and the invoices.
    step = next_step(Facts(profile_gaps=3, checks=checks), NOW)
    assert step == NextStep("checks_ending", count=1, days=days)


def test_the_local_date_decides_the_days_left():
    """23:30 UTC on 30 November is already 1 December in Paris: a document
    ending on 1 December ends today."""
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    checks = CheckFigures(ending=1, ends_on=date(2026, 12, 1))
    assert next_step(Facts(checks=checks), late).days == 0
