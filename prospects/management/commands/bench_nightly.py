"""Time the whole nightly chain on a PostgreSQL database filled at
production size (``prospects.bench_nightly``): ``make bench-nightly``."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from directory.bench.database import bench_database, bench_database_ready
from loyalty.bench import measure_in_fresh_process
from prospects.bench_nightly import Sizes, fill, report


class Command(BaseCommand):
    help = (
        "Fill a separate PostgreSQL database (its name must end in _bench) with companies, "
        "reviews, sessions and prospects, then run the nightly chain and time each step "
        "against a bare aggregate scan of the tables it reads; print the table, the peak "
        "RSS and the targets met or missed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--companies", type=int, default=1_000_000)
        parser.add_argument("--reviews", type=int, default=2_000_000)
        parser.add_argument("--sessions", type=int, default=5_000_000)
        parser.add_argument(
            "--session-companies",
            type=int,
            default=50_000,
            help="Companies that record the sessions (the first ones; default 50,000).",
        )
        parser.add_argument("--prospects", type=int, default=200_000)
        parser.add_argument("--interactions", type=int, default=2_000_000)
        parser.add_argument(
            "--pipelines", type=int, default=400, help="Company pipelines (default 400)."
        )
        parser.add_argument("--repeat", type=int, default=3, help="Runs of each floor (default 3).")
        parser.add_argument(
            "--measure-only",
            action="store_true",
            help="Measure the database as it is, without filling it (the command runs itself "
            "this way after filling, so that the peak RSS is the night's alone).",
        )

    def handle(self, *args: Any, repeat: int, measure_only: bool, **options: Any) -> None:
        database = bench_database("generated companies, reviews, sessions and prospects")
        sizes = Sizes(
            companies=options["companies"],
            reviews=options["reviews"],
            sessions=options["sessions"],
            session_companies=options["session_companies"],
            prospects=options["prospects"],
            interactions=options["interactions"],
            pipelines=options["pipelines"],
        )
        if (
            min(sizes.companies, sizes.session_companies, sizes.pipelines, repeat) < 1
            or min(sizes.reviews, sizes.sessions, sizes.interactions) < 0
            or sizes.prospects <= sizes.pipelines
            or max(sizes.session_companies, sizes.pipelines) > sizes.companies
        ):
            raise CommandError(
                "--companies, --session-companies, --pipelines and --repeat must be at least 1 "
                "(the last three at most --companies), --prospects more than --pipelines, "
                "--reviews, --sessions and --interactions positive."
            )
        if measure_only:
            report(repeat=repeat, show=self.stdout.write)
            return
        bench_database_ready(database, self.stdout.write)
        fill(sizes, show=self.stdout.write)
        self.stdout.flush()
        measure_in_fresh_process("bench_nightly", f"--repeat={repeat}")
