from __future__ import annotations

import sys

from django.core.management.base import BaseCommand
from django.db import transaction
from tqdm import tqdm

from directory.gazetteer import french_places
from directory.models import Place

BATCH_SIZE = 2000


class Command(BaseCommand):
    help = "Load (or refresh) the French gazetteer from packaged data. Idempotent."

    def handle(self, *args, **options) -> None:
        places = list(french_places())
        fields = ["name", "search_name", "department_code", "latitude", "longitude", "population"]
        with transaction.atomic():
            progress = tqdm(
                total=len(places),
                desc="Places",
                unit="place",
                disable=options["verbosity"] < 1,
                file=sys.stderr,
            )
            for start in range(0, len(places), BATCH_SIZE):
                batch = places[start : start + BATCH_SIZE]
                Place.objects.bulk_create(
                    [Place(**vars(place)) for place in batch],
                    update_conflicts=True,
                    unique_fields=["geonames_id"],
                    update_fields=fields,
                )
                progress.update(len(batch))
            progress.close()
        self.stdout.write(self.style.SUCCESS(f"{len(places)} places loaded."))
