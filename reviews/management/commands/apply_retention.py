"""Apply the retention rules now, as the nightly job does
(``reviews.services.retention``); ``--dry-run`` counts without changing
anything."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from reviews.services.retention import retention_apply


class Command(BaseCommand):
    help = (
        "Anonymise removed reviews kept past REVIEW_RETENTION_DAYS and delete their evidence; "
        "erase the client data of invoices never reviewed. --dry-run: counts only."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would be done; change nothing."
        )

    def handle(self, *args, dry_run: bool, **options) -> None:
        report = retention_apply(dry_run=dry_run)
        prefix = "Would anonymise" if dry_run else "Anonymised"
        self.stdout.write(
            f"{prefix} {report.reviews_anonymised} removed reviews; "
            f"client data of {report.invoices_erased} invoices erased; "
            f"{report.files_deleted} files deleted."
            + (" (dry run: nothing changed)" if dry_run else "")
        )
