"""Demo session histories, their past months and today's scores."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from loyalty.demo.seed import DEFAULT_SEED, DEFAULT_SHARE, seed_sessions
from loyalty.recompute import scores_recompute, snapshots_backfill

# Months of history the pro's chart shows before the current one.
HISTORY_MONTHS = 12


class Command(BaseCommand):
    help = (
        "Create demo completed sessions (recurring and one-off trades, companies above, at "
        "and below their trade's average, some on their way to 30 sessions, the demo pro's "
        "company with a history), then the past months' snapshots and today's loyalty scores. "
        "Idempotent: companies already seeded are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--share",
            type=float,
            default=DEFAULT_SHARE,
            help="Share of the listed companies of the demo trades that get sessions (0 to 1).",
        )
        parser.add_argument(
            "--companies",
            type=int,
            default=None,
            help="At most this many companies get sessions (default: no limit).",
        )

    def handle(
        self, *args: Any, seed: int, share: float, companies: int | None, **options: Any
    ) -> None:
        if not 0 <= share <= 1:
            raise CommandError("--share is a fraction between 0 and 1, for example 0.6.")
        if companies is not None and companies < 0:
            raise CommandError("--companies cannot be negative.")
        created = seed_sessions(seed=seed, share=share, companies=companies)
        snapshots = snapshots_backfill(months=HISTORY_MONTHS)
        report = scores_recompute()
        self.stdout.write(
            self.style.SUCCESS(
                f"{created} demo sessions created; {snapshots} monthly snapshots written; "
                f"{report.scored} of {report.companies} companies scored."
            )
        )
