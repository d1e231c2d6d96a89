from __future__ import annotations

from django.core.management.base import BaseCommand

from directory.taxonomy.services import taxonomy_load


class Command(BaseCommand):
    help = "Load (or refresh) sectors and professions from directory/data. Idempotent."

    def handle(self, *args, **options) -> None:
        sectors, professions = taxonomy_load()
        self.stdout.write(
            self.style.SUCCESS(f"{sectors} sectors and {professions} professions loaded.")
        )
