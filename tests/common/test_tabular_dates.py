"""Dates written in words, as French pros type them in a form or a file
(``common.tabular.values.parse_date``)."""

from __future__ import annotations

from datetime import date

import pytest

from common.tabular.values import parse_date

TODAY = date(2026, 4, 10)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3 avril 2026", date(2026, 4, 3)),
        ("03 Avril 2026", date(2026, 4, 3)),
        ("1er mars 2026", date(2026, 3, 1)),
        ("lundi 2 mars 2026", date(2026, 3, 2)),
        ("14 févr. 2026", date(2026, 2, 14)),
        ("14 fevrier 2026", date(2026, 2, 14)),
        ("25 décembre 2025", date(2025, 12, 25)),
        ("15 août 2025", date(2025, 8, 15)),
        ("3 sept. 2025", date(2025, 9, 3)),
        ("03/04/2026", date(2026, 4, 3)),
    ],
)
def test_french_dates_in_words_are_read(text, expected):
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31 février 2026", "does not exist|n'existe pas"),
        ("3 mai 2026", "future|futur"),
        ("3 brumaire 2026", "DD/MM/YYYY|JJ/MM/AAAA"),
        ("avril 2026", "DD/MM/YYYY|JJ/MM/AAAA"),
    ],
)
def test_impossible_future_or_unknown_dates_in_words_are_refused(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text, today=TODAY)
