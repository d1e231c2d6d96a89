from __future__ import annotations

import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import override_settings

from directory.bench.search import (
    bench_queries,
    create_database,
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
        database = settings.DATABASES["default"]
        if connection.vendor != "postgresql" or not database["NAME"].endswith("_bench"):
            raise CommandError(
                "Point DATABASE_URL to a PostgreSQL database whose name ends in _bench: "
                "the benchmark fills it with generated companies."
            )
        if create_database(database):
            self.stdout.write(f"Created database {database['NAME']}.")
        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        call_command("load_professions", verbosity=0)
        call_command("load_places", if_empty=True, verbosity=0)
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
