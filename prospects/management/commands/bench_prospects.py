"""Time the nightly prospect score on a PostgreSQL database filled with
generated prospects and interactions (``prospects.bench``): ``make
bench-prospects``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from directory.bench.database import bench_database, bench_database_ready
from directory.bench.search import fill_companies
from loyalty.bench import measure_in_fresh_process
from prospects.bench import prepare, report


class Command(BaseCommand):
    help = (
        "Fill a separate PostgreSQL database (its name must end in _bench) with prospects, "
        "their interactions and stage events, then time the nightly prospect score against a "
        "bare aggregate scan of the same interactions; print the table and the peak RSS."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--prospects", type=int, default=200_000)
        parser.add_argument("--interactions", type=int, default=2_000_000)
        parser.add_argument(
            "--pipelines", type=int, default=400, help="Company pipelines (default 400)."
        )
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
        prospects: int,
        interactions: int,
        pipelines: int,
        repeat: int,
        measure_only: bool,
        **options: Any,
    ) -> None:
        database = bench_database("generated prospects and interactions")
        if prospects < pipelines + 1 or pipelines < 1 or interactions < 0 or repeat < 1:
            raise CommandError(
                "--pipelines and --repeat must be at least 1, --prospects more than "
                "--pipelines, --interactions positive."
            )
        if measure_only:
            report(repeat=repeat, show=self.stdout.write)
            return
        bench_database_ready(database, self.stdout.write)
        fill_companies(pipelines)
        prepare(
            prospects=prospects,
            interactions=interactions,
            pipelines=pipelines,
            show=self.stdout.write,
        )
        self.stdout.flush()
        measure_in_fresh_process("bench_prospects", f"--repeat={repeat}")
