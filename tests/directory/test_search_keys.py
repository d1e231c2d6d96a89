"""A company's search keys reach its trade rows only through the explicit
service, which rewrites only the rows whose copy is out of step."""

from __future__ import annotations

import pytest

from directory.companies.services import company_search_keys_sync, company_trades_set
from directory.models import CompanyProfession, CompanyStatus
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def company(taxonomy, places):
    company = CompanyFactory(primary_profession=taxonomy["electricien"], place=places["lyon"])
    company_trades_set(company=company, professions=[taxonomy["plombier"]])
    return company


def rows(company) -> list[tuple]:
    return sorted(
        CompanyProfession.objects.filter(company=company).values_list(
            "profession__slug", "is_primary", "is_listed", "latitude", "trust_score"
        )
    )


def test_saving_a_company_writes_no_other_table(company):
    before = rows(company)
    company.status = CompanyStatus.SUSPENDED
    company.latitude = 43.3
    company.save()
    assert rows(company) == before  # no hidden write: the service is explicit


def test_the_service_copies_every_key_and_rewrites_only_stale_rows(company, taxonomy):
    assert company_search_keys_sync(company_ids=[company.pk]) == 0  # already in step
    company.status = CompanyStatus.SUSPENDED
    company.latitude = 43.3
    company.trust_score = 0.9
    company.primary_profession = taxonomy["plombier"]
    company.save()
    assert company_search_keys_sync(company_ids=[company.pk]) == 2
    assert rows(company) == [
        ("electricien", False, False, 43.3, 0.9),
        ("plombier", True, False, 43.3, 0.9),
    ]
    assert company_search_keys_sync() == 0  # every company, nothing left to write


def test_a_missing_primary_trade_row_is_created(company, taxonomy):
    CompanyProfession.objects.filter(company=company).delete()
    company_search_keys_sync(company_ids=[company.pk])
    assert [slug for slug, *_ in rows(company)] == ["electricien"]
