from __future__ import annotations

from django.core.management.base import BaseCommand

from reviews.demo.seed import seed_reviews


class Command(BaseCommand):
    help = "Create demo invoices and reviews for the first listed companies. Idempotent."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--companies", type=int, default=150)

    def handle(self, *args, companies: int, **options) -> None:
        created = seed_reviews(companies=companies)
        self.stdout.write(self.style.SUCCESS(f"{created} demo reviews created."))
