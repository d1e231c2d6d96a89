"""Loyalty benchmark: fill a PostgreSQL database with session histories by
COPY, then time the nightly recompute against a bare aggregate scan of the
same sessions. Used by ``manage.py bench_loyalty`` (``make bench-loyalty``);
never imported by production code.

Histories (:func:`fill_sessions`) follow the companies' trades: the
sectors of :data:`RECURRING_SECTORS` (cleaning, childcare, care, shops)
have fewer clients who come back every one to three weeks; the others
(building work, events, liberal professions, business services) many
clients seen once, a few coming back within months. Companies get unequal
volumes (log-normal around the mean, so some stay under 30 sessions), two
and a half years of history, and cancellations, no-shows, same-day repeats
and late returns as in the demo (:mod:`loyalty.demo.seed`). The same seed
gives the same rows.

Targets (issue 13, on a 2-core machine, 50,000 companies and 5,000,000
sessions): the nightly recompute ≤ 15 s, ≤ 3 × the bare scan, peak RSS of
the process ≤ 300 MB.
"""

from __future__ import annotations

import io
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import F, FloatField, Value
from django.utils import timezone
from tqdm import tqdm

from directory.companies.services import company_search_keys_sync
from directory.models import Company, CompanyProfession
from directory.search import ranking

from .demo.seed import CANCELLED, LATE_RETURN, NO_SHOW, SAME_DAY, TRADES
from .models import (
    LoyaltyScore,
    LoyaltySnapshot,
    ServiceSession,
    SessionSource,
    SessionStatus,
    TradeBaseline,
)
from .recompute import RecomputeReport, scores_recompute

DEFAULT_SEED = 2026
# Sectors whose clients come back on a rhythm (directory/data/professions.json).
RECURRING_SECTORS = frozenset(
    {"maison-services", "enfance-famille", "sante-esthetique", "commerce-restauration"}
)
RECURRING = TRADES["menage-domicile"]
ONE_OFF = TRADES["plombier"]
# Days of history: first sessions spread over this many days before today.
HISTORY_DAYS = 900
# Spread of the companies' volumes (sigma of the log-normal).
VOLUME_SIGMA = 0.9
# Rows sent to COPY per round trip.
COPY_BATCH = 50_000
SESSION_COLUMNS = (
    "company_id",
    "client_key",
    "performed_on",
    "amount",
    "status",
    "source",
    "reference",
    "created_at",
)
REFERENCE_PREFIX = "BENCH-"


def volumes(companies: int, sessions: int, rng: random.Random) -> list[int]:
    """Sessions per company: ``companies`` log-normal draws scaled so that
    they add up to exactly ``sessions``."""
    weights = [rng.lognormvariate(0.0, VOLUME_SIGMA) for _ in range(companies)]
    scale = sessions / sum(weights)
    counts = [int(weight * scale) for weight in weights]
    for index in range(sessions - sum(counts)):
        counts[index % companies] += 1
    return counts


def company_rows(
    company_id: int, budget: int, recurring: bool, today: date, rng: random.Random
) -> Iterator[str]:
    """``budget`` COPY text lines (``SESSION_COLUMNS``) of one company."""
    trade = RECURRING if recurring else ONE_OFF
    source = SessionSource.CSV.value if recurring else SessionSource.FORM.value
    created = f"{today.isoformat()} 18:00:00+00"
    made = 0
    client = 0
    low, high = trade.amount
    rate = trade.rate * rng.uniform(0.4, 1.8)
    while made < budget:
        client += 1
        key = f"{rng.getrandbits(256):064x}"
        first = today - timedelta(days=rng.randint(0, HISTORY_DAYS))
        days = [(first, SessionStatus.COMPLETED.value)]
        if rng.random() < rate:
            day = first + timedelta(days=rng.randint(1, trade.gap_days[1]))
            for _ in range(rng.randint(*trade.repeats)):
                days.append((day, SessionStatus.COMPLETED.value))
                day += timedelta(days=rng.randint(*trade.gap_days))
        elif rng.random() < LATE_RETURN:
            days.append((first + timedelta(days=rng.randint(181, 400)), "completed"))
        if rng.random() < SAME_DAY:
            days.append((first, SessionStatus.COMPLETED.value))
        if rng.random() < CANCELLED:
            days.append((first + timedelta(days=rng.randint(1, 60)), "cancelled"))
        if rng.random() < NO_SHOW:
            days.append((first + timedelta(days=rng.randint(1, 60)), "no_show"))
        for day, status in days:
            if day > today or made >= budget:
                continue
            made += 1
            yield (
                f"{company_id}\t{key}\t{day.isoformat()}\t{rng.randint(low, high)}\t{status}\t"
                f"{source}\t{REFERENCE_PREFIX}{made}\t{created}\n"
            )


def fill_sessions(
    target: int,
    *,
    today: date,
    companies: int | None = None,
    seed: int = DEFAULT_SEED,
    show_progress: bool = True,
) -> int:
    """COPY ``target`` sessions spread over every company (or the first
    ``companies`` by key: those that record sessions, a minority of a
    directory's), unless the table already holds exactly ``target``
    benchmark sessions; other sessions are removed first (TRUNCATE …
    CASCADE: a benchmark database only). Returns the sessions written (0
    when kept)."""
    table = ServiceSession._meta.db_table
    existing = ServiceSession.objects.filter(reference__startswith=REFERENCE_PREFIX).count()
    if existing == target:
        return 0
    rng = random.Random(f"{seed}:bench-loyalty")
    recording = Company.objects.order_by("pk").values_list("pk", "primary_profession__sector__slug")
    drawn = list(recording if companies is None else recording[:companies])
    counts = volumes(len(drawn), target, rng)
    connection.ensure_connection()
    raw = connection.connection
    with raw.transaction(), raw.cursor() as cursor:
        cursor.execute(f"TRUNCATE {table} CASCADE")
    progress = tqdm(
        total=target,
        desc="Sessions (COPY)",
        unit="row",
        unit_scale=True,
        disable=not show_progress,
        file=sys.stderr,
    )
    buffer = io.StringIO()
    pending = 0

    def flush() -> None:
        nonlocal buffer, pending
        with (
            raw.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(SESSION_COLUMNS)}) FROM STDIN") as copy,
        ):
            copy.write(buffer.getvalue())
        raw.commit()
        progress.update(pending)
        buffer, pending = io.StringIO(), 0

    for (company_id, sector), budget in zip(drawn, counts, strict=True):
        company_rng = random.Random(f"{seed}:bench-loyalty:{company_id}")
        for line in company_rows(
            company_id, budget, sector in RECURRING_SECTORS, today, company_rng
        ):
            buffer.write(line)
            pending += 1
        if pending >= COPY_BATCH:
            flush()
    if pending:
        flush()
    progress.close()
    return target


def tables_vacuum() -> None:
    """VACUUM ANALYZE the tables the recompute reads and writes, as
    autovacuum keeps them in a database that has lived (statistics for the
    planner, visibility map for index-only scans)."""
    tables = [
        model._meta.db_table
        for model in (ServiceSession, Company, CompanyProfession, LoyaltyScore, LoyaltySnapshot)
    ]
    with connection.cursor() as cursor:  # Django's connection is in autocommit
        for table in tables:
            cursor.execute(f"VACUUM ANALYZE {table}")


BARE_SCAN_SQL = "SELECT company_id, count(DISTINCT client_key) FROM {table} GROUP BY company_id"


def bare_scan() -> int:
    """The floor: one aggregate over every session, rows fetched. Returns
    the companies counted."""
    with connection.cursor() as cursor:
        cursor.execute(BARE_SCAN_SQL.format(table=ServiceSession._meta.db_table))
        return len(cursor.fetchall())


def peak_rss_reset() -> bool:
    """Reset the process's peak resident set (Linux ≥ 4.0, ``clear_refs``
    5), so that :func:`peak_rss_mb` measures what follows. False where the
    kernel does not allow it."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def measure_in_fresh_process(command: str, *arguments: str) -> None:
    """Run ``manage.py COMMAND --measure-only ARGUMENTS`` in a new Python
    process (same interpreter, same environment, so the same database)
    and wait for it, its output going to this process's standard output.
    A benchmark that has just filled its database measures this way: the
    memory the filling freed is not always given back to the system, and
    would count in the peak RSS it reports for the work measured (a
    Celery worker scoring the night has not filled anything). Raises
    ``subprocess.CalledProcessError`` when the child fails."""
    sys.stdout.flush()
    subprocess.run(  # noqa: S603  # our argv: this Python, our manage.py
        [
            sys.executable,
            str(Path(settings.BASE_DIR) / "manage.py"),
            command,
            "--measure-only",
            *arguments,
        ],
        check=True,
    )


def peak_rss_mb() -> float:
    """Peak resident set of this process in MB (``VmHWM``), else
    ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Timing:
    name: str
    seconds: list[float]
    detail: str

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)


def timed(name: str, run: Callable[[], str], repeat: int) -> Timing:
    seconds, detail = [], ""
    for _ in range(repeat):
        started = time.perf_counter()
        detail = run()
        seconds.append(time.perf_counter() - started)
    return Timing(name, seconds, detail)


def _report(report: RecomputeReport) -> str:
    return (
        f"{report.scored:,} scored, {report.scores_changed:,} scores "
        f"+ {report.snapshots_changed:,} snapshots + {report.ranking_changed:,} companies written"
    )


def figures_forget() -> None:
    """Back to before any night: no score, baseline or snapshot, every
    company neutral for ranking (and its search rows with it)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE {}, {}, {}".format(
                *(m._meta.db_table for m in (LoyaltyScore, LoyaltySnapshot, TradeBaseline))
            )
        )
    Company.objects.exclude(loyalty_score=None).update(
        loyalty_score=None,
        trust_score=ranking.trust_of_columns(
            F("rating_average"), F("review_count"), Value(None, output_field=FloatField())
        ),
    )
    company_search_keys_sync()
    tables_vacuum()


def measure(*, repeat: int, today: date | None = None) -> tuple[list[Timing], float]:
    """Time, in this order: the bare scan (``repeat`` runs); the recompute
    of a first night (no figures yet, :func:`figures_forget`: every row
    written); of the next night (the window
    moves a day: the rows whose figures changed are written) — ``repeat``
    runs, each on a database reset to the first night's figures; of the
    same night again (nothing to write). Returns the timings and the peak
    RSS in MB over the measurements."""
    today = today or timezone.localdate()
    peak_rss_reset()
    floor = timed("bare scan", lambda: f"{bare_scan():,} companies", repeat)
    figures_forget()
    first = timed("first night", lambda: _report(scores_recompute(on=today)), 1)
    nights = []
    for _ in range(repeat):
        scores_recompute(on=today)  # back to the first night's figures
        nights.append(
            timed("next night", lambda: _report(scores_recompute(on=today + timedelta(1))), 1)
        )
    night = Timing("next night", [t.seconds[0] for t in nights], nights[-1].detail)
    again = timed(
        "same night again",
        lambda: _report(scores_recompute(on=today + timedelta(1))),
        repeat,
    )
    return [floor, first, night, again], peak_rss_mb()


def table(timings: list[Timing], *, peak_mb: float) -> str:
    """The printed table: median and spread of each measurement, its ratio
    to the bare scan, and the peak RSS."""
    floor = timings[0].median
    header = f"{'step':<18}{'runs':>5}{'median s':>10}{'min s':>8}{'max s':>8}{'× scan':>8}  rows"
    lines = [header, "-" * len(header)]
    for timing in timings:
        lines.append(
            f"{timing.name:<18}{len(timing.seconds):>5}{timing.median:>10.2f}"
            f"{min(timing.seconds):>8.2f}{max(timing.seconds):>8.2f}"
            f"{timing.median / floor if floor else math.nan:>8.2f}  {timing.detail}"
        )
    lines.append(f"peak RSS of this process over the measurements: {peak_mb:.0f} MB")
    return "\n".join(lines)
