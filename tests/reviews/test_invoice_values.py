"""Amounts and dates as French tools write them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.tabular.values import cell_text, parse_amount, parse_date

TODAY = date(2026, 11, 29)


def outcome(parse, text: str):
    """The value, or the refusal's message; any other exception fails."""
    try:
        return parse(text), ""
    except ValueError as error:
        return None, str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The examples.
        ("1 234,56", "1234.56"),
        ("1\u00a0234,56", "1234.56"),  # no-break space (Excel, LibreOffice)
        ("1\u202f234,56", "1234.56"),  # narrow no-break space (macOS, recent locales)
        ("1 234,56 €", "1234.56"),
        ("1.234,56", "1234.56"),
        # More of each kind.
        ("1\u00a0234,56\u00a0€", "1234.56"),
        ("1\u2009234,56", "1234.56"),
        ("1'234.56", "1234.56"),
        ("1,234.56", "1234.56"),
        ("€1,234.56", "1234.56"),
        ("€ 1 234,56", "1234.56"),
        ("1234", "1234.00"),
        ("1234,5", "1234.50"),
        ("1234.5", "1234.50"),
        ("0,50", "0.50"),
        ("1 234 567,89", "1234567.89"),
        ("1.234.567,89", "1234567.89"),
        ("1,234,567.89", "1234567.89"),
        ("1.234", "1234.00"),  # three digits after the mark: thousands, not cents
        ("1,234", "1234.00"),
        ("1234 EUR", "1234.00"),
        ("EUR 1234,00", "1234.00"),
        ("1 234,56 € TTC", "1234.56"),
        ("1 234,56 euros", "1234.56"),
        ("+1234", "1234.00"),
        ("  42  ", "42.00"),
    ],
)
def test_french_and_english_amounts_are_read(text, expected):
    assert parse_amount(text) == Decimal(expected)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-100", "positif"),
        ("−100", "positif"),
        ("(100)", "positif"),
        ("100-", "positif"),
        ("0", "supérieur à 0"),
        ("0,00", "supérieur à 0"),
        ("beaucoup", "pas un nombre valide"),
        ("", "pas un nombre valide"),
        ("€", "pas un nombre valide"),
        ("1,2,3", "pas un nombre valide"),
        ("12 34", "pas un nombre valide"),  # spaces not between thousands
        ("1.234.56", "pas un nombre valide"),
        ("1,234,56", "pas un nombre valide"),
        ("0,125", "pas un nombre valide"),  # no such thing as a third cent digit
        ("1234,567", "pas un nombre valide"),
        ("1.2e3", "pas un nombre valide"),
        ('=HYPERLINK("http://x";"12")', "pas un nombre valide"),
        ("#N/A", "pas un nombre valide"),
        ("100000000", "trop élevé"),
        ("9" * 400, "trop élevé"),
    ],
)
def test_wrong_amounts_are_refused_with_a_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_amount(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14/03/2025", date(2025, 3, 14)),  # the example
        ("14/03/25", date(2025, 3, 14)),
        ("2025-03-14", date(2025, 3, 14)),
        ("14.03.2025", date(2025, 3, 14)),
        ("14-03-2025", date(2025, 3, 14)),
        ("4/3/2025", date(2025, 3, 4)),  # day first, as in France
        ("2025-03-14 00:00:00", date(2025, 3, 14)),
        ("2025/03/14", date(2025, 3, 14)),  # year first, as some exports write
        ("2025.3.4", date(2025, 3, 4)),
        ("14/03/2025 10:30", date(2025, 3, 14)),
        ("29/02/2024", date(2024, 2, 29)),
        ("14/03/99", date(1999, 3, 14)),  # a two-digit year after this one is the 1900s
        ("29/11/26", date(2026, 11, 29)),  # today is not the future
        ("45730", date(2025, 3, 14)),  # an Excel serial in a cell not formatted as a date
    ],
)
def test_french_and_iso_dates_are_read(text, expected):
    assert parse_date(text, today=TODAY) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("31/02/2025", "n'existe pas"),
        ("29/02/2025", "n'existe pas"),
        ("14/13/2025", "n'existe pas"),
        ("2025-02-30", "n'existe pas"),
        ("30/11/2026", "futur"),
        ("01/01/27", "futur"),
        ("03/14/2025", "n'existe pas"),  # month first is not read as March 14th
        ("14 mars", "JJ/MM/AAAA"),
        ("", "JJ/MM/AAAA"),
        ("14/03/2025/1", "JJ/MM/AAAA"),
        ("123", "JJ/MM/AAAA"),
        ("01/01/1850", "trop ancienne"),
    ],
)
def test_wrong_dates_are_refused_with_a_message(text, message):
    with pytest.raises(ValueError, match=message):
        parse_date(text, today=TODAY)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, ""),
        (datetime(2025, 3, 14, 0, 0), "2025-03-14"),  # noqa: DTZ001 (openpyxl's naive cells)
        (date(2025, 3, 14), "2025-03-14"),
        (1234.56, "1234.56"),
        (1440.0000000000002, "1440"),  # a formula's binary noise
        (1001.0, "1001"),
        (1001, "1001"),
        ("F-1", "F-1"),
    ],
)
def test_spreadsheet_cells_become_the_text_a_csv_would_hold(value, expected):
    assert cell_text(value) == expected


@given(st.text(max_size=40))
def test_any_text_is_an_amount_or_a_clear_refusal(text):
    amount, message = outcome(parse_amount, text)
    assert message or Decimal(0) < amount < Decimal("100000000")
    assert message or amount == amount.quantize(Decimal("0.01"))


@given(st.text(max_size=40))
def test_any_text_is_a_past_date_or_a_clear_refusal(text):
    issued_on, message = outcome(lambda value: parse_date(value, today=TODAY), text)
    assert message or date(1900, 1, 1) <= issued_on <= TODAY


@given(st.decimals(min_value="0.01", max_value="99999999.99", places=2))
def test_amounts_written_the_french_way_read_back(amount):
    whole, cents = f"{amount:.2f}".split(".")
    groups = f"{int(whole):,}".replace(",", "\u202f")
    assert parse_amount(f"{groups},{cents} €") == amount
