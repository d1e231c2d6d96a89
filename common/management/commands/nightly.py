"""Run the night's chain in the foreground (``common.nightly``): the same
steps, in the same order, under the same leases and records as the
worker's, with a progress display and each step's duration and rows."""

from __future__ import annotations

import sys
from datetime import date
from typing import Any
from uuid import uuid4

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from common import nightly


def night_argument(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date: {value!r} is not a date written YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Run the nightly chain now, in the foreground: every step in order (or one with "
        "--only) for tonight or --date. A step already done for that night is skipped, a "
        "step held by another run stops this one; each step's duration and rows are printed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--only",
            metavar="STEP",
            default=None,
            help=f"Run this step alone: one of {', '.join(settings.NIGHTLY_STEPS)}.",
        )
        parser.add_argument(
            "--date",
            dest="night",
            metavar="YYYY-MM-DD",
            type=str,
            default=None,
            help="The night the runs are recorded under (default: today, local time), to "
            "finish a night that failed or did not run. The work is done as of now.",
        )

    def handle(self, *args: Any, only: str | None, night: str | None, **options: Any) -> None:
        night_date = nightly.night_of() if night is None else night_argument(night)
        self._run(night_date, only, traceback=bool(options.get("traceback")))

    def _run(self, night: date, only: str | None, *, traceback: bool) -> None:
        if night > nightly.night_of():
            raise CommandError(f"--date: the night of {night} has not come yet.")
        try:
            steps = [nightly.step_named(only)] if only else nightly.nightly_steps()
        except nightly.UnknownStep as error:
            raise CommandError(f"--only: {error}") from None
        self.stdout.write(f"Night of {night}: {len(steps)} step(s).")
        progress = tqdm(
            total=len(steps),
            unit="step",
            file=sys.stderr,
            disable=not sys.stderr.isatty(),
            bar_format="{desc} {bar} {n_fmt}/{total_fmt} [{elapsed}]",
        )

        def before(step: nightly.Step) -> None:
            progress.set_description_str(f"{step.name}…")

        def after(report: nightly.StepReport) -> None:
            progress.update(1)
            with progress.external_write_mode(file=sys.stderr):
                self.stdout.write(self._line(report))

        with progress:
            reports = nightly.nightly_run(
                night=night, owner=f"command-{uuid4().hex}", only=only, before=before, after=after
            )
        last = reports[-1]
        if last.outcome in (nightly.Outcome.FAILED, nightly.Outcome.GIVEN_UP):
            if last.error is not None and traceback:
                raise last.error
            raise CommandError(
                f"Step {last.step.name} {last.outcome} ({last.run.error or last.run.result}): "
                "the chain stopped there. Run the night again to resume at this step."
            )
        if last.outcome == nightly.Outcome.BUSY:
            self.stdout.write(
                f"Step {last.step.name} is held by another run: this run stops, the other "
                "carries the chain on."
            )

    @staticmethod
    def _line(report: nightly.StepReport) -> str:
        run = report.run
        if report.outcome == nightly.Outcome.DONE:
            seconds = run.duration.total_seconds() if run.duration else 0.0
            return (
                f"{report.step.name:<16} done in {seconds:.1f} s · "
                f"read {run.rows_read}, changed {run.rows_changed}"
            )
        if report.outcome == nightly.Outcome.ALREADY_DONE:
            return f"{report.step.name:<16} already done for this night ({run.result})"
        return f"{report.step.name:<16} {report.outcome}"
