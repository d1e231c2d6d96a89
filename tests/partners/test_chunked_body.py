"""A body sent in chunks (``Transfer-Encoding: chunked``) without a
``Content-Length`` is a 411 problem: Django reads none of it, under
gunicorn as under runserver, so the invoice a partner sent in full was
answered "Ce champ est obligatoire." for every field (found by a
fresh-user trial). Nothing is written; a body with its length is read."""

from __future__ import annotations

import json

import pytest

from reviews.models import Invoice

from .writes import assert_problem

pytestmark = pytest.mark.django_db

URL = "/api/v1/companies/alpha-electricite/invoices"
BODY = json.dumps(
    {
        "number": "CH-1",
        "issued_on": "2026-01-05",
        "client_name": "Jean Dupont",
        "client_email": "jean@example.org",
    }
)


@pytest.mark.parametrize("url", [URL, URL + "/batch", "/api/v1/webhooks"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_chunked_body_without_a_length_is_a_411(connected, url, language):
    response = connected.client.generic(
        "POST",
        url,
        BODY,
        content_type="application/json",
        HTTP_TRANSFER_ENCODING="chunked",
        HTTP_ACCEPT_LANGUAGE=language,
        CONTENT_LENGTH="",
    )
    body = assert_problem(response, 411, "length_required")
    assert body["detail"] == (
        "Envoyez le corps de la requête avec un en-tête Content-Length : un corps envoyé "
        "par morceaux (Transfer-Encoding: chunked) n’est pas lu."
        if language == "fr"
        else "Send the request body with a Content-Length header: a body sent in chunks "
        "(Transfer-Encoding: chunked) is not read."
    )
    assert not Invoice.objects.exists()


def test_a_body_with_its_length_is_read(connected):
    response = connected.client.generic("POST", URL, BODY, content_type="application/json")
    assert response.status_code == 201, response.content


def test_a_read_with_the_header_is_answered(connected):
    response = connected.client.get("/api/v1/professions", HTTP_TRANSFER_ENCODING="chunked")
    assert response.status_code == 200
