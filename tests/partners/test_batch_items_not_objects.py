"""A batch item that is not a JSON object (null, a number, a string, a
list, a boolean) is refused in its own result, a 422 naming its index, as
any invalid item: the valid items beside it are processed each on its
own (the batches' documented semantics, partners.api.writes), in French
or English."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.models import ServiceSession
from reviews.models import Invoice

from .writes import post

pytestmark = pytest.mark.django_db

BASE = "/api/v1/companies/alpha-electricite/"
NOT_OBJECTS = {
    "null": (None, "null", "null"),
    "number": (7, "un nombre", "a number"),
    "float": (1.5, "un nombre", "a number"),
    "string": ("F-1", "une chaîne", "a string"),
    "list": ([{"number": "F-9"}], "une liste", "a list"),
    "boolean": (True, "un booléen", "a boolean"),
}


def invoice(number: str) -> dict:
    return {
        "number": number,
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "amount": "129.90",
        "client_name": "Sophie Martin",
        "client_email": "sophie.martin@example.org",
    }


def session(reference: str) -> dict:
    return {
        "reference": reference,
        "performed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "client_email": "sophie.martin@example.org",
    }


@pytest.mark.parametrize("name", list(NOT_OBJECTS))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_invoice_item_that_is_not_an_object_is_refused_alone(connected, name, language):
    value, french, english = NOT_OBJECTS[name]
    items = [invoice("F-1"), value, invoice("F-2")]
    response = post(
        connected.client, BASE + "invoices/batch", {"items": items}, **{"Accept-Language": language}
    )
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, 201), (1, 422), (2, 201)]
    detail = results[1]["errors"][0]["detail"]
    if language == "fr":
        assert detail == f"L’élément 1 est {french} : chaque élément doit être un objet JSON."
    else:
        assert detail == f"Item 1 is {english}: each item must be a JSON object."
    assert set(Invoice.objects.values_list("number", flat=True)) == {"F-1", "F-2"}


@pytest.mark.parametrize("name", list(NOT_OBJECTS))
def test_a_session_item_that_is_not_an_object_is_refused_alone(connected, name):
    value, french, _english = NOT_OBJECTS[name]
    items = [value, session("A"), value]
    response = post(connected.client, BASE + "sessions/batch", {"items": items}, key=f"s-{name}")
    assert response.status_code == 200, response.content
    results = response.json()["results"]
    assert [(r["index"], r["status"]) for r in results] == [(0, 422), (1, 201), (2, 422)]
    assert results[2]["errors"] == [
        {
            "field": "non_field_errors",
            "detail": f"L’élément 2 est {french} : chaque élément doit être un objet JSON.",
        }
    ]
    assert list(ServiceSession.objects.values_list("reference", flat=True)) == ["A"]


def test_a_batch_of_nulls_only_is_processed_item_by_item(connected):
    response = post(connected.client, BASE + "invoices/batch", {"items": [None, None]})
    assert response.status_code == 200, response.content
    assert [r["status"] for r in response.json()["results"]] == [422, 422]
    assert not Invoice.objects.exists()
