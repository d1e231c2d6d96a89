"""The loyalty benchmark (``make bench-loyalty``): what it generates and
what it measures, at a small size. COPY and VACUUM need PostgreSQL."""

from __future__ import annotations

import random

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from loyalty import bench
from loyalty.models import LoyaltyScore, ServiceSession, SessionStatus
from tests.factories import CompanyFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and VACUUM are PostgreSQL's"
)


@pytest.mark.parametrize(("companies", "sessions"), [(1, 0), (7, 100), (50, 12_345)])
def test_volumes_add_up_to_the_sessions_asked(companies, sessions):
    counts = bench.volumes(companies, sessions, random.Random(1))
    assert len(counts) == companies
    assert sum(counts) == sessions
    assert min(counts) >= 0


def test_a_company_s_rows_are_its_budget_never_after_today():
    today = timezone.localdate()
    rows = list(bench.company_rows(42, 300, True, today, random.Random(3)))
    assert len(rows) == 300
    fields = [row.rstrip("\n").split("\t") for row in rows]
    assert all(len(f) == len(bench.SESSION_COLUMNS) for f in fields)
    assert all(f[2] <= today.isoformat() for f in fields)
    assert len({f[6] for f in fields}) == 300  # references unique within the company


@pytest.mark.django_db
def test_the_command_refuses_a_database_not_named_for_benchmarks():
    with pytest.raises(CommandError, match="_bench"):
        call_command("bench_loyalty", companies=1, sessions=1)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_fill_then_measure_on_postgresql():
    for _ in range(40):
        CompanyFactory()
    today = timezone.localdate()
    assert bench.fill_sessions(6000, today=today, show_progress=False) == 6000
    assert ServiceSession.objects.count() == 6000
    statuses = set(ServiceSession.objects.values_list("status", flat=True))
    assert statuses == {s.value for s in SessionStatus}  # cancellations and no-shows too
    assert bench.fill_sessions(6000, today=today, show_progress=False) == 0  # kept
    bench.tables_vacuum()
    timings, peak = bench.measure(repeat=1, today=today)
    assert [t.name for t in timings] == [
        "bare scan",
        "first night",
        "next night",
        "same night again",
    ]
    assert all(t.seconds and t.median > 0 for t in timings)
    assert timings[0].detail == "40 companies"
    assert "0 scores + 0 snapshots + 0 companies written" in timings[3].detail
    assert LoyaltyScore.objects.count() == 40
    assert peak > 0
    printed = bench.table(timings, peak_mb=peak)
    assert "same night again" in printed
    assert "peak RSS" in printed
