"""``Idempotency-Key`` sent twice reaches the app as one value joined by
", " (WSGI): a 400 problem naming the header, never one key made of two;
a key outside the documented set (printable ASCII, 1 to 255 characters)
is refused as well; nothing is written."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIRequestFactory

from partners.api import idempotency
from partners.api.schema import IDEMPOTENCY_KEY_PATTERN
from partners.models import IdempotencyRecord
from reviews.models import Invoice

from .writes import assert_problem, post

pytestmark = pytest.mark.django_db

URL = "/api/v1/companies/alpha-electricite/invoices"
REPEATED = ["k-1, k-2", "k-1,k-2", "k-1, k-1", '"k-1", "k-2"', '"a","b"', "a,", ",a"]
MALFORMED = ["", " ", "x" * 256, "clé", "a\tb", "a\nb", "\u200bk"]


def invoice() -> dict:
    return {
        "number": "F-1",
        "issued_on": (timezone.localdate() - timedelta(days=3)).isoformat(),
        "client_name": "Sophie Martin",
        "client_email": "sophie.martin@example.org",
    }


def _key(value: str) -> str | None:
    request = APIRequestFactory().post("/", headers={"Idempotency-Key": value})
    return idempotency.key_from_request(request)


@pytest.mark.parametrize("value", REPEATED)
@pytest.mark.parametrize(
    ("language", "named"),
    [("fr", "Envoyez un seul en-tête Idempotency-Key"), ("en", "Send one Idempotency-Key")],
)
def test_a_repeated_key_is_a_400_naming_the_header(connected, value, language, named):
    response = post(connected.client, URL, invoice(), key=value, **{"Accept-Language": language})
    body = assert_problem(response, 400, "idempotency_key_invalid")
    assert body["detail"].startswith(named)
    assert not Invoice.objects.exists()
    assert not IdempotencyRecord.objects.exists()


@pytest.mark.parametrize("value", REPEATED)
def test_the_schema_refuses_a_repeated_key_too(value):
    assert not re.fullmatch(IDEMPOTENCY_KEY_PATTERN, value)
    with pytest.raises(idempotency.IdempotencyKeyRepeated):
        _key(value)


@pytest.mark.parametrize("value", MALFORMED)
def test_a_key_outside_the_documented_set_is_a_400(connected, value):
    assert_problem(
        post(connected.client, URL, invoice(), key=value), 400, "idempotency_key_invalid"
    )
    assert not Invoice.objects.exists()


@pytest.mark.parametrize(
    ("value", "key"),
    [('"a,b"', "a,b"), ('"a, b"', "a, b"), ('"a\\"b"', 'a"b'), ("a;b", "a;b"), ("k", "k")],
)
def test_one_key_is_still_one_key(value, key):
    """A comma inside a quoted key is part of it; other separators are
    plain characters."""
    assert _key(value) == key
