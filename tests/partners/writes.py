"""Helpers of the write endpoints' tests: a company that connected the
partner (through the consent service), problem checks."""

from __future__ import annotations

from types import SimpleNamespace

from rest_framework.test import APIClient

from partners.services import connection_create

from ..factories import CompanyFactory, MembershipFactory, make_partner_key


def connected_setup(partner) -> SimpleNamespace:
    """A listed company whose owner connected ``partner``, another listed
    company that did not, and a client with a key holding every scope."""
    company = CompanyFactory(slug="alpha-electricite")
    owner = MembershipFactory(company=company).user
    connection_create(partner=partner, company_id=company.pk, connected_by=owner)
    other = CompanyFactory(slug="beta-plomberie")
    return SimpleNamespace(
        company=company, other=other, owner=owner, client=client_for(partner), partner=partner
    )


def client_for(partner, *scopes: str) -> APIClient:
    _key, secret = make_partner_key(partner, *scopes)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    return client


def post(client: APIClient, url: str, body, key: str | None = None, **headers):
    if key is not None:
        headers["Idempotency-Key"] = key
    return client.post(url, body, format="json", headers=headers)


def assert_problem(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    if code is not None:
        assert body["type"].endswith("/" + code), body
    assert body["title"]
    assert body["detail"]
    return body


def invoice_insert_uncommitted(company, number: str):
    """Another connection inserting invoice ``number`` of ``company``
    without committing (PostgreSQL): a write of the same number waits
    on it. The caller commits or rolls back, then closes it."""
    from django.db import connections
    from django.utils import timezone

    other = connections.create_connection("default")
    other.set_autocommit(False)
    with other.cursor() as cursor:
        cursor.execute(
            "INSERT INTO reviews_invoice (company_id, number, issued_on, client_name,"
            " client_company, client_email, client_email_canonical, client_phone, scan,"
            " source, created_at) VALUES (%s, %s, %s, 'X', '', 'x@example.org',"
            " 'x@example.org', '', '', 'form', now())",
            [company.pk, number, timezone.localdate()],
        )
    return other
