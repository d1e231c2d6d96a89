"""The prospect-score benchmark (``make bench-prospects``): what it
generates and what it measures, at a small size. COPY and VACUUM need
PostgreSQL."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from prospects import bench
from prospects.models import Interaction, Prospect, ProspectEvent, Stage
from tests.factories import CompanyFactory

postgres_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="COPY and VACUUM are PostgreSQL's"
)


@pytest.mark.parametrize(("pipelines", "total"), [(1, 0), (7, 100), (400, 160_000)])
def test_volumes_add_up_to_the_prospects_asked(pipelines, total):
    counts = bench.volumes(pipelines, total, random.Random(1))
    assert len(counts) == pipelines
    assert sum(counts) == total
    assert min(counts) >= 0


@pytest.mark.django_db
def test_the_command_refuses_a_database_not_named_for_benchmarks():
    with pytest.raises(CommandError, match="_bench"):
        call_command("bench_prospects", prospects=10, interactions=10, pipelines=1)


@postgres_only
@pytest.mark.django_db(transaction=True)
def test_fill_then_measure_on_postgresql():
    for _ in range(3):
        CompanyFactory()
    now = datetime.now(UTC).replace(microsecond=0)
    assert bench.fill_prospects(900, 9000, pipelines=3, now=now, show_progress=False) == 900
    assert Prospect.objects.count() == 900
    assert Interaction.objects.count() == 9000
    assert set(Prospect.objects.values_list("stage", flat=True)) == set(Stage.values)
    # Every prospect has its creation event; a client went through every stage.
    assert ProspectEvent.objects.values("prospect").distinct().count() == 900
    assert not Interaction.objects.filter(happened_at__gt=now).exists()
    assert bench.fill_prospects(900, 9000, pipelines=3, now=now, show_progress=False) == 0
    bench.tables_vacuum()
    timings, peak = bench.measure(repeat=1, now=now)
    assert [t.name for t in timings] == [
        "bare scan",
        "first night",
        "next night",
        "same night again",
    ]
    assert all(t.seconds and t.median > 0 for t in timings)
    assert timings[0].detail == "900 prospects"
    opened = Prospect.objects.exclude(stage__in=(Stage.CLIENT, Stage.LOST)).count()
    assert f"{opened:,} scored, {opened:,} written" in timings[1].detail
    assert f"{opened:,} scored, 0 written" in timings[3].detail
    assert not Interaction.objects.filter(outcome=bench.NEXT_NIGHT_OUTCOME).exists()
    assert peak > 0
    assert "peak RSS" in bench.table(timings, peak_mb=peak)
