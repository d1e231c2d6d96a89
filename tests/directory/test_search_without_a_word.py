"""A search text without a letter or a digit ("*", "---", "''", an emoji,
a zero-width space, a lone combining accent) searches for nothing, as a
blank one does (``SearchQuery.is_empty``). Found by a fresh-user trial:
the API refuses a search with no criterion ("Indiquez au moins un
texte…"), yet ``/api/v1/companies?q=*`` answered 200 with the whole
directory, ranked, paged by offset; the search page listed it too."""

from __future__ import annotations

import pytest

from directory.search.query import SearchQuery
from directory.search.service import search_companies

from .test_api import (
    electricians,  # noqa: F401 - the fixture
    problem_fields,
)

pytestmark = pytest.mark.django_db

NO_WORD = ["*", "---", "''", "%", "😀", "\u200b", "\u0301", "* / *"]


@pytest.mark.parametrize("text", NO_WORD)
def test_a_text_without_a_word_is_an_empty_query(text):
    assert SearchQuery(text=text).is_empty
    assert search_companies(SearchQuery(text=text)).page is None


@pytest.mark.parametrize("text", ["a", "7", "75015", "Ayşe", "électricien", "*plombier*"])
def test_a_text_with_a_word_is_a_query(text):
    assert not SearchQuery(text=text).is_empty


@pytest.mark.parametrize("text", NO_WORD)
def test_the_api_refuses_a_search_whose_only_text_has_no_word(api, electricians, text):  # noqa: F811
    response = api.client.get("/api/v1/companies", {"q": text})
    assert response.status_code == 400, response.content[:200]
    assert problem_fields(response) == {"non_field_errors"}


def test_such_a_text_beside_another_criterion_is_still_a_search(api, electricians):  # noqa: F811
    response = api.client.get("/api/v1/companies", {"q": "*", "profession": "electricien"})
    assert response.status_code == 200
    assert {row["slug"] for row in response.json()["results"]} == {
        company.slug for company in electricians
    }


def test_the_search_page_lists_nobody_for_such_a_text(client, electricians):  # noqa: F811
    page = client.get("/recherche/", {"q": "*"}).content.decode()
    assert not [company for company in electricians if f"/entreprises/{company.slug}/" in page]
