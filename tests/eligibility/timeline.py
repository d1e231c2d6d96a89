"""Dates of the vetting-checks tests (issue 17): a company listed on
12 March 2026 whose insurances end on 30 June 2026, and a way to stand on
a given day in Paris."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import time_machine

PARIS = ZoneInfo("Europe/Paris")
START = datetime(2026, 3, 12, 10, 0, tzinfo=PARIS)
# The insurance documents end on this day (the other passes later).
INSURANCE_ENDS = date(2026, 6, 30)


def at(day: date, hour: int = 2) -> time_machine.travel:
    """Frozen time on ``day`` at ``hour`` in Paris (2 a.m.: the night's
    jobs run)."""
    return time_machine.travel(datetime(day.year, day.month, day.day, hour, 0, tzinfo=PARIS))
