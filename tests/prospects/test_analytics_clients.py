"""Revenue by client, the Pareto share of the top 20 % and the client
value (margin − cost) on hand-built sessions: no client, one client,
ties, zero revenue, sessions that do not count, names from invoices, the
margin rate and costs, the forms' French input, and a fixed number of
queries."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loyalty.identity import client_key
from loyalty.models import SessionSource, SessionStatus
from loyalty.services.sessions import session_record
from prospects.analytics import services
from prospects.analytics.clients import (
    CLIENT_REPORT_QUERIES,
    client_report,
    default_period,
    head_count,
)
from prospects.analytics.forms import ClientCostForm, MarginRateForm, PeriodForm
from prospects.models import ClientCost
from reviews.services import invoices
from tests.factories import recent_date

pytestmark = pytest.mark.django_db

START, END = date(2026, 1, 1), date(2026, 12, 31)


@pytest.fixture
def sell(cast):
    """``sell(client, amount, day=…)``: a completed session of company A
    for the client (by e-mail), amount in euros or None."""
    counter = iter(range(1, 10_000))

    def sell(client: str, amount: str | None, *, day: date = date(2026, 3, 10), **fields):
        fields.setdefault("company", cast.company_a)
        session, _created = session_record(
            performed_on=day,
            source=SessionSource.FORM,
            reference=f"S-{next(counter)}",
            email=f"{client}@example.fr",
            amount=Decimal(amount) if amount is not None else None,
            **fields,
        )
        return session

    return sell


def report(cast, start: date = START, end: date = END):
    return client_report(cast.company_a, start=start, end=end)


def key(cast, client: str) -> str:
    return client_key(company_id=cast.company_a.pk, email=f"{client}@example.fr")


def test_no_client(cast):
    result = report(cast)
    assert result.empty
    assert result.revenue == 0
    assert result.head == 0
    assert result.head_share is None
    assert result.margin is None


@pytest.mark.parametrize(
    ("clients", "head"), [(0, 0), (1, 1), (4, 1), (5, 1), (6, 2), (10, 2), (11, 3)]
)
def test_the_top_20_percent_is_the_first_fifth_rounded_up(clients, head):
    assert head_count(clients) == head


def test_one_client_makes_all_the_revenue(cast, sell):
    sell("solo", "1200")
    sell("solo", "300")
    result = report(cast)
    assert [(line.rank, line.revenue, line.sessions) for line in result.clients] == [
        (1, Decimal("1500.00"), 2)
    ]
    assert result.head == 1
    assert result.head_percent == 100


def test_clients_are_ranked_by_revenue_and_the_top_fifth_share_is_computed(cast, sell):
    for client, amount in [
        ("a", "500"), ("b", "300"), ("c", "100"), ("d", "50"), ("e", "20"),
        ("f", "10"), ("g", "10"), ("h", "5"), ("i", "5"),
    ]:  # fmt: skip
        sell(client, amount)
    sell("j", None)  # a client with no amount: zero revenue, still a client
    result = report(cast)
    assert [line.revenue for line in result.clients] == [
        Decimal(v) for v in ("500", "300", "100", "50", "20", "10", "10", "5", "5", "0")
    ]
    assert result.revenue == Decimal("1000")
    assert result.head == 2
    assert result.head_share == Decimal("0.8")
    assert [line.in_head for line in result.clients[:3]] == [True, True, False]
    assert [line.cumulative_percent for line in result.clients[:3]] == [50, 80, 90]
    assert result.clients[-1].cumulative_percent == 100
    # Ties are ordered by key: a stable order that changes no share.
    tied = [line.key for line in result.clients if line.revenue == Decimal("10")]
    assert tied == sorted(tied)


def test_ties_at_the_head_boundary_give_the_same_share(cast, sell):
    for client in "abcdef":
        sell(client, "100")
    result = report(cast)
    assert result.head == 2
    assert result.head_percent == 33  # 200 of 600, whichever two


def test_zero_revenue_has_no_share(cast, sell):
    sell("a", None)
    sell("b", None)
    result = report(cast)
    assert len(result.clients) == 2
    assert result.revenue == 0
    assert result.head_share is None
    assert all(line.cumulative is None for line in result.clients)


def test_only_counted_sessions_of_the_period_and_the_company_count(cast, sell):
    sell("a", "100")
    sell("a", "40", day=date(2025, 12, 31))  # before the period
    sell("a", "40", day=date(2027, 1, 1))  # after it
    sell("a", "70", status=SessionStatus.CANCELLED)
    sell("a", "70", status=SessionStatus.NO_SHOW)
    sell("a", "999", company=cast.company_b)
    sell("A", "1", day=END)  # the same client, whatever the case of the address
    result = report(cast)
    assert [(line.key, line.revenue, line.sessions) for line in result.clients] == [
        (key(cast, "a"), Decimal("101.00"), 2)
    ]


def test_names_come_from_the_clients_invoices(cast, django_capture_on_commit_callbacks, sell):
    with django_capture_on_commit_callbacks(execute=True):
        invoices.invoice_create(
            company=cast.company_a,
            fields={
                "number": "F-1",
                "issued_on": recent_date(20),
                "amount": Decimal("900"),
                "client_name": "Jeanne Martin",
                "client_company": "Martin & Fils",
                "client_email": "jeanne@example.fr",
            },
            actor=cast.owner_a,
        )
    sell("jeanne", "100", day=recent_date(5))
    sell("anonyme", "50", day=recent_date(5))
    today = recent_date(0)
    result = report(cast, start=recent_date(100), end=today)
    first, second = result.clients
    assert (first.name, first.revenue, first.sessions) == (
        "Jeanne Martin (Martin & Fils)",
        Decimal("1000.00"),
        2,
    )
    assert second.name == ""
    assert second.reference.startswith("S-")


def test_value_is_margin_minus_cost(cast, sell):
    sell("a", "1000")
    sell("b", "333.33")
    services.client_cost_set(
        company=cast.company_a, client_key=key(cast, "a"), cost=Decimal("120"), actor=None
    )
    without_rate = report(cast)
    assert without_rate.margin is None
    assert without_rate.value is None
    assert without_rate.cost == Decimal("120")
    assert [line.value for line in without_rate.clients] == [None, None]

    services.margin_rate_set(company=cast.company_a, rate=Decimal("30"), actor=cast.owner_a)
    result = report(cast)
    assert [(line.margin, line.cost, line.value) for line in result.clients] == [
        (Decimal("300.00"), Decimal("120"), Decimal("180.00")),
        (Decimal("100.00"), None, Decimal("100.00")),  # 99,999 rounded half up
    ]
    assert (result.margin, result.cost, result.value) == (
        Decimal("400.00"),
        Decimal("120"),
        Decimal("280.00"),
    )


def test_a_value_may_be_negative(cast, sell):
    sell("a", "100")
    services.margin_rate_set(company=cast.company_a, rate=Decimal("10"), actor=None)
    services.client_cost_set(
        company=cast.company_a, client_key=key(cast, "a"), cost=Decimal("25.5"), actor=None
    )
    assert report(cast).value == Decimal("-15.50")


def test_a_cost_is_refused_for_a_client_of_another_company_or_a_made_up_one(cast, sell):
    sell("theirs", "100", company=cast.company_b)
    theirs = client_key(company_id=cast.company_b.pk, email="theirs@example.fr")
    for client in (theirs, "0" * 64):
        with pytest.raises(ValidationError):
            services.client_cost_set(
                company=cast.company_a, client_key=client, cost=Decimal(1), actor=None
            )
    assert not ClientCost.objects.exists()


def test_an_empty_cost_clears_it(cast, sell):
    sell("a", "100")
    services.client_cost_set(
        company=cast.company_a, client_key=key(cast, "a"), cost=Decimal(5), actor=None
    )
    services.client_cost_set(
        company=cast.company_a, client_key=key(cast, "a"), cost=None, actor=None
    )
    assert not ClientCost.objects.exists()


@pytest.mark.parametrize("rate", [Decimal("-0.01"), Decimal("100.01")])
def test_the_margin_rate_stays_between_0_and_100(cast, rate):
    with pytest.raises(ValidationError):
        services.margin_rate_set(company=cast.company_a, rate=rate, actor=None)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("35", Decimal("35")),
        ("35,5", Decimal("35.5")),
        ("0", Decimal("0")),
        ("100", Decimal("100")),
    ],
)
def test_the_margin_rate_form_reads_french_decimals(typed, expected):
    form = MarginRateForm({"margin_rate": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["margin_rate"] == expected


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("101", "100 %"),
        ("-1", "0 %"),
        ("beaucoup", "35,5"),
        ("", "obligatoire"),
    ],
)
def test_the_margin_rate_form_says_what_is_wrong(typed, message):
    form = MarginRateForm({"margin_rate": typed})
    assert not form.is_valid()
    assert message in str(form.errors["margin_rate"])


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("0", Decimal("0.00")),
        ("0,00 €", Decimal("0.00")),
        ("12,5", Decimal("12.50")),
        ("1 234,56 €", Decimal("1234.56")),
        ("", None),
    ],
)
def test_the_cost_form_reads_french_amounts_zero_included(typed, expected):
    form = ClientCostForm({"client": "k", "cost": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["cost"] == expected


@pytest.mark.parametrize("typed", ["-5", "douze", "12,3,4"])
def test_the_cost_form_refuses_negative_and_unreadable_amounts(typed):
    form = ClientCostForm({"client": "k", "cost": typed})
    assert not form.is_valid()
    assert form.errors["cost"]


def test_the_period_form_refuses_a_reversed_or_too_long_period():
    assert not PeriodForm({"start": "2026-05-01", "end": "2026-04-30"}).is_valid()
    assert not PeriodForm({"start": "2010-01-01", "end": "2026-04-30"}).is_valid()
    assert not PeriodForm({"start": "hier", "end": "2026-04-30"}).is_valid()
    assert PeriodForm({"start": "01/05/2025", "end": "2026-04-30"}).is_valid()


@pytest.mark.parametrize(
    ("today", "start"),
    [(date(2026, 11, 30), date(2025, 12, 1)), (date(2028, 2, 29), date(2027, 3, 1))],
)
def test_the_default_period_is_the_year_up_to_today(today, start):
    assert default_period(today) == (start, today)


def test_the_report_takes_a_fixed_number_of_queries(cast, sell):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report(cast)
        return len(captured)

    sell("a", "10")
    assert queries() == CLIENT_REPORT_QUERIES
    for n in range(15):
        sell(f"c{n}", str(n + 1))
    services.margin_rate_set(company=cast.company_a, rate=Decimal("20"), actor=None)
    assert queries() == CLIENT_REPORT_QUERIES
