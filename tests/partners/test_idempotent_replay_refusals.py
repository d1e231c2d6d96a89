"""An ``Idempotency-Key`` replay is a request like any other: the key, its
scopes, its rate limit, the partner and the company's consent are checked
before the stored response is replayed. Whatever changed since the first
request (disconnection, revoked key, lost scope, suspended partner or
company, quota spent), the replay gets the very problem a fresh request
gets, and nothing is written."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from directory.models import CompanyStatus
from loyalty.models import ServiceSession
from partners.api import ratelimit
from partners.models import IdempotencyRecord, PartnerStatus, Scope
from partners.services import connection_create, connection_end, partner_key_revoke
from reviews.models import Invoice
from tests.factories import make_partner_key

from .writes import assert_problem, client_for, connected_setup, post

pytestmark = pytest.mark.django_db

BASE = "/api/v1/companies/alpha-electricite/"


def _invoice() -> dict:
    return {
        "number": "F-2026-0142",
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "amount": "129.90",
        "client_name": "Sophie Martin",
        "client_email": "sophie.martin@example.org",
    }


def _session() -> dict:
    return {
        "reference": "RDV-88412",
        "performed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "client_email": "sophie.martin@example.org",
    }


# (path, body, scope): every write endpoint that takes an Idempotency-Key.
WRITES = {
    "invoice": ("invoices", _invoice, Scope.INVOICES_WRITE),
    "invoice-batch": ("invoices/batch", lambda: {"items": [_invoice()]}, Scope.INVOICES_WRITE),
    "session": ("sessions", _session, Scope.SESSIONS_WRITE),
    "session-batch": ("sessions/batch", lambda: {"items": [_session()]}, Scope.SESSIONS_WRITE),
}


@pytest.fixture(params=WRITES)
def write(request, partner):
    path, body, scope = WRITES[request.param]
    setup = connected_setup(partner)
    key, secret = make_partner_key(partner)
    setup.client = APIClient()
    setup.client.credentials(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    setup.key = key
    setup.url = BASE + path
    setup.body = body()
    setup.scope = scope
    first = post(setup.client, setup.url, setup.body, key="retry-1")
    assert first.status_code in (200, 201), first.content
    setup.first = first
    return setup


def written() -> tuple[int, int]:
    return Invoice.objects.count(), ServiceSession.objects.count()


def assert_refused_like_a_fresh_request(setup, client, status: int, code: str) -> None:
    before = written()
    replay = post(client, setup.url, setup.body, key="retry-1")
    body = assert_problem(replay, status, code)
    assert "Idempotent-Replayed" not in replay
    fresh = post(client, setup.url, setup.body, key="a-new-key")
    assert fresh.status_code == status
    if status == 429:  # the wait in the detail may have ticked by a second since
        body.pop("detail")
        assert fresh.json()["detail"]
        assert {k: v for k, v in fresh.json().items() if k != "detail"} == body
    else:
        assert fresh.json() == body
    assert written() == before
    # The stored response stays: refusing a replay does not forget it.
    assert IdempotencyRecord.objects.filter(key="retry-1", status_code__isnull=False).exists()


def test_a_replay_after_the_company_disconnected_the_partner_is_its_403(write):
    connection_end(partner=write.partner, company_id=write.company.pk)
    assert_refused_like_a_fresh_request(write, write.client, 403, "not_connected")


def test_a_replay_for_a_company_no_longer_listed_is_a_404(write):
    write.company.status = CompanyStatus.SUSPENDED
    write.company.save(update_fields=["status"])
    assert_refused_like_a_fresh_request(write, write.client, 404, "not_found")


def test_a_replay_with_a_revoked_key_is_a_401(write):
    partner_key_revoke(key=write.key)
    assert_refused_like_a_fresh_request(write, write.client, 401, "revoked_key")


def test_a_replay_by_a_partner_suspended_since_is_a_403(write):
    write.partner.status = PartnerStatus.SUSPENDED
    write.partner.save(update_fields=["status"])
    assert_refused_like_a_fresh_request(write, write.client, 403, "partner_suspended")


def test_a_replay_with_another_key_of_the_partner_lacking_the_scope_is_a_403(write):
    other_scopes = [s for s in Scope.values if s != write.scope]
    assert_refused_like_a_fresh_request(
        write, client_for(write.partner, *other_scopes), 403, "insufficient_scope"
    )


def test_a_replay_past_the_rate_limit_is_a_429(write, settings, rate_window):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, write.scope: "1/hour"}
    ratelimit.consume(write.key.prefix, ratelimit.policy_for((write.scope,)))  # quota spent
    assert_refused_like_a_fresh_request(write, write.client, 429, "rate_limited")


def test_a_replay_once_connected_again_is_the_stored_response(write):
    """The consent is checked, not the history: connected again, the
    partner's retry gets the response it was owed, and writes nothing new."""
    connection_end(partner=write.partner, company_id=write.company.pk)
    connection_create(partner=write.partner, company_id=write.company.pk, connected_by=None)
    before = written()
    replay = post(write.client, write.url, write.body, key="retry-1")
    assert replay.status_code == write.first.status_code
    assert replay.content == write.first.content
    assert replay["Idempotent-Replayed"] == "true"
    assert written() == before


def test_a_replay_by_another_key_of_the_partner_with_the_scope_is_the_stored_response(write):
    replay = post(client_for(write.partner, write.scope), write.url, write.body, key="retry-1")
    assert replay.content == write.first.content
    assert replay["Idempotent-Replayed"] == "true"
