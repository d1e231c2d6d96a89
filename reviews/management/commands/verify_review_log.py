"""Check the tamper-evident record of every review (``reviews.services.
ledger``): each chain's links, hashes and numbering, and that it leads to
the review's current status. Prints one line per broken chain (the review,
the first entry that fails, how) and exits with status 1 if any; 0 when
every chain holds. A progress bar (stderr) shows long runs."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from reviews.models import Review
from reviews.services import ledger


class Command(BaseCommand):
    help = "Check the chained history of every review and report any break."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--review", type=int, action="append", dest="reviews", help="Only this review (repeat)."
        )

    def handle(self, *args, **options) -> None:
        ids = options["reviews"]
        total = len(ids) if ids else Review.objects.count()
        with tqdm(
            total=total, unit="review", disable=options["verbosity"] == 0, file=self.stderr
        ) as bar:
            breaks = ledger.chains_verify(review_ids=ids, progress=lambda: bar.update(1))
        for found in breaks:
            self.stdout.write(
                f"review {found.review_id}: chain broken at entry {found.seq}: {found.kind}"
                f" ({found.label})"
            )
        if breaks:
            raise CommandError(f"{len(breaks)} broken chain(s) out of {total} reviews.")
        if options["verbosity"]:
            self.stdout.write(self.style.SUCCESS(f"{total} chains verified, none broken."))
