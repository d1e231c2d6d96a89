from __future__ import annotations

import time

from django.core.management.base import BaseCommand
from django.test.utils import override_settings

from directory.bench.database import bench_database, bench_database_ready
from directory.bench.search import (
    bench_queries,
    fill_companies,
    run_queries,
    table,
)
from directory.demo.generator import DemoGenerator
from directory.taxonomy.services import profession_counts_refresh


class Command(BaseCommand):
    help = (
        "Fill a separate PostgreSQL database (its name must end in _bench) with listed "
        "companies, then time 50 realistic searches: service, page and bare SQL."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--companies", type=int, default=1_000_000)
        parser.add_argument(
            "--repeat", type=int, default=5, help="Timed runs per query (default 5)."
        )

    def handle(self, *args, companies: int, repeat: int, **options) -> None:
        database = bench_database("generated companies")
        started = time.perf_counter()
        bench_database_ready(database, self.stdout.write)
        added = fill_companies(companies)
        if added:
            profession_counts_refresh()
        self.stdout.write(
            f"Database {database['NAME']}: {companies:,} companies "
            f"({added:,} added in {time.perf_counter() - started:.0f} s)."
        )
        with override_settings(DEBUG=False):
            timings = run_queries(bench_queries(DemoGenerator()), repeat=repeat)
        self.stdout.write(table(timings))
