"""``Accept`` weights (RFC 9110 §12.5.1), found by a fresh-user trial:
``Accept: */*;q=0`` was served JSON, DRF reading media ranges without
their weights. A type whose most specific matching range has q=0 is not
acceptable: a 406 problem saying what the API sends. A malformed weight
is no weight (the range counts at 1); case and spaces do not matter."""

from __future__ import annotations

import pytest

from partners.api.negotiation import accepted_range, media_type_weight

from .writes import assert_problem

pytestmark = pytest.mark.django_db

REFUSED = [
    "*/*;q=0",
    "*/*; q=0",
    "*/* ; Q=0",
    "*/*;q=0.0",
    "*/*;q=0.000",
    "*/*;q=0.",
    "application/json;q=0",
    "Application/JSON; Q=0",
    "application/json;q=0, */*",
    "*/*, application/json;q=0",
    "application/json;q=0, application/*",
    "application/*;q=0, */*;q=1",
    "application/*;q=0",
    "text/html, application/json;q=0",
    "text/html, image/*;q=0.8",
    "application/json;q=0;level=1",
    "application/json;charset=utf-8;q=0",
    "json",
    "*/json",
    ";q=1",
    ",,,",
]
SERVED = [
    "*/*;q=0, application/json",
    "*/*;q=0, application/*;q=0.1",
    "application/json;q=0.001",
    "application/json; q=1.000",
    "APPLICATION/JSON",
    "  application/json  ;  q=0.5  ",
    "text/html;q=0, */*;q=0.1",
    "application/json;q=0, application/json",
    # Malformed weights count as 1: the range stays acceptable.
    "application/json;q=abc",
    "application/json;q=2",
    "application/json;q=-1",
    "application/json;q=0.0001",
    "application/json;q=",
    "*/*;q=nan",
    "*/*;q=1e-9",
    # What follows the weight is accept-ext, not a second weight.
    "application/json;q=1;q=0",
    "json, application/json",
    "text/html, application/json;q=0.9",
]


@pytest.mark.parametrize("accept", REFUSED)
@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_accept_giving_json_no_weight_is_a_406(api, accept, language):
    response = api.client.get(
        "/api/v1/professions", headers={"Accept": accept, "Accept-Language": language}
    )
    body = assert_problem(response, 406, "not_acceptable")
    assert body["detail"] == (
        "L’API répond en JSON uniquement : envoyez Accept: application/json, ou aucun "
        "en-tête Accept."
        if language == "fr"
        else "The API answers in JSON only: send Accept: application/json, or no Accept header."
    )


@pytest.mark.parametrize("accept", SERVED)
def test_an_accept_giving_json_a_weight_is_served_json(api, accept):
    response = api.client.get("/api/v1/professions", headers={"Accept": accept})
    assert response.status_code == 200, (accept, response.content)
    assert response["Content-Type"].startswith("application/json")


def test_an_empty_accept_is_no_preference(api):
    response = api.client.get("/api/v1/professions", headers={"Accept": "  "})
    assert response.status_code == 200, response.content


def test_a_refused_accept_is_refused_on_writes_too(connected):
    response = connected.client.post(
        "/api/v1/companies/alpha-electricite/sessions",
        {},
        format="json",
        headers={"Accept": "*/*;q=0"},
    )
    assert_problem(response, 406, "not_acceptable")


def test_format_json_does_not_override_a_zero_weight(api):
    response = api.client.get(
        "/api/v1/professions", {"format": "json"}, headers={"Accept": "*/*;q=0"}
    )
    assert_problem(response, 406, "not_acceptable")


def test_an_unknown_format_is_named_before_the_accept_is_read(api):
    response = api.client.get(
        "/api/v1/professions", {"format": "xml"}, headers={"Accept": "*/*;q=0"}
    )
    assert "« xml »" in assert_problem(response, 406, "not_acceptable")["detail"]


@pytest.mark.parametrize(
    ("accept", "weight"),
    [
        ("application/json;q=0.5, application/*;q=0.2, */*;q=0.1", 0.5),
        ("application/*;q=0.2, */*;q=0.1", 0.2),
        ("*/*;q=0.1", 0.1),
        ("text/*, image/png", None),
        ("application/json;q=0.3, application/json;q=0.7", 0.7),
    ],
)
def test_the_most_specific_range_gives_the_weight(accept, weight):
    ranges = [r for e in accept.split(",") if (r := accepted_range(e)) is not None]
    assert media_type_weight(ranges, "application/json") == weight


def test_the_schema_endpoint_honours_weights_too(api):
    response = api.client.get("/api/schema/", headers={"Accept": "*/*;q=0"})
    assert response.status_code == 406
