"""Every problem type the API can answer is listed in both guides'
§ 4 (docs/api.md and docs/api.en.md) and has a title: the types are
collected from the code — the problems' registry, and every exception
class of the API's modules with its own code."""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path

import pytest
from rest_framework import exceptions

from partners.api.problems import _DRF_CODES, problem_titles

ROOT = Path(__file__).resolve().parents[2]
GUIDES = [ROOT / "docs" / "api.md", ROOT / "docs" / "api.en.md"]
# The modules whose views answer the API's requests.
API_MODULES = [
    "partners.api.auth",
    "partners.api.base",
    "partners.api.negotiation",
    "partners.api.idempotency",
    "partners.api.pagination",
    "partners.api.parsers",
    "partners.api.permissions",
    "partners.api.problems",
    "partners.api.ratelimit",
    "partners.api.webhooks",
    "partners.api.writes",
    "directory.api",
    "reviews.api",
    "loyalty.api",
]


def emitted_codes() -> set[str]:
    codes = set(problem_titles())
    # DRF's own exceptions, which the views raise through DRF.
    classes = [cls for cls in vars(exceptions).values() if inspect.isclass(cls)]
    for name in API_MODULES:
        module = importlib.import_module(name)
        classes += [cls for cls in vars(module).values() if inspect.isclass(cls)]
    for cls in classes:
        if issubclass(cls, exceptions.APIException):
            if cls is exceptions.ValidationError:
                continue  # answered as invalid_parameters
            code = cls.default_code
            codes.add(_DRF_CODES.get(code, code))
    return codes


def test_the_collection_finds_the_codes_of_every_kind():
    codes = emitted_codes()
    for code in (
        "invalid_parameters",
        "not_authenticated",
        "ambiguous_credentials",
        "idempotency_key_invalid",
        "parse_error",
        "too_many_items",
        "rate_limited",
    ):
        assert code in codes


@pytest.mark.parametrize("code", sorted(emitted_codes()))
def test_every_problem_type_has_a_title(code):
    assert code in problem_titles()


@pytest.mark.parametrize("guide", GUIDES, ids=lambda path: path.name)
def test_every_problem_type_is_in_the_guide(guide):
    text = guide.read_text()
    section = text[text.index("## 4.") : text.index("## 5.")]
    missing = sorted(code for code in emitted_codes() if f"`{code}`" not in section)
    assert not missing, f"{guide.name} § 4 lacks {missing}"
