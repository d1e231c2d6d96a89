"""French company numbers as people type them: SIREN, SIRET (one
establishment) and the French VAT number, with the labels printed around
them on a Kbis, an invoice or a letterhead. Checksums by python-stdnum."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumValidationError
from stdnum.fr import siren, siret, tva

# What people put between the digits of a SIREN or SIRET: spaces (also
# the no-break spaces a copy from a PDF or a web page brings, U+00A0,
# U+202F), dots, dashes, slashes, underscores, and the invisible
# zero-width characters a copy can carry.
_NUMBER_SEPARATORS = re.compile(r"[\s.\-\u2010-\u2015\u2212/_\u200b-\u200d\u2060\ufeff]+")
# Labels around the number, as a Kbis, an invoice footer or a letterhead
# prints it: "SIREN : 732 829 320", "N° SIRET 732 829 320 00074".
_LABELS = re.compile(
    r"(?i)(?<![^\W\d_])(?:n[°º]|no\b|num[ée]ro\b|siren\b|siret\b)(?:\s*(?:de|du)\b)?\s*:?"
)
# "RCS Paris 732 829 320", "732 829 320 R.C.S. Lyon" (the register and its town).
_RCS = re.compile(r"(?i)\br\.?\s?c\.?\s?s\b\.?")
_LETTER_WORDS = re.compile(r"[^\W\d_]+(?:['’ -][^\W\d_]+)*\s*:?")
# French VAT number: FR, a two-character key, the SIREN.
_VAT = re.compile(r"FR[0-9A-HJ-NP-Z]{2}[0-9]{9}")
# Longer text is no company number, whatever it holds.
MAX_COMPANY_NUMBER_INPUT = 40
SIREN_LENGTH, SIRET_LENGTH = 9, 14


@dataclass(frozen=True)
class CompanyNumber:
    """A company identified by what someone typed: its SIREN, and the
    SIRET (one establishment) if that is what was typed."""

    siren: str
    siret: str = ""
    vat: str = ""


def compact_company_number(text: str) -> str:
    """``"732.829.320"``, ``"732 829 320"`` → ``"732829320"`` (full-width
    digits read as digits); other characters are left for the caller."""
    return _NUMBER_SEPARATORS.sub("", unicodedata.normalize("NFKC", text))


def parse_company_number(text: str) -> CompanyNumber:
    """The SIREN of a typed SIREN (9 digits), SIRET (14 digits) or French
    VAT number (``FR`` + 2-character key + SIREN).

    Separators are allowed, and so are the words printed around the number
    on a Kbis or an invoice ("SIREN 732 829 320", "RCS Paris 732 829 320",
    "N° SIRET : …"). The checksum is python-stdnum's (Luhn, La Poste's
    SIRET rule, whose establishments share the SIREN 356 000 000, and the
    VAT key). Raises one ValidationError saying what is wrong.
    """
    text = _without_labels(text)
    vat = compact_company_number(text).upper()
    if _VAT.fullmatch(vat):
        if not tva.is_valid(vat):
            raise ValidationError(
                _("%(value)s is not a valid French VAT number: check its key and its SIREN."),
                code="invalid_vat",
                params={"value": vat},
            )
        return CompanyNumber(siren=vat[-SIREN_LENGTH:], vat=vat)
    digits = compact_company_number(text)
    if not re.fullmatch(r"[0-9]*", digits):
        raise ValidationError(
            _("A SIREN is made of digits only (9 digits, or the 14 of a SIRET)."),
            code="siren_not_digits",
        )
    if len(text) > MAX_COMPANY_NUMBER_INPUT or len(digits) not in (SIREN_LENGTH, SIRET_LENGTH):
        raise ValidationError(
            _(
                "A SIREN has 9 digits (or 14 for a SIRET): "
                "this number has %(count)s. Check it on your Kbis or your invoices."
            ),
            code="siren_length",
            params={"count": len(digits)},
        )
    number = siren if len(digits) == SIREN_LENGTH else siret
    try:
        if not digits.strip("0"):  # all zeros passes the Luhn check; INSEE never gives it
            raise StdnumValidationError
        number.validate(digits)
    except StdnumValidationError as exc:
        kind = "SIREN" if number is siren else "SIRET"
        raise ValidationError(
            _(
                "%(value)s is not a valid %(kind)s number: a digit is wrong "
                "(the last one is a checksum). Check it on your Kbis or your invoices."
            ),
            code="invalid_siren",
            params={"value": digits, "kind": kind},
        ) from exc
    if len(digits) == SIRET_LENGTH:
        return CompanyNumber(siren=digits[:SIREN_LENGTH], siret=digits)
    return CompanyNumber(siren=digits)


def _without_labels(text: str) -> str:
    """The number without the labels printed around it; with "RCS", the
    registry's town goes too ("RCS Lyon B 732 829 320")."""
    if len(text) > MAX_COMPANY_NUMBER_INPUT:
        return text
    if _RCS.search(text):
        return _LETTER_WORDS.sub(" ", _RCS.sub(" ", text))
    return _LABELS.sub(" ", text)


def siren_in(text: str) -> str:
    """The SIREN a search text designates, checksum or not ("" if none):
    9 digits, or the first 9 of a SIRET, separators allowed."""
    if len(text) > MAX_COMPANY_NUMBER_INPUT:
        return ""
    digits = compact_company_number(text)
    if re.fullmatch(r"[0-9]{9}|[0-9]{14}", digits):
        return digits[:SIREN_LENGTH]
    return ""


def format_siren(value: str) -> str:
    """``"732829320"`` → ``"732 829 320"``, as printed on a Kbis."""
    return " ".join(value[i : i + 3] for i in range(0, len(value), 3))


def validate_siren(value: str) -> None:
    """Nine digits whose Luhn checksum holds (python-stdnum)."""
    try:
        siren.validate(value)
    except StdnumValidationError as exc:
        raise ValidationError(
            _("%(value)s is not a valid SIREN number (9 digits, checksum)."),
            code="invalid_siren",
            params={"value": value},
        ) from exc
