from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from tqdm import tqdm

from directory.gazetteer import load_gazetteer


class Command(BaseCommand):
    help = (
        "Load (or refresh) the French gazetteer (official geographic code, postal codes) "
        "from packaged data. Idempotent."
    )

    def handle(self, *args, **options) -> None:
        quiet = options["verbosity"] < 1
        with tqdm(desc="Places", unit="place", disable=quiet, file=sys.stderr) as progress:
            coverage = load_gazetteer(progress=progress)
        for line in coverage.lines():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Gazetteer loaded."))
