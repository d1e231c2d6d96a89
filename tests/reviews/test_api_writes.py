"""POST companies/{slug}/invoices (and its batch): the pro space's service
through the partner API, for a company that connected the partner only;
Idempotency-Key retries; no client data in the answers; every bad input
a 4xx problem that writes nothing."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from directory.models import CompanyStatus
from loyalty.models import ServiceSession, SessionSource
from partners.models import IdempotencyRecord, Scope
from partners.services import connection_end
from reviews.models import (
    InvitationPolicy,
    Invoice,
    InvoiceSource,
    ReviewInvitation,
    ReviewSettings,
)
from tests.partners.writes import (
    assert_problem,
    client_for,
    connected_setup,
    invoice_insert_uncommitted,
    post,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/companies/alpha-electricite/invoices"
BATCH = URL + "/batch"


def invoice(**overrides) -> dict:
    body = {
        "number": "F-2026-0142",
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "amount": "129.90",
        "client_name": "Sophie Martin",
        "client_email": "Sophie.Martin@example.org",
        "client_phone": "06 99 05 60 90",
    }
    body.update(overrides)
    return body


def nothing_written() -> bool:
    return (
        not Invoice.objects.exists()
        and not ReviewInvitation.objects.exists()
        and not ServiceSession.objects.exists()
        and not IdempotencyRecord.objects.exists()
    )


def test_an_invoice_sent_twice_with_one_key_is_one_invoice_and_one_invitation(connected):
    first = post(connected.client, URL, invoice(), key="a2f1c3d4-retry")
    assert first.status_code == 201, first.content
    assert "Idempotent-Replayed" not in first
    second = post(connected.client, URL, invoice(), key="a2f1c3d4-retry")
    assert second.status_code == 201
    assert second["Idempotent-Replayed"] == "true"
    assert second.content == first.content
    assert second["Location"] == first["Location"]

    (registered,) = Invoice.objects.all()
    assert registered.company == connected.company
    assert registered.source == InvoiceSource.API
    assert registered.created_by is None
    assert registered.client_email == "sophie.martin@example.org"
    assert registered.client_phone == "+33699056090"
    assert registered.amount == Decimal("129.90")
    assert ReviewInvitation.objects.filter(invoice=registered).count() == 1
    # The same service as the form: the invoice is a completed session.
    session = ServiceSession.objects.get()
    assert (session.source, session.reference) == (SessionSource.INVOICE, "F-2026-0142")

    body = first.json()
    assert body == {
        "id": registered.pk,
        "number": "F-2026-0142",
        "issued_on": registered.issued_on.isoformat(),
        "invited": True,
        "not_invited_reason": None,
    }
    assert first["Location"].endswith(f"{URL}/{registered.pk}")
    assert connected.client.get(first["Location"]).json() == body


def test_the_same_key_with_another_body_is_a_422_and_writes_nothing_more(connected):
    assert post(connected.client, URL, invoice(), key="k-1").status_code == 201
    response = post(connected.client, URL, invoice(number="F-2026-0143"), key="k-1")
    assert_problem(response, 422, "idempotency_key_reused")
    assert Invoice.objects.count() == 1


def test_the_key_is_the_partners_own(connected, partner):
    """Two partners may pick the same key: each has its own record."""
    from partners.models import Partner, PartnerKind

    other = Partner.objects.create(
        name="Logiciel", kind=PartnerKind.INVOICING_SOFTWARE, contact_email="a@b.test"
    )
    from partners.services import connection_create

    connection_create(partner=other, company_id=connected.company.pk, connected_by=connected.owner)
    assert post(connected.client, URL, invoice(), key="shared").status_code == 201
    again = post(client_for(other), URL, invoice(number="F-9"), key="shared")
    assert again.status_code == 201
    assert "Idempotent-Replayed" not in again
    assert Invoice.objects.count() == 2


def test_without_a_key_each_request_is_processed_and_a_number_again_is_a_422(connected):
    assert post(connected.client, URL, invoice()).status_code == 201
    body = assert_problem(post(connected.client, URL, invoice()), 422, "unprocessable")
    assert body["errors"]
    assert body["errors"][0]["detail"]
    assert Invoice.objects.count() == 1


def test_an_error_is_not_stored_the_partner_retries_with_the_same_key(connected):
    connection_end(partner=connected.partner, company_id=connected.company.pk)
    assert_problem(post(connected.client, URL, invoice(), key="k-2"), 403, "not_connected")
    from partners.services import connection_create

    connection_create(partner=connected.partner, company_id=connected.company.pk, connected_by=None)
    assert post(connected.client, URL, invoice(), key="k-2").status_code == 201
    assert Invoice.objects.count() == 1


def test_a_company_that_did_not_connect_the_partner_is_a_403(connected):
    url = "/api/v1/companies/beta-plomberie/invoices"
    body = assert_problem(post(connected.client, url, invoice()), 403, "not_connected")
    assert body["detail"] == "Cette entreprise n’a pas connecté ce partenaire."
    assert_problem(post(connected.client, url + "/batch", {"items": [invoice()]}), 403)
    assert nothing_written()


def test_a_disconnected_company_is_a_403(connected):
    connection_end(partner=connected.partner, company_id=connected.company.pk)
    assert_problem(post(connected.client, URL, invoice()), 403, "not_connected")
    assert nothing_written()


def test_a_key_without_the_scope_is_a_403(connected, partner):
    client = client_for(partner, Scope.DIRECTORY_READ, Scope.SESSIONS_WRITE)
    assert_problem(post(client, URL, invoice(), key="k"), 403, "insufficient_scope")
    assert_problem(post(client, BATCH, {"items": [invoice()]}), 403, "insufficient_scope")
    assert nothing_written()


def test_no_key_is_a_401(connected):
    from rest_framework.test import APIClient

    assert_problem(post(APIClient(), URL, invoice()), 401)
    assert nothing_written()


@pytest.mark.parametrize("slug", ["nobody", "beta-plomberie-suspended", "pending"])
def test_an_unknown_or_unlisted_company_is_a_404(connected, slug):
    from tests.factories import CompanyFactory

    CompanyFactory(slug="beta-plomberie-suspended", status=CompanyStatus.SUSPENDED)
    CompanyFactory(slug="pending", status=CompanyStatus.PENDING)
    url = f"/api/v1/companies/{slug}/invoices"
    assert_problem(post(connected.client, url, invoice()), 404, "not_found")
    assert nothing_written()


def test_the_service_decides_the_amount_the_invitation_rule_needs(connected):
    ReviewSettings.objects.create(
        company=connected.company, policy=InvitationPolicy.MIN_AMOUNT, min_amount=Decimal("100")
    )
    body = assert_problem(
        post(connected.client, URL, invoice(amount=None), key="k-3"), 422, "unprocessable"
    )
    assert [error["field"] for error in body["errors"]] == ["amount"]
    small = post(connected.client, URL, invoice(amount="20.00")).json()
    assert small["invited"] is False
    assert small["not_invited_reason"] == "invitation_rule"
    assert not ReviewInvitation.objects.exists()


def test_an_old_invoice_is_registered_and_not_invited(connected):
    old = (timezone.localdate() - timedelta(days=800)).isoformat()
    body = post(connected.client, URL, invoice(issued_on=old)).json()
    assert (body["invited"], body["not_invited_reason"]) == (False, "too_old")
    assert Invoice.objects.count() == 1


def test_an_invalid_client_name_is_the_services_422_in_english(connected):
    response = post(
        connected.client, URL, invoice(client_name="<b>Luc</b>"), **{"Accept-Language": "en"}
    )
    body = assert_problem(response, 422, "unprocessable")
    assert body["title"] == "Unprocessable content"
    assert body["errors"][0]["field"] == "client_name"
    assert nothing_written()


def test_the_response_never_repeats_the_client(connected):
    content = post(connected.client, URL, invoice()).content.decode()
    for private in ("Sophie", "Martin", "example.org", "699056090"):
        assert private not in content


def test_a_batch_of_three_with_one_bad_item(connected):
    items = [
        invoice(number="F-1"),
        invoice(number="F-2", client_email="nope"),
        invoice(number="F-3"),
    ]
    response = post(connected.client, BATCH, {"items": items}, key="batch-1")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, 201), (1, 422), (2, 201)]
    assert results[1]["errors"] == [
        {"field": "client_email", "detail": "Saisissez une adresse de courriel valide."}
    ]
    assert "id" not in results[1]
    numbers = set(Invoice.objects.values_list("number", flat=True))
    assert numbers == {"F-1", "F-3"}
    assert {results[0]["id"], results[2]["id"]} == set(Invoice.objects.values_list("pk", flat=True))
    assert ReviewInvitation.objects.count() == 2
    replay = post(connected.client, BATCH, {"items": items}, key="batch-1")
    assert replay.content == response.content
    assert replay["Idempotent-Replayed"] == "true"
    assert Invoice.objects.count() == 2


def test_a_batch_item_refused_by_the_service_rolls_back_only_itself(connected):
    items = [invoice(number="F-1"), invoice(number="F-1"), invoice(number="F-2")]
    results = post(connected.client, BATCH, {"items": items}).json()["results"]
    assert [r["status"] for r in results] == [201, 422, 201]
    assert Invoice.objects.count() == 2
    assert ServiceSession.objects.count() == 2


def test_501_items_are_refused_and_nothing_is_written(connected):
    items = [invoice(number=f"F-{n}") for n in range(501)]
    body = assert_problem(post(connected.client, BATCH, {"items": items}, key="big"), 413)
    assert body["type"].endswith("/too_many_items")
    assert "500" in body["detail"]
    assert nothing_written()


@pytest.mark.parametrize(
    "body",
    [{}, {"items": []}, {"items": "x"}, {"items": [invoice()], "extra": 1}, [invoice()]],
    ids=["empty", "no-items", "not-a-list", "unknown-field", "a-list"],
)
def test_a_malformed_batch_is_a_400(connected, body):
    assert_problem(post(connected.client, BATCH, body, key="b"), 400, "invalid_parameters")
    assert nothing_written()


def future() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


HOSTILE = {
    "not-json": ("{", 400),
    "truncated": ('{"number": "F-1", ', 400),
    "a-list": ("[]", 400),
    "a-string": ('"F-1"', 400),
    "null": ("null", 400),
    "nan": ('{"number": NaN}', 400),
    "deeply-nested": ("[" * 100_000 + "]" * 100_000, 400),
    "number-as-int": (invoice(number=142), 400),
    "number-as-bool": (invoice(number=True), 400),
    "number-as-object": (invoice(number={"$gt": ""}), 400),
    "number-too-long": (invoice(number="F" * 51), 400),
    "null-character": (invoice(number="F-\x00"), 400),
    "lone-surrogate": ('{"number": "F-\\ud800", "issued_on": "2026-01-02"}', 400),
    "date-not-iso": (invoice(issued_on="02/11/2026"), 400),
    "date-impossible": (invoice(issued_on="2026-02-30"), 400),
    "date-datetime": (invoice(issued_on="2026-02-03T10:00:00"), 400),
    "date-in-the-future": (invoice(issued_on=future()), 422),
    "amount-negative": (invoice(amount="-5"), 400),
    "amount-text": (invoice(amount="douze"), 400),
    "amount-infinite": ('{"amount": 1e400}', 400),
    "amount-too-big": (invoice(amount="12345678901.00"), 400),
    "amount-too-precise": (invoice(amount="1.001"), 400),
    "email-invalid": (invoice(client_email="sophie@"), 400),
    "email-missing": ({k: v for k, v in invoice().items() if k != "client_email"}, 400),
    "phone-invalid": (invoice(client_phone="call me"), 400),
    "unknown-field": (invoice(client_mail="x@y.fr"), 400),
    "name-huge": (invoice(client_name="A" * 10_000), 400),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_payloads_are_4xx_problems_that_write_nothing(connected, name):
    body, status = HOSTILE[name]
    raw = body if isinstance(body, str) else json.dumps(body)
    for key in (None, f"hostile-{name}"):
        headers = {"Idempotency-Key": key} if key else {}
        response = connected.client.post(URL, raw, content_type="application/json", headers=headers)
        assert_problem(response, status)
    assert nothing_written()


def test_a_body_past_the_upload_limit_is_a_413(connected):
    with override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000):
        response = post(connected.client, URL, invoice(client_company="X" * 2000), key="huge")
    assert_problem(response, 413, "payload_too_large")
    assert nothing_written()


def test_another_content_type_is_a_415(connected):
    response = connected.client.post(
        URL, "number=F-1", content_type="application/x-www-form-urlencoded"
    )
    assert_problem(response, 415)
    assert nothing_written()


@pytest.mark.parametrize("key", ["", " ", "é", "x" * 256, "a\tb"])
def test_a_malformed_idempotency_key_is_a_400(connected, key):
    response = post(connected.client, URL, invoice(), key=key)
    assert_problem(response, 400, "idempotency_key_invalid")
    assert nothing_written()


def test_the_invoice_detail_shows_only_api_invoices_of_connected_companies(connected):
    from tests.factories import CompanyFactory  # noqa: F401

    form_invoice = Invoice.objects.create(
        company=connected.company,
        number="FORM-1",
        issued_on=timezone.localdate(),
        client_name="Paul Durand",
        client_email="paul@example.org",
    )
    assert_problem(connected.client.get(f"{URL}/{form_invoice.pk}"), 404)
    assert_problem(connected.client.get(f"{URL}/999999"), 404)
    created = post(connected.client, URL, invoice()).json()
    other = "/api/v1/companies/beta-plomberie/invoices"
    assert_problem(connected.client.get(f"{other}/{created['id']}"), 403, "not_connected")


def test_writes_are_rate_limited_per_key_and_scope(connected, settings, rate_window):
    settings.API_RATE_LIMITS = {**settings.API_RATE_LIMITS, "invoices:write": "2/minute"}
    assert post(connected.client, URL, invoice(number="F-1")).status_code == 201
    ok = post(connected.client, BATCH, {"items": [invoice(number="F-2")]}, key="b")
    assert ok["RateLimit"].startswith('"invoices:write";r=0')
    limited = post(connected.client, URL, invoice(number="F-3"), key="late")
    assert_problem(limited, 429, "rate_limited")
    assert int(limited["Retry-After"]) >= 1
    assert set(Invoice.objects.values_list("number", flat=True)) == {"F-1", "F-2"}
    assert not IdempotencyRecord.objects.filter(key="late").exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
@pytest.mark.parametrize("batch", [False, True], ids=["single", "batch"])
def test_a_number_written_meanwhile_is_a_409_not_a_500(partner, batch):
    """The service checked the number, then another transaction committed
    it first: the unique constraint's error is a conflict to retry."""
    connected = connected_setup(partner)
    other = invoice_insert_uncommitted(connected.company, "F-1")
    answers: list = []

    def send() -> None:
        try:
            if batch:
                body = {"items": [invoice(number="F-1"), invoice(number="F-2")]}
                answers.append(post(connected.client, BATCH, body))
            else:
                answers.append(post(connected.client, URL, invoice(number="F-1")))
        finally:
            connection.close()

    thread = threading.Thread(target=send)
    thread.start()
    try:
        time.sleep(1)  # the request now waits on the uncommitted number
    finally:
        other.commit()
        other.close()
        thread.join(timeout=30)
    (response,) = answers
    if batch:
        results = response.json()["results"]
        assert [r["status"] for r in results] == [409, 201]
    else:
        assert_problem(response, 409, "write_conflict")
    assert set(Invoice.objects.values_list("number", flat=True)) == (
        {"F-1", "F-2"} if batch else {"F-1"}
    )
    assert Invoice.objects.filter(source=InvoiceSource.API).count() == (1 if batch else 0)
