"""Screen an application given as JSON, outside the web flow.

Input (a file, or standard input with "-" or no argument)::

    {
      "new_clients_per_day": 2,          # number ≥ 0, or null
      "average_amount_eur": 8000,        # number ≥ 0, or null
      "decision_time": "days_or_more",   # under_5_minutes | under_1_hour |
                                         # under_1_day | days_or_more | null
      "invoices_name_client": "yes",     # yes | sometimes | no | null
      "exceptional_event": null,         # true | false | null
      "professions": ["cuisiniste"],     # trade slugs of the directory
      "other_profession": ""             # free text when no slug fits
    }

Output: {"verdict": ..., "rules": [{"code", "outcome", "message"}, ...]}.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import translation

from directory.models import Profession
from eligibility.screening import Answers, DecisionTime, InvoiceNames, screen
from eligibility.services import trades_of

FIELDS = {
    "new_clients_per_day",
    "average_amount_eur",
    "decision_time",
    "invoices_name_client",
    "exceptional_event",
    "professions",
    "other_profession",
}


class Command(BaseCommand):
    help = "Screen an application read as JSON (file or stdin) and print the result as JSON."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", default="-", help="JSON file, or - for stdin.")

    def handle(self, *args: Any, file: str, **options: Any) -> None:
        try:
            raw = sys.stdin.read() if file == "-" else open(file, encoding="utf-8").read()  # noqa: SIM115
            data = json.loads(raw)
        except (OSError, json.JSONDecodeError) as exc:
            raise CommandError(f"Cannot read JSON: {exc}") from exc
        answers = parse(data)
        with translation.override(settings.LANGUAGE_CODE):
            result = screen(answers)
            output = result.as_dict()
        self.stdout.write(json.dumps(output, ensure_ascii=False, indent=2))


def parse(data: object) -> Answers:
    if not isinstance(data, dict):
        raise CommandError("The JSON must be an object.")
    unknown = set(data) - FIELDS
    if unknown:
        raise CommandError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    slugs = data.get("professions") or []
    if not isinstance(slugs, list) or not all(isinstance(s, str) for s in slugs):
        raise CommandError('"professions" must be a list of trade slugs.')
    professions = list(Profession.objects.filter(slug__in=slugs))
    missing = sorted(set(slugs) - {p.slug for p in professions})
    other = data.get("other_profession") or ""
    if missing:  # an unknown slug is a trade we do not know: a person looks
        other = ", ".join([other, *missing]) if other else ", ".join(missing)
    try:
        return Answers(
            new_clients_per_day=_number(data, "new_clients_per_day"),
            average_amount_eur=_number(data, "average_amount_eur"),
            decision_time=DecisionTime(data["decision_time"])
            if data.get("decision_time")
            else None,
            invoices_name_client=(
                InvoiceNames(data["invoices_name_client"])
                if data.get("invoices_name_client")
                else None
            ),
            exceptional_event=_boolean(data, "exceptional_event"),
            trades=trades_of(professions),
            other_trade=str(other),
        )
    except ValueError as exc:
        raise CommandError(str(exc)) from exc


def _number(data: dict[str, Any], key: str) -> float | None:
    value = data.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CommandError(f'"{key}" must be a number or null.')
    return float(value)


def _boolean(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is not None and not isinstance(value, bool):
        raise CommandError(f'"{key}" must be true, false or null.')
    return value
