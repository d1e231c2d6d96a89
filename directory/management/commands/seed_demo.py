from __future__ import annotations

import sys
from dataclasses import asdict

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from directory.demo import DemoGenerator
from directory.models import Company, CompanyProfession
from directory.services import profession_counts_refresh

# Rows per transaction: big enough for bulk inserts to pay off, small
# enough that an interrupted run keeps most of its work.
BATCH_SIZE = 1000


class Command(BaseCommand):
    help = (
        "Create realistic demo companies (listed, plus a few pending and suspended). "
        "Idempotent: company number i is always the same, existing ones are skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--companies", type=int, default=2000, help="How many (default 2000).")

    def handle(self, *args, companies: int, verbosity: int, **options) -> None:
        if companies < 0:
            raise CommandError("--companies must be zero or more.")
        generator = DemoGenerator()
        try:
            generator.company(0)
        except LookupError as exc:
            raise CommandError(f"{exc} Run load_professions and load_places first.") from exc

        created = 0
        with tqdm(
            total=companies, desc="Companies", unit="co", disable=verbosity < 1, file=sys.stderr
        ) as progress:
            for start in range(0, companies, BATCH_SIZE):
                batch = [
                    generator.company(i) for i in range(start, min(start + BATCH_SIZE, companies))
                ]
                created += self._create_missing(batch)
                progress.update(len(batch))
        profession_counts_refresh()
        self.stdout.write(
            self.style.SUCCESS(f"{created} companies created, {companies - created} already there.")
        )

    @transaction.atomic
    def _create_missing(self, batch) -> int:
        existing = set(
            Company.objects.filter(siren__in=[c.siren for c in batch]).values_list(
                "siren", flat=True
            )
        )
        missing = [c for c in batch if c.siren not in existing]
        rows = []
        for demo in missing:
            fields = asdict(demo)
            fields.pop("profession_ids")
            fields["primary_profession_id"] = demo.profession_ids[0]
            fields["search_name"] = Company.compute_search_name(demo.trade_name, demo.legal_name)
            rows.append(Company(**fields))
        Company.objects.bulk_create(rows)
        CompanyProfession.objects.bulk_create(
            CompanyProfession.for_company(company, profession_id)
            for company, demo in zip(rows, missing, strict=True)
            for profession_id in demo.profession_ids
        )
        return len(rows)
