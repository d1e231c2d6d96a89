"""Recompute every company's loyalty score now, as the nightly job does
(``loyalty.recompute.scores_recompute``), and print what changed."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from loyalty.recompute import scores_recompute


class Command(BaseCommand):
    help = (
        "Recompute the loyalty scores, the trades' baselines, the month's snapshots and the "
        "ranking input of every company; print the counts."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--on",
            type=date.fromisoformat,
            default=None,
            help="Day of the computation, YYYY-MM-DD (default: today).",
        )

    def handle(self, *args: Any, on: date | None, **options: Any) -> None:
        report = scores_recompute(on=on)
        self.stdout.write(
            f"{report.companies} companies, {report.scored} scored; changed: "
            f"{report.scores_changed} scores, {report.baselines_changed} baselines, "
            f"{report.snapshots_changed} snapshots, {report.ranking_changed} rankings "
            f"({report.changed} in all)."
        )
