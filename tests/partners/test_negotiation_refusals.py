"""What the API cannot send is a 406 problem saying what it sends, in the
request's language (found by a fresh-user trial): ``?format=xml`` was a
404 "Non trouvé." on an endpoint that exists, and ``Accept: text/html``
answered DRF's French "L'en-tête « Accept » n'a pas pu être satisfaite."
(sic). JSON, asked for in any of its usual ways, is still served."""

from __future__ import annotations

import pytest

from .writes import assert_problem

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("fmt", ["xml", "csv", "api", "x" * 500])
def test_a_format_we_do_not_render_is_a_406_naming_it(api, fmt):
    response = api.client.get("/api/v1/professions", {"format": fmt})
    body = assert_problem(response, 406, "not_acceptable")
    assert body["detail"] == (
        f"L’API répond en JSON uniquement : le format « {fmt[:20]} » n’est pas disponible. "
        "Retirez le paramètre format."
    )


@pytest.mark.parametrize("accept", ["text/html", "application/xml", "image/*"])
@pytest.mark.parametrize("language", ["fr", "en"])
def test_an_accept_we_cannot_meet_is_a_406_saying_json(api, accept, language):
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


@pytest.mark.parametrize(
    "accept", ["application/json", "*/*", "application/*", "application/json; indent=2", ""]
)
def test_json_is_served_however_it_is_asked_for(api, accept):
    headers = {"Accept": accept} if accept else {}
    response = api.client.get("/api/v1/professions", {"format": "json"}, headers=headers)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("application/json")
