"""The night's review work is set-based (issue 16 §2): the companies'
figures are recounted in one statement whatever their number, without an
id list, and the overdue audits are closed in a fixed number of statements
whatever their number (one outbox e-mail per author apart)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from post_office.models import Email

from directory.models import Company, CompanyProfession
from directory.search import ranking
from reviews.models import Audit, AuditEvent, AuditStatus, ReviewLogEntry, Strike
from reviews.services import audits
from reviews.services.stats import company_review_stats_refresh, company_review_stats_refresh_all
from tests.factories import CompanyFactory

from .test_audit_outcomes import open_audits, publish

pytestmark = pytest.mark.django_db


def statements(work) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        work()
    return [query["sql"] for query in captured.captured_queries]


# --- The review figures ----------------------------------------------------------------


def test_the_figures_are_recounted_in_one_statement_whatever_the_number_of_companies(cast):
    publish(cast.company_a, 1)
    few = statements(lambda: company_review_stats_refresh(search_keys=False))
    CompanyFactory.create_batch(40)
    many = statements(lambda: company_review_stats_refresh(search_keys=False))
    assert len(few) == len(many) == 1
    assert len(many[0]) == len(few[0])  # no id list: the statement does not grow
    assert " IN (" not in many[0]


def test_only_the_companies_whose_figures_changed_are_written(cast):
    review = publish(cast.company_a, 1)
    others = CompanyFactory.create_batch(5)
    assert company_review_stats_refresh() == 0  # in step since the publication
    Company.objects.filter(pk=cast.company_a.pk).update(review_count=7, trust_score=0.1)
    Company.objects.filter(pk=others[0].pk).update(rating_average=4.0)
    Company.objects.filter(pk=others[1].pk).update(trust_score=0.99)
    assert company_review_stats_refresh() == 3
    assert company_review_stats_refresh() == 0
    company = Company.objects.get(pk=cast.company_a.pk)
    assert (company.review_count, company.rating_average) == (1, review.rating)
    expected = ranking.trust(average_rating=review.rating, review_count=1)
    assert company.trust_score == pytest.approx(expected)
    assert Company.objects.get(pk=others[0].pk).rating_average is None
    assert Company.objects.get(pk=others[1].pk).trust_score == pytest.approx(ranking.NEUTRAL)


def test_the_loyalty_score_weighs_in_the_recounted_trust(cast):
    Company.objects.filter(pk=cast.company_b.pk).update(loyalty_score=0.9, trust_score=0.0)
    assert company_review_stats_refresh(company_ids=[cast.company_b.pk]) == 1
    company = Company.objects.get(pk=cast.company_b.pk)
    expected = ranking.trust(average_rating=None, review_count=0, loyalty=0.9)
    assert company.trust_score == pytest.approx(expected)


def test_given_companies_only_are_recounted(cast):
    Company.objects.update(review_count=3)
    assert company_review_stats_refresh(company_ids=[cast.company_a.pk]) == 1
    assert company_review_stats_refresh(company_ids=[]) == 0
    counts = dict(Company.objects.values_list("pk", "review_count"))
    assert (counts[cast.company_a.pk], counts[cast.company_b.pk]) == (0, 3)


def test_the_nights_step_leaves_the_trade_rows_to_the_last_step(cast):
    Company.objects.filter(pk=cast.company_a.pk).update(trust_score=0.1)
    before = set(CompanyProfession.objects.values_list("pk", "trust_score"))
    report = company_review_stats_refresh_all()
    assert (report.companies, report.changed) == (Company.objects.count(), 1)
    assert set(CompanyProfession.objects.values_list("pk", "trust_score")) == before


# --- The overdue audits --------------------------------------------------------------------


def overdue(settings, company_reviews: list, when: str) -> list[Audit]:
    """Audits of ``company_reviews`` (company, number), opened at ``when``."""
    with time_machine.travel(when, tick=False):
        for company, n in company_reviews:
            publish(company, n)
    return open_audits(settings, when)


def test_overdue_audits_are_closed_in_a_fixed_number_of_statements(cast, settings):
    settings.REVIEW_STRIKES_WARNING = 1000  # no warning moves: the same work each night
    companies = [cast.company_a, cast.company_b, *CompanyFactory.create_batch(2)]
    # One overdue audit per company, then four per company (the same
    # companies: the warnings are recounted once per company).
    first = overdue(settings, [(c, n) for n, c in enumerate(companies)], "2026-11-02 02:00 +0100")
    emails = Email.objects.count()
    with time_machine.travel("2026-11-18 02:00 +0100", tick=False):
        few = statements(audits.audits_close_overdue)
    assert Email.objects.count() - emails == 4  # each author told
    reviews = [(c, 10 * n + i) for n in range(1, 5) for i, c in enumerate(companies)]
    second = overdue(settings, reviews, "2026-11-20 02:00 +0100")
    emails = Email.objects.count()
    with time_machine.travel("2026-12-06 02:00 +0100", tick=False):
        many = statements(audits.audits_close_overdue)
    assert Email.objects.count() - emails == 16
    assert (len(first), len(second)) == (4, 16)

    def of_the_close(sql: list[str]) -> list[str]:
        # Each author's e-mail is a row of the outbox: one per audit, by design.
        return [query for query in sql if "post_office" not in query]

    assert len(of_the_close(many)) == len(of_the_close(few))
    assert Audit.objects.filter(status=AuditStatus.MISSED).count() == 20
    assert Strike.objects.count() == 20
    assert AuditEvent.objects.filter(to_status=AuditStatus.MISSED).count() == 20
    for audit in second:
        audit.refresh_from_db()
        assert (audit.status, audit.decided_by) == (AuditStatus.MISSED, None)
        assert audit.decided_at is not None
        # The decision is chained in the review's record, after its opening.
        kinds = list(
            ReviewLogEntry.objects.filter(review_id=audit.review_id)
            .order_by("seq")
            .values_list("payload__to", flat=True)
        )
        assert kinds[-2:] == ["open", "missed"]


def test_a_batch_larger_than_a_nights_bound_leaves_the_rest_to_the_next_night(
    cast, settings, monkeypatch
):
    overdue(settings, [(cast.company_a, n) for n in range(1, 4)], "2026-11-02 02:00 +0100")
    monkeypatch.setattr(audits, "MAX_AUDITS_PER_RUN", 2)
    with time_machine.travel("2026-11-18 02:00 +0100", tick=False):
        assert audits.audits_close_overdue() == 2
        assert audits.audits_close_overdue() == 1
        assert audits.audits_close_overdue() == 0
    first_two = Audit.objects.order_by("pk")[:2]
    assert {audit.decided_at for audit in first_two} == {
        first_two[0].opened_at + timedelta(days=16)
    }
