"""The whole night at production size (issue 16 §3): fill one PostgreSQL
database with companies, reviews, sessions and prospects by COPY, then
run the nightly chain (``common.nightly``, the code ``manage.py nightly``
runs) and time each step beside a bare aggregate scan of the tables it
reads, its floor. Used by ``manage.py bench_nightly`` (``make
bench-nightly``); never imported by production code.

It lives in ``prospects`` because the import contracts put this app on top
of the others: it is the one that may import every app's filler
(``directory.bench.search``, ``reviews.bench``, ``loyalty.bench``, its own
``prospects.bench``), which this module reuses as they are.

The data: the search benchmark's companies, the API benchmark's published
reviews spread over all of them, the loyalty benchmark's session
histories on the first ``session_companies`` companies (those that record
sessions), the prospect benchmark's pipelines. Kept for the next run.

Each measurement starts from the same state (:func:`night_forget`): no
run of the chain recorded, no document audit, no loyalty or prospect
figure — a first night, the one that writes the most.

Targets (issue 16, on a 2-core machine, 1,000,000 companies, 2,000,000
reviews, 5,000,000 sessions, 200,000 prospects): the whole chain ≤ 5
minutes, no step over 3 × its floor, peak RSS of the process ≤ 400 MB.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

from django.db import connection
from django.utils import timezone

from common import nightly
from common.models import JobRun
from directory.bench.search import fill_companies
from directory.models import Company, CompanyProfession, CompanyStatus
from directory.taxonomy.services import profession_counts_refresh
from eligibility.models import (
    Application,
    ApplicationStatus,
    CheckDecision,
    CompanyChecksDue,
    CompanyScreening,
)
from eligibility.services import VOLUME_WINDOW_DAYS
from loyalty import bench as loyalty_bench
from loyalty.models import ServiceSession, SessionAudit
from reviews import bench as reviews_bench
from reviews.models import Audit, Invoice, Review, ReviewStatus

from . import bench as prospects_bench
from .models import Interaction, Prospect

# Targets of issue 16 §3.
CHAIN_TARGET_SECONDS = 5 * 60
FLOOR_RATIO_TARGET = 3.0
RSS_TARGET_MB = 400.0


@dataclass(frozen=True)
class Sizes:
    companies: int
    reviews: int
    sessions: int
    session_companies: int
    prospects: int
    interactions: int
    pipelines: int


def fill(sizes: Sizes, *, show: Callable[[str], None], show_progress: bool = True) -> None:
    """Fill (or keep) every table the night reads, with the other
    benchmarks' fillers, in the order their TRUNCATEs allow (reviews
    before sessions: a session may point at an invoice), then VACUUM
    ANALYZE them all. Needs the professions and places loaded."""
    started = time.perf_counter()
    if fill_companies(sizes.companies, show_progress=show_progress):
        profession_counts_refresh()
    reviews = reviews_bench.fill_reviews(sizes.reviews, show_progress=show_progress)
    sessions = loyalty_bench.fill_sessions(
        sizes.sessions,
        today=timezone.localdate(),
        companies=sizes.session_companies,
        show_progress=show_progress,
    )
    prospects = prospects_bench.fill_prospects(
        sizes.prospects,
        sizes.interactions,
        pipelines=sizes.pipelines,
        now=datetime.now(UTC).replace(microsecond=0),
        show_progress=show_progress,
    )
    tables_vacuum()
    show(
        f"{sizes.companies:,} companies, {sizes.reviews:,} reviews ({reviews:,} written), "
        f"{sizes.sessions:,} sessions of {sizes.session_companies:,} companies "
        f"({sessions:,} written), {sizes.prospects:,} prospects and {sizes.interactions:,} "
        f"interactions ({prospects:,} prospects written); ready in "
        f"{time.perf_counter() - started:.0f} s."
    )


def tables_vacuum() -> None:
    """VACUUM ANALYZE what the night reads and writes, as autovacuum keeps
    a database that has lived: the other benchmarks' tables and the
    audits'."""
    reviews_bench.tables_vacuum()
    loyalty_bench.tables_vacuum()
    prospects_bench.tables_vacuum()
    with connection.cursor() as cursor:  # Django's connection is in autocommit
        for model in (Audit, SessionAudit, CompanyScreening, JobRun):
            cursor.execute(f"VACUUM ANALYZE {model._meta.db_table}")


def night_forget() -> None:
    """Back to before any night: no run of the chain recorded (the night
    would be skipped as done), no document audit (reviews and sessions
    audited are left out of the sample), no loyalty figure
    (``loyalty.bench.figures_forget``), no prospect score. A benchmark
    database only: the audits are TRUNCATEd with what hangs on them."""
    JobRun.objects.filter(name__startswith=nightly.JOB_PREFIX).delete()
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {Audit._meta.db_table}, {SessionAudit._meta.db_table} CASCADE")
    loyalty_bench.figures_forget()
    prospects_bench.scores_forget()
    tables_vacuum()


# --- Floors -----------------------------------------------------------------------

# Per step, one statement that reads the tables the step reads, all of
# their rows, aggregated on the server to a single row: what a pass over
# that data costs at the least (no join it does not need, nothing written).


def _tables() -> dict[str, str]:
    return {
        "company": Company._meta.db_table,
        "trade_row": CompanyProfession._meta.db_table,
        "review": Review._meta.db_table,
        "invoice": Invoice._meta.db_table,
        "session": ServiceSession._meta.db_table,
        "screening": CompanyScreening._meta.db_table,
        "application": Application._meta.db_table,
        "check_decision": CheckDecision._meta.db_table,
        "checks_due": CompanyChecksDue._meta.db_table,
        "prospect": Prospect._meta.db_table,
        "interaction": Interaction._meta.db_table,
    }


FLOORS: dict[str, tuple[str, str]] = {
    # step: (what is read, statement)
    "review-audits": (
        "reviews ⋈ invoices, by company",
        "SELECT count(*), sum(n) FROM (SELECT r.company_id, count(*) AS n, "
        "max(i.created_at) AS m FROM {review} r JOIN {invoice} i ON i.id = r.invoice_id "
        "GROUP BY r.company_id) s",
    ),
    "session-audits": (
        "sessions, by company",
        "SELECT count(*), sum(n) FROM (SELECT company_id, count(*) AS n, "
        "max(performed_on) AS m FROM {session} GROUP BY company_id) s",
    ),
    "review-stats": (
        "companies ⟕ published reviews by company",
        "SELECT count(*), sum(r.n), avg(r.a) FROM {company} c LEFT JOIN (SELECT company_id, "
        "count(*) AS n, avg(rating) AS a FROM {review} WHERE status = %(published)s "
        "GROUP BY company_id) r ON r.company_id = c.id",
    ),
    "loyalty-scores": (
        "sessions, distinct clients by company",
        "SELECT count(*), sum(n) FROM (SELECT company_id, count(DISTINCT client_key) AS n "
        "FROM {session} GROUP BY company_id) s",
    ),
    "prospect-scores": (
        "prospects ⟕ interactions by prospect",
        "SELECT count(*), sum(a.contacts), max(a.last_at) FROM {prospect} p LEFT JOIN ("
        "SELECT prospect_id, count(*) AS contacts, max(happened_at) AS last_at "
        "FROM {interaction} GROUP BY prospect_id) a ON a.prospect_id = p.id",
    ),
    "eligibility": (
        "listed companies with an approval ⟕ screenings; sessions of the volume window",
        "SELECT (SELECT count(*) FROM {company} c LEFT JOIN {screening} s "
        "ON s.company_id = c.id WHERE c.status = %(listed)s AND (s.id IS NULL "
        "OR c.updated_at > s.screened_at) AND EXISTS (SELECT 1 FROM {application} a "
        "WHERE a.company_id = c.id AND a.status = %(approved)s)), "
        "(SELECT count(*) FROM (SELECT company_id, "
        "count(DISTINCT client_key) FROM {session} WHERE performed_on >= %(since)s "
        "GROUP BY company_id) v)",
    ),
    "vetting-checks": (
        "listed companies ⟕ their checks' due date; check decisions, by company and check",
        "SELECT (SELECT count(*) FROM {company} c LEFT JOIN {checks_due} d "
        "ON d.company_id = c.id WHERE c.status = %(listed)s), (SELECT count(*) FROM ("
        "SELECT company_id, check_code, max(created_at), max(valid_until) "
        "FROM {check_decision} GROUP BY company_id, check_code) k)",
    ),
    "search-keys": (
        "trade rows ⋈ companies",
        "SELECT count(*), sum(c.trust_score) FROM {trade_row} t "
        "JOIN {company} c ON c.id = t.company_id",
    ),
}


def floor_run(step: str) -> None:
    """Run the floor of ``step`` once (JIT off: a pass this short does not
    pay for its compilation, and the steps' own statements are as short)."""
    _what, statement = FLOORS[step]
    params: dict[str, str | date] = {
        "published": ReviewStatus.PUBLISHED.value,
        "listed": CompanyStatus.LISTED.value,
        "approved": ApplicationStatus.APPROVED.value,
        "since": timezone.localdate() - timedelta(days=VOLUME_WINDOW_DAYS),
    }
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
        cursor.execute(statement.format(**_tables()), params)
        cursor.fetchall()
        cursor.execute("RESET jit")


# --- The night --------------------------------------------------------------------


@dataclass
class StepTiming:
    name: str
    seconds: float = math.nan
    outcome: str = ""
    read: int | None = None
    changed: int | None = None
    peak_mb: float = math.nan
    floor: list[float] = field(default_factory=list)

    @property
    def floor_median(self) -> float:
        return statistics.median(self.floor) if self.floor else math.nan

    @property
    def ratio(self) -> float:
        floor = self.floor_median
        return self.seconds / floor if floor else math.nan


def floors_measure(steps: list[str], *, repeat: int) -> dict[str, list[float]]:
    """Each step's floor run ``repeat`` times, steps in turn."""
    seconds: dict[str, list[float]] = {step: [] for step in steps}
    for _ in range(repeat):
        for step in steps:
            started = time.perf_counter()
            floor_run(step)
            seconds[step].append(time.perf_counter() - started)
    return seconds


# The two nights measured: the first (every figure written) and the same
# night run again (every figure computed, nothing new to write: a night
# when little changed).
NIGHTS = ("first night", "same night again")


def _chain_timed(night: date, floors: dict[str, list[float]]) -> list[StepTiming]:
    """The chain once for ``night``, every step in order as ``manage.py
    nightly`` runs it (``common.nightly.nightly_run``: claims, records,
    soft limits), with each step's wall time, rows from its ``JobRun`` and
    the process's peak RSS during it."""
    timings = {name: StepTiming(name, floor=seconds) for name, seconds in floors.items()}
    started: dict[str, float] = {}

    def before(step: nightly.Step) -> None:
        loyalty_bench.peak_rss_reset()
        started[step.name] = time.perf_counter()

    def after(report: nightly.StepReport) -> None:
        timing = timings[report.step.name]
        timing.seconds = time.perf_counter() - started[report.step.name]
        timing.peak_mb = loyalty_bench.peak_rss_mb()
        timing.outcome = str(report.outcome)
        timing.read, timing.changed = report.run.rows_read, report.run.rows_changed

    nightly.nightly_run(
        night=night, owner=f"bench-nightly-{uuid4().hex}", before=before, after=after
    )
    return list(timings.values())


def measure(*, repeat: int, night: date | None = None) -> dict[str, list[StepTiming]]:
    """From the state of :func:`night_forget`: the floors (``repeat`` runs
    each, which also warms the cache as a night's earlier work would), then
    the chain for ``night`` (default tonight) and again for the next date
    (the data as they are now: nothing new), each step timed
    (:func:`_chain_timed`). Returns the steps' timings of each night."""
    night = night or nightly.night_of()
    night_forget()
    floors = floors_measure([step.name for step in nightly.nightly_steps()], repeat=repeat)
    return {name: _chain_timed(night + timedelta(days=n), floors) for n, name in enumerate(NIGHTS)}


def _count(value: int | None) -> str:
    return "–" if value is None else f"{value:,}"


def table(timings: list[StepTiming]) -> str:
    """The printed table: each step's time, its floor (median), their
    ratio, rows read and changed, peak RSS; the whole night; the floors'
    statements; the targets met or missed."""
    header = (
        f"{'step':<17}{'seconds':>9}{'floor s':>9}{'× floor':>9}{'rows read':>12}"
        f"{'changed':>11}{'peak RSS MB':>13}  outcome"
    )
    lines = [header, "-" * len(header)]
    for t in timings:
        mark = " !" if t.ratio > FLOOR_RATIO_TARGET else "  "
        lines.append(
            f"{t.name:<17}{t.seconds:>9.2f}{t.floor_median:>9.2f}{t.ratio:>7.2f}{mark}"
            f"{_count(t.read):>12}{_count(t.changed):>11}{t.peak_mb:>13.0f}  {t.outcome}"
        )
    ran = [t for t in timings if not math.isnan(t.seconds)]
    total = sum(t.seconds for t in ran)
    floors = sum(t.floor_median for t in timings)
    peak = max((t.peak_mb for t in ran), default=math.nan)
    lines.append("-" * len(header))
    lines.append(
        f"{'whole chain':<17}{total:>9.2f}{floors:>9.2f}{total / floors if floors else 0:>9.2f}"
        f"{sum(t.read or 0 for t in ran):>12,}{sum(t.changed or 0 for t in ran):>11,}"
        f"{peak:>13.0f}"
    )
    lines.append("floors (one aggregate statement each, JIT off, median of the runs):")
    lines.extend(f"  {name:<17}{what}" for name, (what, _sql) in FLOORS.items())
    complete = len(ran) == len(timings) and all(t.outcome == "done" for t in timings)
    over = [t.name for t in timings if not t.ratio <= FLOOR_RATIO_TARGET]
    verdicts = [
        (
            f"whole chain ≤ {CHAIN_TARGET_SECONDS // 60} min",
            complete and total <= CHAIN_TARGET_SECONDS,
            f"{total:.0f} s" + ("" if complete else ", not every step done"),
        ),
        (
            f"every step ≤ {FLOOR_RATIO_TARGET:g} × its floor",
            not over,
            "over: " + ", ".join(over) if over else "",
        ),
        (f"peak RSS ≤ {RSS_TARGET_MB:.0f} MB", peak <= RSS_TARGET_MB, f"{peak:.0f} MB"),
    ]
    for name, met, detail in verdicts:
        lines.append(
            f"target {name}: {'ok' if met else 'MISSED'}{f' ({detail})' if detail else ''}"
        )
    lines.append(
        "(seconds of wall time; rows as the step's JobRun records them; peak RSS of this "
        "process during the step, reset before each)"
    )
    return "\n".join(lines)


def report(*, repeat: int, show: Callable[[str], None]) -> None:
    """Measure the filled database (:func:`measure`) and print a table per
    night."""
    for name, timings in measure(repeat=repeat).items():
        show(f"\n{name.capitalize()}:")
        show(table(timings))
