from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from directory.places.gazetteer import load_gazetteer
from directory.places.models import Place


class Command(BaseCommand):
    help = (
        "Load (or refresh) the French gazetteer (official geographic code, postal codes) "
        "from packaged data. Idempotent."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the gazetteer is already loaded (make run, benchmarks).",
        )

    def handle(self, *args, if_empty: bool = False, **options) -> None:
        if if_empty and Place.objects.exists():
            self.stdout.write(
                "Gazetteer already loaded (load_places without --if-empty refreshes it)."
            )
            return
        quiet = options["verbosity"] < 1
        with tqdm(desc="Places", unit="place", disable=quiet, file=sys.stderr) as progress:
            coverage = load_gazetteer(progress=progress)
        for line in coverage.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Gazetteer loaded."))
