"""Every refusal of a write names the field at fault, in the request's
language: a unique constraint over several fields (the company and the
invoice number) is named by the field the partner sent, with the model's
own words, never Django's "Un objet Facture avec ces champs Company et
Numéro de facture existe déjà"; unknown fields are named beside the other
faults, in single writes, batches (top level and items) and webhook
endpoints; the schema says unknown fields are refused."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from loyalty.models import ServiceSession, SessionSource
from partners.api.writes import UNKNOWN_NAME_MAX, UNKNOWN_NAMED_MAX, service_errors
from partners.models import WebhookEndpoint
from reviews.models import Invoice

from .writes import assert_problem, post

pytestmark = pytest.mark.django_db

BASE = "/api/v1/companies/alpha-electricite/"
ALREADY = {
    "fr": "Ce numéro de facture est déjà enregistré.",
    "en": "This invoice number is already registered.",
}


def invoice(**overrides) -> dict:
    body = {
        "number": "F-1",
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "amount": "129.90",
        "client_name": "Sophie Martin",
        "client_email": "sophie.martin@example.org",
    }
    body.update(overrides)
    return body


def session(**overrides) -> dict:
    body = {
        "reference": "RDV-1",
        "performed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "client_email": "sophie.martin@example.org",
    }
    body.update(overrides)
    return body


@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_invoice_number_already_registered_is_named_number(connected, language):
    assert post(connected.client, BASE + "invoices", invoice()).status_code == 201
    response = post(connected.client, BASE + "invoices", invoice(), **{"Accept-Language": language})
    body = assert_problem(response, 422, "unprocessable")
    assert body["errors"] == [{"field": "number", "detail": ALREADY[language]}]
    assert Invoice.objects.count() == 1


def test_a_number_twice_in_a_batch_or_already_registered_is_named_number(connected):
    assert post(connected.client, BASE + "invoices", invoice(number="F-0")).status_code == 201
    items = [invoice(number="F-0"), invoice(number="F-1"), invoice(number="F-1")]
    results = post(connected.client, BASE + "invoices/batch", {"items": items}).json()["results"]
    assert [r["status"] for r in results] == [422, 201, 422]
    for refused in (results[0], results[2]):
        assert refused["errors"] == [{"field": "number", "detail": ALREADY["fr"]}]


def test_the_models_name_their_constraint_in_their_own_words(connected):
    """The admin and any full_clean see the same words as the API."""
    Invoice.objects.create(
        company=connected.company,
        number="F-9",
        issued_on=timezone.localdate(),
        client_name="Sophie Martin",
        client_email="s@example.org",
    )
    with pytest.raises(ValidationError) as caught:
        Invoice(
            company=connected.company,
            number="F-9",
            issued_on=timezone.localdate(),
            client_name="Sophie Martin",
            client_email="s@example.org",
        ).validate_constraints()
    assert caught.value.messages == [ALREADY["fr"]]
    assert service_errors(caught.value, ["number", "issued_on"]) == [
        {"field": "number", "detail": ALREADY["fr"]}
    ]
    ServiceSession.objects.create(
        company=connected.company,
        client_key="k",
        performed_on=timezone.localdate(),
        source=SessionSource.API,
        reference="RDV-9",
    )
    with pytest.raises(ValidationError) as caught:
        ServiceSession(
            company=connected.company,
            client_key="k",
            performed_on=timezone.localdate(),
            source=SessionSource.API,
            reference="RDV-9",
        ).validate_constraints()
    assert caught.value.messages == ["Une prestation avec cette référence est déjà enregistrée."]
    assert service_errors(caught.value, ["reference", "performed_on"])[0]["field"] == "reference"


def _unique_error(fields: tuple[str, ...]) -> ValidationError:
    return ValidationError(
        {
            "__all__": [
                ValidationError("taken", code="unique_together", params={"unique_check": fields})
            ]
        }
    )


@pytest.mark.parametrize(
    ("unique_check", "sent", "field"),
    [
        (("company", "number"), ["number"], "number"),  # one field sent: named
        (("company", "source", "reference"), ["reference"], "reference"),
        (("number", "issued_on"), ["number", "issued_on"], "non_field_errors"),  # two: ambiguous
        (("company", "number"), [], "non_field_errors"),  # none sent
    ],
)
def test_a_unique_refusal_is_named_by_the_one_field_the_partner_sent(unique_check, sent, field):
    assert service_errors(_unique_error(unique_check), sent) == [
        {"field": field, "detail": "taken"}
    ]


def test_service_errors_keep_field_errors_and_plain_messages():
    assert service_errors(ValidationError({"amount": ["needed"]}), ["amount"]) == [
        {"field": "amount", "detail": "needed"}
    ]
    assert service_errors(ValidationError("no client")) == [
        {"field": "non_field_errors", "detail": "no client"}
    ]


# --- Unknown fields ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "make", "date_field"),
    [("invoices", invoice, "issued_on"), ("sessions", session, "performed_on")],
)
def test_an_unknown_field_is_named_beside_the_other_faults(connected, path, make, date_field):
    body = make(client_mail="x@example.org")
    del body[date_field]  # a second fault: a missing field
    response = post(connected.client, BASE + path, body)
    errors = assert_problem(response, 400, "invalid_parameters")["errors"]
    assert {"field": "client_mail", "detail": "Champ inconnu."} in errors
    assert {e["field"] for e in errors} == {"client_mail", date_field}
    assert not Invoice.objects.exists()
    assert not ServiceSession.objects.exists()


@pytest.mark.parametrize(
    ("path", "item", "known"),
    [("invoices", invoice, "number"), ("sessions", session, "reference")],
)
def test_a_batch_names_the_unknown_fields_of_each_item(connected, path, item, known):
    items = [
        item(typo=1),
        {"zz": 1},  # nothing known: the missing fields and the unknown one
        item(**{known: "OK-1"}),
    ]
    results = post(connected.client, BASE + path + "/batch", {"items": items}).json()["results"]
    assert [r["status"] for r in results] == [422, 422, 201]
    assert results[0]["errors"] == [{"field": "typo", "detail": "Champ inconnu."}]
    fields = [e["field"] for e in results[1]["errors"]]
    assert "zz" in fields
    assert known in fields


def test_an_unknown_field_beside_the_items_is_named(connected):
    response = post(connected.client, BASE + "invoices/batch", {"items": [invoice()], "item": []})
    errors = assert_problem(response, 400)["errors"]
    assert errors == [{"field": "item", "detail": "Champ inconnu."}]
    assert not Invoice.objects.exists()


def test_unknown_names_are_bounded(connected):
    body = invoice(**{f"x{n:03}": 1 for n in range(50)}, **{"y" * 5000: 1})
    errors = assert_problem(post(connected.client, BASE + "invoices", body), 400)["errors"]
    assert len(errors) == UNKNOWN_NAMED_MAX
    assert all(len(e["field"]) <= UNKNOWN_NAME_MAX for e in errors)


def test_a_webhook_endpoint_with_an_unknown_field_is_refused_and_named(api):
    body = {"url": "https://hooks.example.fr/x", "events": ["review.published"], "secret": "mine"}
    response = api.client.post("/api/v1/webhooks", body, format="json")
    errors = assert_problem(response, 400, "invalid_parameters")["errors"]
    assert errors == [{"field": "secret", "detail": "Champ inconnu."}]
    assert not WebhookEndpoint.objects.exists()


def test_the_schema_says_the_write_bodies_refuse_unknown_fields():
    from drf_spectacular.generators import SchemaGenerator

    components = SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]
    for name in (
        "InvoiceInputRequest",
        "InvoiceBatchInputRequest",
        "SessionInputRequest",
        "SessionBatchInputRequest",
        "EndpointInputRequest",
    ):
        assert components[name]["additionalProperties"] is False, name
