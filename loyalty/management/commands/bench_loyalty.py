"""Time the nightly loyalty recompute on a PostgreSQL database filled with
generated session histories (``loyalty.bench``): ``make bench-loyalty``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from directory.bench.database import bench_database, bench_database_ready
from directory.bench.search import fill_companies
from directory.taxonomy.services import profession_counts_refresh
from loyalty.bench import (
    fill_sessions,
    measure,
    measure_in_fresh_process,
    table,
    tables_vacuum,
)


class Command(BaseCommand):
    help = (
        "Fill a separate PostgreSQL database (its name must end in _bench) with companies and "
        "their completed sessions, then time the nightly loyalty recompute against a bare "
        "aggregate scan of the same sessions; print the table and the peak RSS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--companies", type=int, default=50_000)
        parser.add_argument("--sessions", type=int, default=5_000_000)
        parser.add_argument(
            "--repeat", type=int, default=3, help="Timed runs of each step (default 3)."
        )
        parser.add_argument(
            "--measure-only",
            action="store_true",
            help="Measure the database as it is, without filling it (the command runs itself "
            "this way after filling, so that the peak RSS is the measured work's alone).",
        )

    def handle(
        self,
        *args: Any,
        companies: int,
        sessions: int,
        repeat: int,
        measure_only: bool,
        **options: Any,
    ) -> None:
        database = bench_database("generated companies and sessions")
        if companies < 1 or sessions < 0 or repeat < 1:
            raise CommandError("--companies and --repeat must be at least 1, --sessions positive.")
        if measure_only:
            timings, peak = measure(repeat=repeat, today=timezone.localdate())
            self.stdout.write(table(timings, peak_mb=peak))
            return
        started = time.perf_counter()
        bench_database_ready(database, self.stdout.write)
        if fill_companies(companies):
            profession_counts_refresh()
        today = timezone.localdate()
        written = fill_sessions(sessions, today=today)
        tables_vacuum()
        self.stdout.write(
            f"Database {database['NAME']}: {companies:,} companies, {sessions:,} sessions "
            f"({written:,} written; ready in {time.perf_counter() - started:.0f} s)."
        )
        self.stdout.flush()
        measure_in_fresh_process("bench_loyalty", f"--repeat={repeat}")
