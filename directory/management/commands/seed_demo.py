from __future__ import annotations

import sys
from dataclasses import asdict

from allauth.account.models import EmailAddress
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from tqdm import tqdm

from directory.companies.models import Company, CompanyProfession
from directory.demo.generator import DEFAULT_SEED, DemoGenerator
from directory.taxonomy.services import profession_counts_refresh
from directory.team.models import Membership, MembershipRole

# Rows per transaction: big enough for bulk inserts to pay off, small
# enough that an interrupted run keeps most of its work.
BATCH_SIZE = 1000
# Demo data only: these accounts exist on a machine that ran seed_demo.
DEMO_PASSWORD = "demo-plusquepro"  # noqa: S105


class Command(BaseCommand):
    help = (
        "Create realistic demo companies (listed, plus a few pending and suspended). "
        "Idempotent: company number i is always the same, existing ones are skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--companies", type=int, default=2000, help="How many (default 2000).")
        parser.add_argument(
            "--seed",
            type=int,
            default=DEFAULT_SEED,
            help=f"Same seed, same companies (default {DEFAULT_SEED}).",
        )
        parser.add_argument(
            "--no-accounts", action="store_true", help="Do not create the demo log-ins."
        )

    def handle(
        self, *args, companies: int, verbosity: int, seed: int = DEFAULT_SEED, **options
    ) -> None:
        if companies < 0:
            raise CommandError("--companies must be zero or more.")
        generator = DemoGenerator(seed)
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
        if companies and not options["no_accounts"]:
            self._demo_accounts(generator.company(0).siren)

    def _demo_accounts(self, siren: str) -> None:
        """Known log-ins for trying the site: a pro owning the first demo
        company, a consumer and an administrator (all e-mails verified)."""
        company = Company.objects.get(siren=siren)
        people = [
            ("pro@demo.plusquepro.test", {}),
            ("client@demo.plusquepro.test", {}),
            ("admin@demo.plusquepro.test", {"is_staff": True, "is_superuser": True}),
        ]
        with transaction.atomic():
            for email, flags in people:
                user, created = User.objects.get_or_create(
                    username=email, defaults={"email": email, **flags}
                )
                if created:
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
                EmailAddress.objects.get_or_create(
                    user=user, email=email, defaults={"verified": True, "primary": True}
                )
            Membership.objects.get_or_create(
                company=company,
                user=User.objects.get(username="pro@demo.plusquepro.test"),
                defaults={"role": MembershipRole.OWNER},
            )
        self.stdout.write(
            f"Demo log-ins (password {DEMO_PASSWORD!r}): pro@demo.plusquepro.test "
            f"(owner of {company.trade_name}), client@demo.plusquepro.test, "
            "admin@demo.plusquepro.test (/admin/)."
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
