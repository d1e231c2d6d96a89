from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from reviews.demo.seed import DEFAULT_SEED, DEFAULT_SHARE, seed_reviews


class Command(BaseCommand):
    help = (
        "Create demo invoices, reviews, moderation decisions and flags with consistent "
        "timestamps, spread over a reproducible random share of the listed companies. "
        "Idempotent: companies already seeded are skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--share",
            type=float,
            default=DEFAULT_SHARE,
            help="Share of the listed companies that get reviews (0 to 1).",
        )
        parser.add_argument(
            "--companies",
            type=int,
            default=None,
            help="At most this many companies get reviews (default: no limit).",
        )

    def handle(self, *args, seed: int, share: float, companies: int | None, **options) -> None:
        if not 0 <= share <= 1:
            raise CommandError("--share is a fraction between 0 and 1, for example 0.55.")
        if companies is not None and companies < 0:
            raise CommandError("--companies cannot be negative.")
        created = seed_reviews(seed=seed, share=share, companies=companies)
        self.stdout.write(self.style.SUCCESS(f"{created} demo reviews created."))
