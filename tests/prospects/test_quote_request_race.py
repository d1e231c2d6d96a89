"""Two quote requests of one new person handled at the same moment make
one prospect, not two (PostgreSQL: the company's row is locked)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from prospects import services
from prospects.models import Prospect
from tests.factories import QuoteRequestFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_two_requests_at_once_make_one_prospect(cast):
    first, second = (
        QuoteRequestFactory(company=cast.company_a, email="claire@example.fr", need=need)
        for need in ("Tableau électrique.", "Deux prises.")
    )
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def handle(quote_id: int) -> None:
        try:
            start.wait(timeout=10)
            services.prospect_from_quote_request(quote_request_id=quote_id)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=handle, args=(q.pk,)) for q in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    prospect = Prospect.objects.get()
    assert prospect.interactions.count() == 2
