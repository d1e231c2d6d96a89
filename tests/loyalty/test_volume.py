"""Eligibility's measured volume (issue 13 § 3): new clients per day over
the last 90 days, from completed sessions, flag a listed company above 5
in the nightly re-screening."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone

from directory.models import CompanyStatus
from eligibility import services
from eligibility.models import EligibilityFlag
from loyalty.models import ServiceSession, SessionSource, SessionStatus
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

_references = itertools.count()


def sessions(company, clients: range, *, days_ago, status=SessionStatus.COMPLETED) -> None:
    today = timezone.localdate()
    ServiceSession.objects.bulk_create(
        ServiceSession(
            company=company,
            client_key=f"client-{client}",
            performed_on=today - timedelta(days=days_ago(client)),
            status=status,
            source=SessionSource.CSV,
            reference=f"L-{next(_references)}",
        )
        for client in clients
    )


def spread(client: int) -> int:
    """Days ago of a client's session: all over the 90 days, today included."""
    return client % 90


# The 90 days are local calendar days: at 23:30 in Paris on 30 November the
# instant 90 × 24 h earlier is already 2 September (summer time), at 00:30
# on 21 June it is still 22 March (winter time). Both must count 90 days.
INSTANTS = [
    "2026-11-30T22:30:00+00:00",  # window crosses the autumn change
    "2026-06-20T22:30:00+00:00",  # window crosses the spring change
    "2026-01-15T11:00:00+00:00",  # no change in the window
]


@pytest.fixture(params=INSTANTS)
def instant(request):
    with time_machine.travel(request.param, tick=False):
        yield


@pytest.mark.usefixtures("instant")
def test_more_than_five_new_clients_a_day_over_90_days_flags_the_company():
    busy = CompanyFactory(trade_name="Busy")
    sessions(busy, range(451), days_ago=spread)  # 451 / 90 = 5.01 a day
    at_limit = CompanyFactory(trade_name="At the limit")
    sessions(at_limit, range(450), days_ago=spread)  # exactly 5 a day
    sessions(at_limit, range(450, 480), days_ago=spread, status=SessionStatus.CANCELLED)
    sessions(at_limit, range(480, 500), days_ago=spread, status=SessionStatus.NO_SHOW)
    regulars = CompanyFactory(trade_name="Regulars")
    sessions(regulars, range(100), days_ago=lambda client: 200)  # known clients …
    for week in range(12):  # … who come back every week: no new client
        sessions(regulars, range(100), days_ago=lambda client, week=week: 7 * week)
    suspended = CompanyFactory(trade_name="Suspended", status=CompanyStatus.SUSPENDED)
    sessions(suspended, range(600), days_ago=spread)
    old_news = CompanyFactory(trade_name="Old news")
    sessions(old_news, range(600), days_ago=lambda client: 91 + client % 30)

    report = services.companies_rescreen()

    assert report.flagged == 1
    flag = EligibilityFlag.objects.get()
    assert (flag.company, flag.rule) == (busy, "new_clients_per_day")
    assert flag.evidence["measured_per_day"] == pytest.approx(451 / 90)
    assert flag.evidence["limit"] == 5
    assert flag.evidence["since"] == (timezone.localdate() - timedelta(days=90)).isoformat()
    busy.refresh_from_db()
    assert busy.status == CompanyStatus.LISTED  # flagged, never suspended
    # The next night: still one open flag.
    services.companies_rescreen()
    assert EligibilityFlag.objects.count() == 1


@pytest.mark.usefixtures("instant")
def test_a_client_s_first_session_decides_when_they_were_new():
    company = CompanyFactory()
    # 460 clients first seen 100 days ago, back within the 90 days: not new.
    sessions(company, range(460), days_ago=lambda client: 100)
    sessions(company, range(460), days_ago=spread)
    assert services.measured_volumes_above(5) == {}
    # 460 clients seen for the first time in the 90 days, twice: 460 new.
    sessions(company, range(1000, 1460), days_ago=spread)
    sessions(company, range(1000, 1460), days_ago=lambda client: 0)
    assert services.measured_volumes_above(5) == {company.pk: pytest.approx(460 / 90)}
