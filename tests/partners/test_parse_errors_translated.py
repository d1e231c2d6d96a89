"""A body the JSON parser refuses (``parse_error``) is a 400 problem whose
detail says what is wrong and where, in French by default and in
English when asked, as every other problem: never Python's English
"Expecting value: line 1 column 1 (char 0)"."""

from __future__ import annotations

import pytest

from reviews.models import Invoice

from .writes import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/companies/alpha-electricite/invoices"
BODIES = {
    "empty": (
        b"",
        None,
    ),
    "not-json": (
        b"{",
        (
            "Le corps de la requête n’est pas du JSON valide : un nom de propriété entre "
            "guillemets doubles est attendu (ligne 1, colonne 2).",
            "The request body is not valid JSON: a property name in double quotes is expected "
            "(line 1, column 2).",
        ),
    ),
    "no-value": (
        b'{"number": }',
        (
            "Le corps de la requête n’est pas du JSON valide : une valeur est attendue "
            "(ligne 1, colonne 12).",
            "The request body is not valid JSON: a value is expected (line 1, column 12).",
        ),
    ),
    "missing-comma": (b'{"a": 1\n "b": 2}', ("virgule", "comma")),
    "unclosed-string": (b'{"number": "F-1', ("n’est pas fermée", "not closed")),
    "extra-data": (b"{} {}", ("quelque chose suit", "something follows")),
    "nan": (b'{"amount": NaN}', ("NaN et Infinity", "NaN and Infinity")),
    "infinity": (b'{"amount": -Infinity}', ("NaN et Infinity", "NaN and Infinity")),
    "latin-1": ('{"client_name": "Zoé"}'.encode("latin-1"), ("jeu de caractères", "charset")),
}


@pytest.mark.parametrize("name", list(BODIES))
@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_parse_error_speaks_the_requests_language(connected, name, language):
    raw, expected = BODIES[name]
    response = connected.client.post(
        URL, raw, content_type="application/json", headers={"Accept-Language": language}
    )
    body = assert_problem(response, 400)
    assert not Invoice.objects.exists()
    if expected is None:  # not a parse error: an empty body is an empty form
        return
    assert body["type"].endswith("/parse_error")
    assert body["title"] == ("Requête mal formée" if language == "fr" else "Malformed request")
    detail = expected[0 if language == "fr" else 1]
    assert detail in body["detail"], body["detail"]
    assert "Expecting" not in body["detail"]
    assert "JSON parse error" not in body["detail"]
