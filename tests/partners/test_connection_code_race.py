"""Two companies entering the same code at the same moment: one connects,
the other is told the code was used (PostgreSQL: the code's row is
locked while it is spent)."""

from __future__ import annotations

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection

from partners.models import Connection
from partners.services import connection_code_create, connection_code_redeem

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgres]


def test_a_code_entered_twice_at_once_connects_one_company(cast, partner):
    code = connection_code_create(partner=partner, created_by=None)
    start = threading.Barrier(2)
    refused: list[ValidationError] = []
    errors: list[BaseException] = []

    def redeem(company) -> None:
        try:
            start.wait(timeout=10)
            connection_code_redeem(code=code.code, company=company, actor=None)
        except ValidationError as error:
            refused.append(error)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=redeem, args=(company,))
        for company in (cast.company_a, cast.company_b)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(refused) == 1
    assert Connection.objects.count() == 1
    code.refresh_from_db()
    assert code.used_by_company_id == Connection.objects.get().company_id
