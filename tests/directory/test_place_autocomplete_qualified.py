"""A commune typed with its département beside it is offered in that
département (found by a fresh-user trial: ``/api/v1/places?q=Saint-Denis
(974)``, the very label the autocomplete offers, ``?q=saint denis 93`` and
the site's ``/lieux/suggestions/`` with the same found nothing, although
the search reads each as one commune)."""

from __future__ import annotations

import pytest

from directory.places.resolve import autocomplete_places, resolve_place

pytestmark = pytest.mark.django_db


def labels(text: str) -> list[str]:
    return [p.label for p in autocomplete_places(text)]


@pytest.mark.parametrize(
    ("text", "offered"),
    [
        ("Saint-Denis (974)", ["Saint-Denis (974)"]),
        ("Saint-Denis (93)", ["Saint-Denis (93)"]),
        ("saint denis 93", ["Saint-Denis (93)"]),
        ("St-Denis 11", ["Saint-Denis (11)"]),
        ("974 saint denis", ["Saint-Denis (974)"]),
        ("Saint-Denis, Réunion", ["Saint-Denis (974)"]),
        ("Saint-Denis (La Réunion)", ["Saint-Denis (974)"]),
        ("saint d 974", ["Saint-Denis (974)"]),
        ("Bordeaux (33)", ["Bordeaux (33)"]),
        ("Ajaccio (2a)", ["Ajaccio (2A)"]),
        ("Bastia 2B", ["Bastia (2B)"]),
        ("Pointe-à-Pitre (971)", ["Pointe-à-Pitre (971)"]),
        # A commune of another département: nothing rather than a wrong one.
        ("Bordeaux (974)", []),
        ("Saint-Denis (33)", []),
    ],
)
def test_a_commune_with_its_departement_is_offered_in_it(places, text, offered):
    assert labels(text) == offered


@pytest.mark.parametrize(
    "text", ["Saint-Denis", "saint d", "Lyon", "Paris 15", "Bordeaux", "Pointe-à-Pitre"]
)
def test_each_suggestion_typed_back_offers_itself_first(places, text):
    """Choosing a suggestion puts its label in the box: typed again (or
    sent by a partner) it offers that same place first."""
    for offered in autocomplete_places(text):
        assert labels(offered.label)[0] == offered.label
        assert resolve_place(offered.label).position.place == offered


def test_the_site_and_the_api_offer_the_commune_of_the_departement(client, api, places):
    site = client.get("/lieux/suggestions/", {"q": "Saint-Denis (974)"}).json()["results"]
    assert [p["label"] for p in site] == ["Saint-Denis (974)"]
    body = api.client.get("/api/v1/places", {"q": "saint denis 93"}).json()
    assert [(p["name"], p["department"]) for p in body] == [("Saint-Denis", "93")]


@pytest.mark.parametrize(
    "text", ["(974)", "saint (", "'; drop table x; -- (33)", "🏠 (974)", "<b>x</b> 33", "a 2A"]
)
def test_odd_input_beside_a_departement_offers_nothing_odd(client, places, text):
    response = client.get("/lieux/suggestions/", {"q": text})
    assert response.status_code == 200
    for place in response.json()["results"]:
        assert "<" not in place["label"]
