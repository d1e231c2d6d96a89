"""POST companies/{slug}/sessions (and its batch): sessions a connected
partner sends under its own reference; a retry with the same reference
is the session already recorded (200), never a second one."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from loyalty.models import ServiceSession, SessionSource, SessionStatus
from partners.models import IdempotencyRecord, Scope
from tests.partners.writes import assert_problem, client_for, post

pytestmark = pytest.mark.django_db

URL = "/api/v1/companies/alpha-electricite/sessions"
BATCH = URL + "/batch"


def session(**overrides) -> dict:
    body = {
        "reference": "RDV-88412",
        "performed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "status": "completed",
        "amount": "45.00",
        "client_email": "sophie.martin@example.org",
    }
    body.update(overrides)
    return body


def test_a_session_is_recorded_once_whatever_the_retries(connected):
    first = post(connected.client, URL, session())
    assert first.status_code == 201, first.content
    (recorded,) = ServiceSession.objects.all()
    assert recorded.company == connected.company
    assert (recorded.source, recorded.reference) == (SessionSource.API, "RDV-88412")
    assert recorded.status == SessionStatus.COMPLETED
    assert recorded.amount == Decimal("45.00")
    assert recorded.client_key  # the client as a key only
    assert first.json() == {
        "id": recorded.pk,
        "reference": "RDV-88412",
        "performed_on": recorded.performed_on.isoformat(),
        "status": "completed",
    }
    assert "sophie" not in first.content.decode()
    # A retry, even with other details: the session already recorded, unchanged.
    again = post(connected.client, URL, session(amount="99.00", status="no_show"))
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again["Location"] == first["Location"]
    assert ServiceSession.objects.get().amount == Decimal("45.00")
    assert connected.client.get(first["Location"]).json() == first.json()


def test_an_idempotency_key_replays_the_first_answer(connected):
    first = post(connected.client, URL, session(), key="s-1")
    second = post(connected.client, URL, session(), key="s-1")
    assert (first.status_code, second.status_code) == (201, 201)
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert_problem(post(connected.client, URL, session(amount="1.00"), key="s-1"), 422)
    assert ServiceSession.objects.count() == 1


def test_references_are_per_source_an_invoice_number_is_another(connected):
    """An API reference equal to an invoice's number is another session:
    the uniqueness is per company and source."""
    assert post(connected.client, URL, session(reference="F-1")).status_code == 201
    assert post(connected.client, URL, session(reference="F-2")).status_code == 201
    assert ServiceSession.objects.filter(source=SessionSource.API).count() == 2


def test_the_client_by_phone_or_name_and_at_least_one(connected):
    by_phone = session(reference="P", client_email="", client_phone="06 99 05 60 90")
    assert post(connected.client, URL, by_phone).status_code == 201
    del by_phone["client_email"]
    by_name = {**by_phone, "reference": "N", "client_phone": "", "client_name": "Sophie M."}
    assert post(connected.client, URL, by_name).status_code == 201
    nobody = session(reference="X", client_email="")
    body = assert_problem(post(connected.client, URL, nobody), 400, "invalid_parameters")
    assert body["errors"][0]["field"] == "non_field_errors"
    assert ServiceSession.objects.count() == 2


@pytest.mark.parametrize(
    ("overrides", "status", "field"),
    [
        ({"performed_on": "2999-01-01"}, 422, "performed_on"),
        ({"performed_on": "1990-01-01"}, 422, "performed_on"),
        ({"performed_on": "yesterday"}, 400, "performed_on"),
        ({"status": "done"}, 400, "status"),
        ({"reference": ""}, 400, "reference"),
        ({"reference": "   "}, 400, "reference"),
        ({"reference": 12}, 400, "reference"),
        ({"reference": "R" * 101}, 400, "reference"),
        ({"amount": "-1"}, 400, "amount"),
        ({"client_email": "sophie"}, 400, "client_email"),
        ({"client_phone": "nope"}, 400, "client_phone"),
        ({"client": "x"}, 400, "client"),
    ],
)
def test_bad_sessions_are_problems_that_record_nothing(connected, overrides, status, field):
    body = assert_problem(post(connected.client, URL, session(**overrides), key="bad"), status)
    assert field in [error["field"] for error in body["errors"]]
    assert not ServiceSession.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("raw", ["{", "[]", "7", '{"reference": "\\ud800"}', "[" * 50_000])
def test_malformed_bodies_are_400_problems(connected, raw):
    response = connected.client.post(URL, raw, content_type="application/json")
    assert_problem(response, 400)
    assert not ServiceSession.objects.exists()


def test_scope_and_consent(connected, partner):
    invoices_only = client_for(partner, Scope.INVOICES_WRITE)
    assert_problem(post(invoices_only, URL, session()), 403, "insufficient_scope")
    other = "/api/v1/companies/beta-plomberie/sessions"
    assert_problem(post(connected.client, other, session()), 403, "not_connected")
    assert_problem(post(connected.client, other + "/batch", {"items": [session()]}), 403)
    assert_problem(post(connected.client, "/api/v1/companies/nobody/sessions", session()), 404)
    assert not ServiceSession.objects.exists()


def test_a_batch_records_each_item_on_its_own(connected):
    assert post(connected.client, URL, session(reference="OLD")).status_code == 201
    items = [
        session(reference="A"),
        session(reference="OLD"),
        session(reference="B", performed_on="2999-01-01"),
        session(reference="C", status="cancelled"),
        "not an object",
    ]
    response = post(connected.client, BATCH, {"items": items}, key="batch")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [r["status"] for r in results] == [201, 200, 422, 201, 422]
    assert results[0]["reference"] == "A"
    assert results[0]["session_status"] == "completed"
    assert results[3]["session_status"] == "cancelled"
    assert results[2]["errors"] == [
        {"field": "performed_on", "detail": "La date est dans le futur."}
    ]
    assert results[4]["errors"][0]["field"] == "non_field_errors"
    assert set(ServiceSession.objects.values_list("reference", flat=True)) == {"OLD", "A", "C"}
    replay = post(connected.client, BATCH, {"items": items}, key="batch")
    assert replay.content == response.content
    assert replay["Idempotent-Replayed"] == "true"


def test_a_batch_of_501_is_refused(connected):
    items = [session(reference=f"R-{n}") for n in range(501)]
    response = connected.client.post(
        BATCH, json.dumps({"items": items}), content_type="application/json"
    )
    assert_problem(response, 413, "too_many_items")
    assert not ServiceSession.objects.exists()
    items.pop()
    response = post(connected.client, BATCH, {"items": items})
    assert [r["status"] for r in response.json()["results"]] == [201] * 500
    assert ServiceSession.objects.count() == 500


def test_the_service_refuses_what_the_serializer_would_let_through(connected):
    """session_from_partner keeps its own rules, whoever calls it."""
    from django.core.exceptions import ValidationError

    from loyalty.services.sessions import session_from_partner

    today = timezone.localdate()
    for performed_on in (today + timedelta(days=1), today.replace(year=today.year - 11)):
        with pytest.raises(ValidationError) as refused:
            session_from_partner(
                company=connected.company,
                performed_on=performed_on,
                status=SessionStatus.COMPLETED,
                reference="R-1",
                email="a@example.org",
            )
        assert "performed_on" in refused.value.message_dict
    with pytest.raises(ValidationError):
        session_from_partner(
            company=connected.company,
            performed_on=today,
            status=SessionStatus.COMPLETED,
            reference="R-1",
        )
    assert not ServiceSession.objects.exists()
