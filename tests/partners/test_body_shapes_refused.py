"""Bodies that parse but cannot be meant, refused on every JSON write in
the request's language (found by a fresh-user trial):

- a key twice in one object (``{"number": "F-8", "number": "F-9"}``) was
  read as its last value, so an invoice the partner's tools show as F-8
  was registered as F-9: now a 400 ``parse_error`` naming the key;
- a body that is JSON ``null`` answered DRF's English "No data provided"
  in a French problem;
- a charset that is no text encoding (``bz2_codec``) answered DRF's
  English "Unsupported charset…"."""

from __future__ import annotations

import pytest

from partners.models import WebhookEndpoint
from reviews.models import Invoice

from .writes import assert_problem

pytestmark = pytest.mark.django_db

INVOICES = "/api/v1/companies/alpha-electricite/invoices"
WRITES = [
    INVOICES,
    INVOICES + "/batch",
    "/api/v1/companies/alpha-electricite/sessions",
    "/api/v1/companies/alpha-electricite/sessions/batch",
    "/api/v1/webhooks",
]


def _post(connected, url, raw: bytes, language="fr", content_type="application/json"):
    return connected.client.post(
        url, raw, content_type=content_type, headers={"Accept-Language": language}
    )


def _nothing_written():
    assert not Invoice.objects.exists()
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", WRITES)
def test_a_key_twice_in_an_object_is_refused_naming_it(connected, url):
    raw = (
        b'{"number": "F-8", "issued_on": "2026-01-05", "client_name": "Jean Dupont", '
        b'"client_email": "jean@example.org", "number": "F-9"}'
    )
    body = assert_problem(_post(connected, url, raw), 400, "parse_error")
    assert body["detail"] == (
        "Le corps de la requête n’est pas du JSON valide pour nous : la clé « number » "
        "figure deux fois dans un même objet. Envoyez chaque clé une seule fois."
    )
    english = assert_problem(_post(connected, url, raw, "en"), 400, "parse_error")
    assert "“number” appears twice" in english["detail"]
    _nothing_written()


def test_a_key_twice_deep_inside_a_batch_is_refused_too(connected):
    raw = b'{"items": [{"number": "F-1"}, {"a": 1, "b": 2, "a": 3}]}'
    body = assert_problem(_post(connected, INVOICES + "/batch", raw), 400, "parse_error")
    assert "« a »" in body["detail"]
    _nothing_written()


def test_a_long_repeated_key_is_named_cut(connected):
    key = "k" * 5000
    raw = ("{" + f'"{key}": 1, "{key}": 2' + "}").encode()
    body = assert_problem(_post(connected, INVOICES, raw), 400, "parse_error")
    assert "k" * 100 in body["detail"]
    assert "k" * 101 not in body["detail"]


def test_the_same_key_in_two_objects_is_no_repeat(connected):
    raw = (
        b'{"items": [{"number": "F-1", "issued_on": "2026-01-05", "client_name": "Jean Dupont",'
        b' "client_email": "jean@example.org"}, {"number": "F-2", "issued_on": "2026-01-05",'
        b' "client_name": "Jean Dupont", "client_email": "jean@example.org"}]}'
    )
    response = _post(connected, INVOICES + "/batch", raw)
    assert response.status_code == 200, response.content
    assert [item["status"] for item in response.json()["results"]] == [201, 201]


@pytest.mark.parametrize("url", WRITES)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_null_body_is_refused_in_the_requests_language(connected, url, language):
    body = assert_problem(_post(connected, url, b"null", language), 400, "invalid_parameters")
    expected = (
        "Le corps de la requête est null : envoyez un objet JSON."
        if language == "fr"
        else "The request body is null: send a JSON object."
    )
    assert body["errors"] == [{"field": "non_field_errors", "detail": expected}]
    _nothing_written()


@pytest.mark.parametrize("charset", ["bz2_codec", "zlib_codec", "rot13"])
def test_a_charset_that_is_no_text_encoding_is_refused_in_french(connected, charset):
    response = _post(
        connected, INVOICES, b"{}", content_type=f"application/json; charset={charset}"
    )
    body = assert_problem(response, 400, "parse_error")
    assert body["detail"] == (
        "Le jeu de caractères de l’en-tête Content-Type n’est pas pris en charge : "
        "envoyez de l’UTF-8."
    )
    _nothing_written()
