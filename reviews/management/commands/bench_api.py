"""Time the partner API's read endpoints on the search benchmark's
database with published reviews added (``reviews.bench``): ``make
bench-api``."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.test.utils import override_settings

from directory.bench.database import bench_database, bench_database_ready
from directory.bench.search import fill_companies
from directory.taxonomy.services import profession_counts_refresh
from reviews.bench import Plan, bench_key, fill_reviews, lifted_rate_limits, run, table


class Command(BaseCommand):
    help = (
        "Fill a separate PostgreSQL database (its name must end in _bench) with listed "
        "companies (as bench_search) and published reviews, then time the partner API's "
        "searches, profiles and review feed through the WSGI stack beside their bare SQL."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--companies", type=int, default=1_000_000)
        parser.add_argument("--reviews", type=int, default=2_000_000)
        parser.add_argument(
            "--repeat", type=int, default=5, help="Timed runs per search (default 5)."
        )
        parser.add_argument(
            "--feed-pages",
            type=int,
            default=1000,
            help="The feed's page timed against page 1 (default 1,000).",
        )

    def handle(
        self,
        *args: Any,
        companies: int,
        reviews: int,
        repeat: int,
        feed_pages: int,
        **options: Any,
    ) -> None:
        database = bench_database("generated companies and reviews")
        if companies < 1 or reviews < 1 or repeat < 1 or feed_pages < 2:
            raise CommandError(
                "--companies, --reviews and --repeat must be at least 1, --feed-pages 2."
            )
        started = time.perf_counter()
        bench_database_ready(database, self.stdout.write)
        if fill_companies(companies):
            profession_counts_refresh()
        written = fill_reviews(reviews)
        self.stdout.write(
            f"Database {database['NAME']}: {companies:,} companies, {reviews:,} published "
            f"reviews ({written:,} written; ready in {time.perf_counter() - started:.0f} s)."
        )
        with (
            override_settings(DEBUG=False, API_RATE_LIMITS=lifted_rate_limits()),
            bench_key() as secret,
        ):
            rows = run(secret, Plan(search_repeat=repeat, feed_pages=feed_pages))
        self.stdout.write(table(rows))
