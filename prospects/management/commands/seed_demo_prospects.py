"""The demo prospect pipelines (``make run``): see :mod:`prospects.demo`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from directory.management.commands.seed_demo import DEMO_PASSWORD
from prospects.demo import (
    COMPANY_LEADS,
    DEFAULT_SEED,
    DEMO_PRO_EMAIL,
    PLATFORM_PROSPECTS,
    SALES_EMAIL,
    seed_prospects,
)

SITE = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Create the sales log-in, the platform's demo sales pipeline and the demo pro's "
        "leads (stages, histories, interactions, follow-ups, a referrer, clients won by their "
        "invoices), then score them. Run after seed_demo and seed_demo_reviews. Idempotent: "
        "prospects already there are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
        parser.add_argument(
            "--platform",
            type=int,
            default=PLATFORM_PROSPECTS,
            help=f"Prospects of the platform's pipeline (default {PLATFORM_PROSPECTS}).",
        )
        parser.add_argument(
            "--leads",
            type=int,
            default=COMPANY_LEADS,
            help=f"Leads of the demo pro's pipeline (default {COMPANY_LEADS}).",
        )
        parser.add_argument("--site", default=SITE, help=f"Base URL in the summary ({SITE}).")

    def handle(
        self, *args: Any, seed: int, platform: int, leads: int, site: str, **options: Any
    ) -> None:
        if platform < 0 or leads < 0:
            raise CommandError("--platform and --leads cannot be negative.")
        report = seed_prospects(password=DEMO_PASSWORD, seed=seed, platform=platform, leads=leads)
        site = site.rstrip("/")
        self.stdout.write(
            self.style.SUCCESS(
                "\n".join(
                    [
                        f"{report.platform} platform prospects and {report.company} leads of the "
                        f"demo pro created ({report.events} history entries, "
                        f"{report.interactions} interactions, {report.referrers} referrer); "
                        f"{report.scored} open prospects scored "
                        f"({report.learned_pipelines} pipeline(s) by the learned model).",
                        f"Sales pipeline: {site}/equipe/prospects/ (log in as {SALES_EMAIL}, "
                        f"password {DEMO_PASSWORD!r}); funnel under 'Analyses'.",
                        f"Demo pro's pipeline: log in as {DEMO_PRO_EMAIL}, pro space, "
                        f"'Prospects' (scored by the rules), 'Analyses' for the funnel, the Pareto "
                        f"chart and client value.",
                    ]
                )
            )
        )
