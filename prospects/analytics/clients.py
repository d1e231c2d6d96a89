"""A company's clients over a period: revenue by client, the Pareto share
of its top clients, and each client's value (seed 001: value = margin −
cost).

Definitions (shown on the page, tested in tests/prospects/test_analytics_clients.py):

* **Revenue** of a client: the amounts (euros incl. tax) of their counted
  sessions performed in the period, read by ``loyalty.selectors.
  revenue_by_client`` — every registered invoice is a session, plus the
  sessions the pro recorded without an invoice; a session without an
  amount counts 0. A client with sessions but no amount is a client with
  zero revenue.
* **Pareto**: clients ordered by revenue, largest first (ties by key, which
  changes no share). The **top 20 %** are the first ⌈n / 5⌉ of the n
  clients (at least one: a single client is its own top 20 %); their
  share of the period's revenue is the sentence's X. None when the
  period's revenue is 0.
* **Margin** of a client = revenue × the company's default margin rate ÷
  100, rounded to the cent; **cost** = what the pro entered for that
  client (0 when nothing was entered); **value** = margin − cost, which
  may be negative. Without a margin rate, margins and values are not
  shown (None).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from directory.models import Company
from loyalty.selectors import ClientRevenue, revenue_by_client

from ..models import ClientCost, ClientValueSettings

CENT = Decimal("0.01")
# Seed 001's Pareto rule: 20 % of clients make 80 % of revenue.
HEAD_SHARE = Decimal("0.2")
REFERENCE_SHARE = Decimal("0.8")
# The period shown first: the twelve months up to today.
DEFAULT_MONTHS = 12
CLIENT_REPORT_QUERIES = 3


def default_period(today: date) -> tuple[date, date]:
    """The year up to ``today``: from the day after the same date a year
    before (29 February: the 28th) to ``today``."""
    try:
        year_before = today.replace(year=today.year - 1)
    except ValueError:  # 29 February
        year_before = today.replace(year=today.year - 1, day=28)
    return year_before + timedelta(days=1), today


def head_count(clients: int) -> int:
    """How many clients are the top 20 %: ⌈clients / 5⌉ (0 for none)."""
    return math.ceil(clients * HEAD_SHARE)


def percent(share: Decimal | None) -> int | None:
    """A share (0–1) in whole percent, half up."""
    if share is None:
        return None
    return int((share * 100).to_integral_value(ROUND_HALF_UP))


@dataclass(frozen=True)
class ClientLine:
    """One client of the report: rank (1 = largest revenue), how the pro
    knows them (``name``, else the ``reference`` of a session), revenue,
    sessions, share and cumulative share of the period's revenue (0–1,
    None with a zero total), whether they are in the top 20 %, and cost,
    margin and value (euros; margin and value None without a rate)."""

    rank: int
    key: str
    name: str
    reference: str
    revenue: Decimal
    sessions: int
    share: Decimal | None
    cumulative: Decimal | None
    in_head: bool
    cost: Decimal | None
    margin: Decimal | None
    value: Decimal | None

    @property
    def cumulative_percent(self) -> int | None:
        return percent(self.cumulative)

    @property
    def share_percent(self) -> int | None:
        return percent(self.share)


@dataclass(frozen=True)
class ClientReport:
    start: date
    end: date
    clients: tuple[ClientLine, ...]
    revenue: Decimal
    head: int
    head_share: Decimal | None
    margin_rate: Decimal | None
    margin: Decimal | None
    cost: Decimal
    value: Decimal | None

    @property
    def head_percent(self) -> int | None:
        return percent(self.head_share)

    @property
    def empty(self) -> bool:
        return not self.clients

    @property
    def sessions(self) -> int:
        return sum(line.sessions for line in self.clients)


def _lines(
    rows: list[ClientRevenue], costs: dict[str, Decimal], rate: Decimal | None
) -> list[ClientLine]:
    total = sum((row.revenue for row in rows), Decimal(0))
    head = head_count(len(rows))
    running = Decimal(0)
    lines = []
    for rank, row in enumerate(rows, start=1):
        running += row.revenue
        cost = costs.get(row.key)
        margin = (
            (row.revenue * rate / 100).quantize(CENT, ROUND_HALF_UP) if rate is not None else None
        )
        lines.append(
            ClientLine(
                rank=rank,
                key=row.key,
                name=row.name,
                reference=row.reference,
                revenue=row.revenue,
                sessions=row.sessions,
                share=row.revenue / total if total else None,
                cumulative=running / total if total else None,
                in_head=rank <= head,
                cost=cost,
                margin=margin,
                value=margin - (cost or 0) if margin is not None else None,
            )
        )
    return lines


def client_report(company: Company, *, start: date, end: date) -> ClientReport:
    """The company's clients from ``start`` to ``end`` (both included),
    with the Pareto share of its top 20 % and each client's value (see the
    module's definitions). ``CLIENT_REPORT_QUERIES`` queries whatever the
    number of clients: the revenue by client, the costs, the margin rate."""
    rows = revenue_by_client(company, start=start, end=end)
    costs = dict(ClientCost.objects.filter(company=company).values_list("client_key", "cost"))
    settings_row = ClientValueSettings.objects.filter(company=company).first()
    rate = settings_row.margin_rate if settings_row is not None else None
    lines = _lines(rows, costs, rate)
    revenue = sum((line.revenue for line in lines), Decimal(0))
    head = head_count(len(lines))
    head_revenue = sum((line.revenue for line in lines[:head]), Decimal(0))
    cost = sum((line.cost or Decimal(0) for line in lines), Decimal(0))
    margin = (
        sum((line.margin or Decimal(0) for line in lines), Decimal(0)) if rate is not None else None
    )
    return ClientReport(
        start=start,
        end=end,
        clients=tuple(lines),
        revenue=revenue,
        head=head,
        head_share=head_revenue / revenue if revenue else None,
        margin_rate=rate,
        margin=margin,
        cost=cost,
        value=margin - cost if margin is not None else None,
    )
