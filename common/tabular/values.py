"""Amounts and dates as French tools write them, read into exact values.

Pure functions: a cell's text in, a value out, or ``ValueError`` whose
message (translated) says what is wrong. Nothing here guesses silently:
a form that could mean two amounts is refused.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from common.text import normalize

# The model's column: DecimalField(max_digits=10, decimal_places=2).
AMOUNT_LIMIT = Decimal("100000000")
CENT = Decimal("0.01")
# Every kind of space a spreadsheet or an accounting tool puts between
# thousands: ordinary, no-break (U+00A0), narrow no-break (U+202F), thin
# (U+2009), figure (U+2007), and the Swiss apostrophe.
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009\u2007\u2008\u200a'’]+")
_CURRENCY = re.compile(r"^(?:€|eur|euros?)\s*|\s*(?:€|eur|euros?|ttc)$", re.IGNORECASE)
_PLAIN = re.compile(r"(?P<int>\d+)(?:[.,](?P<dec>\d{1,2}))?", re.ASCII)
# Thousands in groups of three, separated by one kind of mark; then, maybe,
# cents after the other mark.
_GROUPED = re.compile(
    r"(?P<int>[1-9]\d{0,2}(?P<sep>[ .,])\d{3}(?:(?P=sep)\d{3})*)"
    r"(?:(?P<mark>[.,])(?P<dec>\d{1,2}))?",
    re.ASCII,
)

# Excel stores a date as days since 1899-12-30 (its 1900 system, leap-year
# bug included); only serials of the years 1955-2118 are taken for dates.
_EXCEL_EPOCH = date(1899, 12, 30)
_SERIAL = re.compile(r"\d{5}(?:\.0+)?", re.ASCII)
# ISO 8601, and the year-first "2025/03/14" some accounting exports write.
_ISO = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?:[ T][\d:.]+)?", re.ASCII
)
_FRENCH = re.compile(
    r"(?P<d>\d{1,2})(?P<sep>[/.-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})(?: [\d:.]+)?", re.ASCII
)
# "3 avril 2026", "1er mars 2026", "lundi 3 avril 2026", "3 avr. 2026":
# the months in French (accents optional, compared in normal form) and
# their usual abbreviations.
_MONTHS = {
    "janvier": 1,
    "janv": 1,
    "fevrier": 2,
    "fevr": 2,
    "fev": 2,
    "mars": 3,
    "avril": 4,
    "avr": 4,
    "mai": 5,
    "juin": 6,
    "juillet": 7,
    "juil": 7,
    "aout": 8,
    "septembre": 9,
    "sept": 9,
    "octobre": 10,
    "oct": 10,
    "novembre": 11,
    "nov": 11,
    "decembre": 12,
    "dec": 12,
}
_WEEKDAYS = r"(?:lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche)"
_WORDS = re.compile(
    rf"(?:{_WEEKDAYS} )?(?P<d>\d{{1,2}})(?:er)? (?P<month>[a-z]+) (?P<y>\d{{4}})", re.ASCII
)


def parse_amount(text: str) -> Decimal:
    """``"1 234,56 €"``, ``"1.234,56"``, ``"€1,234.56"``, ``"1234"`` → Decimal.

    A lone ``.`` or ``,`` before exactly three digits is a thousands mark
    (``"1.234"`` is 1234: cents have two digits); before one or two digits
    it marks the cents. Zero and negative amounts are refused."""
    value = _SPACES.sub(" ", text.strip())
    for _pass in range(2):  # "1 234,56 € TTC"
        value = _CURRENCY.sub("", value).strip()
    if value[:1] in ("-", "−", "(") or value[-1:] in ("-", "−"):
        raise ValueError(_("the amount must be positive (%(value)s)") % {"value": text[:30]})
    value = value.removeprefix("+").strip()
    amount = _read_number(value)
    if amount is None:
        raise ValueError(_("the amount is not a valid number (%(value)s)") % {"value": text[:30]})
    if amount == 0:
        raise ValueError(_("the amount must be more than 0 (%(value)s)") % {"value": text[:30]})
    if amount >= AMOUNT_LIMIT:
        raise ValueError(_("the amount is too large (%(value)s)") % {"value": text[:30]})
    return amount.quantize(CENT)


def _read_number(value: str) -> Decimal | None:
    if match := _PLAIN.fullmatch(value):
        return Decimal(f"{match['int']}.{match['dec'] or '0'}")
    if match := _GROUPED.fullmatch(value):
        if match["mark"] is not None and match["mark"] == match["sep"]:
            return None
        digits = match["int"].replace(match["sep"], "")
        return Decimal(f"{digits}.{match['dec'] or '0'}")
    return None


def parse_date(text: str, *, today: date, not_before: date | None = None) -> date:
    """``"14/03/2025"``, ``"14/03/25"``, ``"14.03.2025"``, ``"14-03-2025"``,
    ``"2025-03-14"``, ``"14 mars 2025"`` (``"1er mars 2025"``, ``"14 mars"``
    abbreviated ``"14 févr. 2025"``) or an Excel serial (``"45730"``) →
    date; impossible and future dates are refused, and so are dates before
    ``not_before`` (else before 1900)."""
    value = text.strip()
    words = _WORDS.fullmatch(normalize(value))
    if words and words["month"] in _MONTHS:
        try:
            issued_on = date(int(words["y"]), _MONTHS[words["month"]], int(words["d"]))
        except ValueError:
            raise ValueError(
                _("this date does not exist (%(value)s)") % {"value": text[:30]}
            ) from None
    elif _SERIAL.fullmatch(value) and 20000 <= int(value.split(".")[0]) <= 80000:
        issued_on = _EXCEL_EPOCH + timedelta(days=int(value.split(".")[0]))
    elif match := (_ISO.fullmatch(value) or _FRENCH.fullmatch(value)):
        year = int(match["y"])
        if len(match["y"]) == 2:
            # "25" is 2025 and "27" the (refused) future; "99" is 1999.
            year += 2000 if year <= today.year % 100 + 1 else 1900
        try:
            issued_on = date(year, int(match["m"]), int(match["d"]))
        except ValueError:
            raise ValueError(
                _("this date does not exist (%(value)s)") % {"value": text[:30]}
            ) from None
    else:
        raise ValueError(_("the date must read DD/MM/YYYY (%(value)s)") % {"value": text[:30]})
    if issued_on.year < 1900 or (not_before is not None and issued_on < not_before):
        raise ValueError(_("the date is too old (%(value)s)") % {"value": text[:30]})
    if issued_on > today:
        raise ValueError(_("the date is in the future (%(value)s)") % {"value": text[:30]})
    return issued_on


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a CSV would hold: dates in ISO form,
    whole numbers without ``.0``, floats rounded off their binary noise."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        # As a French Excel shows it (and writes it in a CSV): VRAI, FAUX.
        return str(
            pgettext("spreadsheet cell", "TRUE") if value else pgettext("spreadsheet cell", "FALSE")
        )
    if isinstance(value, float):
        rounded = round(value, 6)
        return str(int(rounded)) if rounded.is_integer() else repr(rounded)
    return str(value)
