"""A batch's queries grow by a fixed number per item, whatever the items
before it: what a batch shares (the key and its partner, the company,
its consent, the idempotency record, the invitation rule) is read once,
not once per item. Found by a fresh-user trial: 500 invoices took 12.1 s
on SQLite, reading the company twice per item (foreign-key validation of
the invoice and of its session), the invitation rule once per item,
whether the client was invited once per item, and a partner's session
twice (the partner's look-up, then the service's). Each item keeps its
own transaction (a savepoint here, inside the test's transaction)."""

from __future__ import annotations

import re
from datetime import timedelta
from itertools import count

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from .writes import post

pytestmark = pytest.mark.django_db

BASE = "/api/v1/companies/alpha-electricite/"
# Measured after the fix (PostgreSQL and SQLite): an invoice is 10 queries
# (number check, invoice, session look-up, its invoice's uniqueness,
# session, invitation, its e-mail: read, outbox row, sent_at; review
# requests waiting) plus 3 savepoints (the item's, the service's, the
# session's insert) of 2 statements; a session is 2 queries and 2 savepoints.
INVOICE_QUERIES_PER_ITEM = 16
SESSION_QUERIES_PER_ITEM = 6
# Tables a batch reads (or writes) once, whatever its length.
SHARED = re.compile(r'(FROM|INTO|UPDATE) "(directory_company|reviews_reviewsettings|partners_\w+)"')

numbers = count(1)


def invoices(n: int) -> list[dict]:
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    return [
        {
            "number": f"F-{next(numbers)}",
            "issued_on": day,
            "amount": "120.00",
            "client_name": "Sophie Martin",
            "client_email": f"client{i}@example.org",
        }
        for i in range(n)
    ]


def sessions(n: int) -> list[dict]:
    day = (timezone.localdate() - timedelta(days=3)).isoformat()
    return [
        {
            "reference": f"S-{next(numbers)}",
            "performed_on": day,
            "client_email": f"c{i}@example.org",
        }
        for i in range(n)
    ]


def batch_queries(client, path: str, items: list[dict], key: str | None) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = post(client, BASE + path, {"items": items}, key=key)
    assert response.status_code == 200, response.content
    assert {r["status"] for r in response.json()["results"]} == {201}
    return [q["sql"] for q in queries.captured_queries]


@pytest.mark.parametrize(
    ("path", "items", "per_item"),
    [
        ("invoices/batch", invoices, INVOICE_QUERIES_PER_ITEM),
        ("sessions/batch", sessions, SESSION_QUERIES_PER_ITEM),
    ],
)
@pytest.mark.parametrize("idempotent", [False, True])
def test_each_item_costs_the_same_bounded_queries(connected, path, items, per_item, idempotent):
    keys = count(1)

    def measure(n: int) -> list[str]:
        key = f"batch-{next(keys)}" if idempotent else None
        return batch_queries(connected.client, path, items(n), key)

    measure(1)  # the invitation rule's row is created by the first invoice
    five, fifteen, twenty_five = measure(5), measure(15), measure(25)
    assert len(fifteen) - len(five) == len(twenty_five) - len(fifteen) == 10 * per_item
    shared = [len([q for q in run if SHARED.search(q)]) for run in (five, fifteen, twenty_five)]
    assert shared[0] == shared[1] == shared[2], shared
