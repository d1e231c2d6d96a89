"""Load the site served as deployed (gunicorn, production settings) with
wrk on the search benchmark's database (``directory.bench.http``):
``make bench-http``."""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError, connection
from tqdm import tqdm

from directory.bench.http import (
    LINE_NAMES,
    LOOPBACK,
    BenchError,
    Result,
    api_key,
    bench_lines,
    collect_static,
    free_port,
    pick_queries,
    run_wrk,
    served,
    server_environment,
    table,
    warm,
    wrk_missing_message,
)
from directory.companies.models import Company

EMPTY = (
    "The benchmark's database {name} has no listed company: run `make bench-search` "
    "first (this benchmark reads it, never fills it)."
)


def connection_counts(value: str) -> list[int]:
    """``"10,50"`` → ``[10, 50]``: positive whole numbers, comma-separated."""
    try:
        counts = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        counts = []
    if not counts or any(count < 1 for count in counts):
        raise CommandError(
            f"--connections {value!r}: give positive whole numbers separated by commas, "
            "such as 10,50."
        )
    return counts


class Command(BaseCommand):
    help = (
        "Serve the site with gunicorn (gunicorn.conf.py, production settings) on loopback "
        "against the search benchmark's database and load robots.txt, the home page, three "
        "searches, a company page and the API's search with wrk: req/s, p50/p95/p99, errors."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--duration", type=int, default=30, help="Seconds of load per line (default 30)."
        )
        parser.add_argument(
            "--connections",
            default="10,50",
            help="Open connections, one run each, comma-separated (default 10,50).",
        )
        parser.add_argument("--threads", type=int, default=2, help="wrk's threads (default 2).")
        parser.add_argument(
            "--port", type=int, default=0, help="Loopback port for gunicorn (default: a free one)."
        )
        parser.add_argument("--only", choices=LINE_NAMES, help="Load this line alone.")

    def handle(
        self,
        *args: Any,
        duration: int,
        connections: str,
        threads: int,
        port: int,
        only: str | None,
        **options: Any,
    ) -> None:
        counts = connection_counts(connections)
        if duration < 1 or threads < 1 or not 0 <= port <= 65535:
            raise CommandError(
                "--duration and --threads must be at least 1, --port between 0 and 65535."
            )
        missing = wrk_missing_message()
        if missing:
            raise CommandError(missing)
        database = settings.DATABASES["default"]
        database_url = os.environ.get("DATABASE_URL", "")
        if (
            connection.vendor != "postgresql"
            or not str(database["NAME"]).endswith("_bench")
            or not database_url
        ):
            raise CommandError(
                "Point DATABASE_URL to the benchmark's PostgreSQL database (its name ends in "
                "_bench), filled by `make bench-search`."
            )
        try:
            filled = Company.objects.listed().exists()
        except DatabaseError:  # not migrated
            filled = False
        if not filled:
            raise CommandError(EMPTY.format(name=database["NAME"]))
        try:
            self._run(database_url, counts, duration, threads, port, only)
        except BenchError as error:
            raise CommandError(str(error)) from None

    def _run(
        self,
        database_url: str,
        counts: list[int],
        duration: int,
        threads: int,
        port: int,
        only: str | None,
    ) -> None:
        picked = pick_queries()
        self.stdout.write(
            f"Queries: trade {picked.trade!r}, city {picked.city!r}, typo {picked.typo!r}, "
            f"company {picked.company_slug!r}."
        )
        environment = server_environment(os.environ, database_url)
        self.stderr.write("Collecting static files (production settings)…")
        collect_static(environment)
        port = port or free_port()
        log = Path(tempfile.gettempdir()) / f"bench-http-gunicorn-{port}.log"
        results: list[Result] = []
        with api_key() as secret:
            lines = [line for line in bench_lines(picked, secret) if only in (None, line.name)]
            self.stderr.write(
                f"gunicorn on http://{LOOPBACK}:{port} (gunicorn.conf.py, production "
                f"settings, REDIS_URL {'set' if environment.get('REDIS_URL') else 'unset'}); "
                f"log: {log}"
            )
            with served(port, environment, log):
                for line in lines:
                    warm(port, line)
                runs = [(line, count) for line in lines for count in counts]
                progress = tqdm(runs, desc="wrk", unit="run", file=sys.stderr)
                for line, count in progress:
                    progress.set_postfix_str(f"{line.label} at {count}")
                    results.append(
                        run_wrk(port, line, connections=count, duration=duration, threads=threads)
                    )
                progress.close()
        tracebacks = log.read_text(errors="replace").count("Traceback (most recent call last)")
        self.stdout.write(table(results))
        self.stdout.write(f"gunicorn stopped; {tracebacks} traceback(s) in its log ({log}).")
