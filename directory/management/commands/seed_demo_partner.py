"""The demo partner of the API (``make run``): see :mod:`directory.demo.partner`."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from directory.demo.partner import DEMO_PRO_EMAIL, PARTNER_EMAIL, seed_partner

from .seed_demo import DEMO_PASSWORD

SITE = "http://127.0.0.1:8000"


class Command(BaseCommand):
    help = (
        "Create the demo API partner (its portal log-in, a few connected demo companies), then "
        "print a new API key with every scope and a connection code for the demo pro. Run after "
        "seed_demo. The previous demo key is revoked: each run prints one that works."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--site", default=SITE, help=f"Base URL in the examples ({SITE}).")

    def handle(self, *args: Any, site: str, **options: Any) -> None:
        demo = seed_partner(DEMO_PASSWORD)
        site = site.rstrip("/")
        lines = [
            f"Demo API partner {demo.partner.name!r}: portal {site}/partenaires/ "
            f"(log in as {PARTNER_EMAIL}, password {DEMO_PASSWORD!r}).",
            f"Demo API key (every scope; shown on this run only): {demo.key}",
            f"Connection code for {DEMO_PRO_EMAIL} (pro space, 'Applications connectées'): "
            f"{demo.code}",
        ]
        if demo.connected:
            lines.append(f"Already connected: {', '.join(demo.connected)}.")
            lines.append(
                f'Try: curl -H "Authorization: Api-Key {demo.key}" '
                f'"{site}/api/v1/companies/{demo.connected[0]}"'
            )
        self.stdout.write(self.style.SUCCESS("\n".join(lines)))
