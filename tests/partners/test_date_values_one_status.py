"""An invoice's or a session's date out of range is refused with one
status whichever side it falls: a ``422`` naming the field (the API's
status for a well-formed value a rule refuses, as a number already
registered), in French and English, single or in a batch; a date that is
not a date stays a 400 (the body's shape)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from loyalty.models import ServiceSession
from reviews.models import Invoice

from .writes import assert_problem, post

pytestmark = pytest.mark.django_db

BASE = "/api/v1/companies/alpha-electricite/"


def tomorrow() -> str:
    return (timezone.localdate() + timedelta(days=1)).isoformat()


def eleven_years_back() -> str:
    return timezone.localdate().replace(year=timezone.localdate().year - 11).isoformat()


FUTURE = {"fr": "dans le futur", "en": "in the future"}
PAST = {"fr": "plus de 10 ans", "en": "more than 10 years back"}
OUT_OF_RANGE = [
    ("tomorrow", tomorrow, FUTURE),
    ("far-future", lambda: "2999-01-01", FUTURE),
    ("last-day", lambda: "9999-12-31", FUTURE),
    ("eleven-years-back", eleven_years_back, PAST),
    ("far-past", lambda: "1900-01-01", PAST),
    ("first-day", lambda: "0001-01-01", PAST),
]


def invoice(**overrides) -> dict:
    return {
        "number": "F-1",
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "client_name": "Sophie Martin",
        "client_email": "sophie.martin@example.org",
        **overrides,
    }


def session(**overrides) -> dict:
    return {
        "reference": "RDV-1",
        "performed_on": (timezone.localdate() - timedelta(days=2)).isoformat(),
        "client_email": "sophie.martin@example.org",
        **overrides,
    }


@pytest.mark.parametrize(("name", "day", "words"), OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_invoice_date_out_of_range_is_a_422_naming_issued_on(
    connected, name, day, words, language
):
    response = post(
        connected.client,
        BASE + "invoices",
        invoice(issued_on=day()),
        key=f"d-{name}",
        **{"Accept-Language": language},
    )
    body = assert_problem(response, 422, "unprocessable")
    assert [e["field"] for e in body["errors"]] == ["issued_on"]
    assert words[language] in body["errors"][0]["detail"]
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(("name", "day", "words"), OUT_OF_RANGE, ids=[c[0] for c in OUT_OF_RANGE])
def test_a_session_date_out_of_range_is_a_422_naming_performed_on(connected, name, day, words):
    response = post(connected.client, BASE + "sessions", session(performed_on=day()))
    body = assert_problem(response, 422, "unprocessable")
    assert [e["field"] for e in body["errors"]] == ["performed_on"]
    assert not ServiceSession.objects.exists()


def test_in_a_batch_both_sides_are_the_items_422(connected):
    items = [invoice(number="A", issued_on=tomorrow()), invoice(number="B", issued_on="1900-01-01")]
    results = post(connected.client, BASE + "invoices/batch", {"items": items}).json()["results"]
    assert [(r["status"], r["errors"][0]["field"]) for r in results] == [
        (422, "issued_on"),
        (422, "issued_on"),
    ]


def test_the_date_and_another_rule_are_named_together(connected):
    body = assert_problem(
        post(
            connected.client, BASE + "invoices", invoice(issued_on=tomorrow(), client_name="12345")
        ),
        422,
    )
    assert sorted(e["field"] for e in body["errors"]) == ["client_name", "issued_on"]


@pytest.mark.parametrize("value", ["yesterday", "2026-02-30", "02/11/2026", ""])
def test_a_date_that_is_not_a_date_is_the_shapes_400(connected, value):
    body = assert_problem(post(connected.client, BASE + "invoices", invoice(issued_on=value)), 400)
    assert [e["field"] for e in body["errors"]] == ["issued_on"]
