"""Session histories for the loyalty page tests, recorded through the real
service (``loyalty.services.session_record``) and scored by the real
nightly computation."""

from __future__ import annotations

import itertools
from datetime import timedelta

from django.utils import timezone

from loyalty.models import SessionSource
from loyalty.services import session_record

_references = itertools.count(1)


def record(company, email: str, *days_ago: int, status: str = "completed") -> None:
    """One completed session (or ``status``) of the client ``email`` per
    number of days before today."""
    today = timezone.localdate()
    for days in days_ago:
        session_record(
            company=company,
            performed_on=today - timedelta(days=days),
            source=SessionSource.FORM,
            reference=f"S-{next(_references)}",
            email=email,
            status=status,
        )


def history(company, *, new: int, returned: int, recent: int = 0) -> None:
    """``new`` clients first seen 300 days ago (observed: older than 180
    days), ``returned`` of them back 250 days ago, and ``recent`` one-off
    clients of 10 days ago (counted as sessions, not observed yet)."""
    for n in range(new):
        email = f"client{n}.{company.pk}@example.fr"
        record(company, email, *((300, 250) if n < returned else (300,)))
    for n in range(recent):
        record(company, f"recent{n}.{company.pk}@example.fr", 10)
