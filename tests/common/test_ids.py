"""Ids read from request data (common.ids): anything but a plain positive
number that fits a bigint is not an id."""

from __future__ import annotations

import pytest
from django.http import Http404

from common.ids import MAX_ID, get_by_id_or_404, id_parse
from directory.models import Company

NOT_IDS = [
    None,
    "",
    " ",
    "abc",
    "1.5",
    "1e3",
    "-1",
    "+1",
    "0",
    " 1",
    "1 ",
    "0x1F",
    "1_000",
    "²",  # a digit to str.isdigit(), not to int()
    "١٢",  # Arabic-Indic digits
    "１２",  # full-width digits
    str(MAX_ID + 1),
    "9" * 30,
    "9" * 5000,  # beyond Python's int() limit for strings
    12,  # not text: a caller passing a number has its own int already
    ["1"],
]


@pytest.mark.parametrize("raw", NOT_IDS)
def test_what_is_not_an_id_reads_as_none(raw):
    assert id_parse(raw) is None


@pytest.mark.parametrize(("raw", "expected"), [("1", 1), ("042", 42), (str(MAX_ID), MAX_ID)])
def test_a_plain_number_is_an_id(raw, expected):
    assert id_parse(raw) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("raw", ["abc", "1.5", "", str(MAX_ID), "-3", None])
def test_get_by_id_or_404_raises_404_for_a_hostile_or_unknown_id(raw, cast):
    with pytest.raises(Http404):
        get_by_id_or_404(Company, raw)


@pytest.mark.django_db
def test_get_by_id_or_404_finds_the_row_within_the_queryset(cast):
    company = cast.company_a
    assert get_by_id_or_404(Company.objects.all(), str(company.pk)) == company
    with pytest.raises(Http404):
        get_by_id_or_404(Company.objects.exclude(pk=company.pk), str(company.pk))
