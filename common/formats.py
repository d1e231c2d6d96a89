"""French formatting of phone numbers and amounts, and phone input.

Phone numbers are stored in E.164 (``+33699056090``) and shown in the
national format of their country (``06 99 05 60 90`` for France, the
international format otherwise), both through Google's libphonenumber
port, ``phonenumbers``. Amounts are shown the way the active language
writes money: ``1 250,00 €`` in French (narrow no-break space between
thousands, no-break space before the sign, as the Imprimerie nationale's
*Lexique des règles typographiques* and CLDR's ``fr`` locale do), and
``€1,250.00`` in English.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache

import phonenumbers
from django.core.exceptions import ValidationError
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

#: Numbers typed without a country code are read as French ones.
DEFAULT_REGION = "FR"

NARROW_NBSP = "\u202f"
NBSP = "\u00a0"


def parse_phone(raw: str, region: str = DEFAULT_REGION) -> str:
    """The E.164 form of a phone number typed by a person.

    Accepts what people type: ``06 99 05 60 90``, ``06.99.05.60.90``,
    ``+33 6 99 05 60 90``, ``0033699056090``, ``(0)6 99…``.

    Raises ``ValidationError`` (code ``invalid_phone``) when the text is
    not a number that can be dialled in its country.
    """
    text = (raw or "").strip()
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValidationError(
            _("Enter a valid phone number, for example 06 12 34 56 78 or +33 6 12 34 56 78."),
            code="invalid_phone",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _parsed(value: str) -> phonenumbers.PhoneNumber | None:
    try:
        return phonenumbers.parse(value, DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return None


# A company page prints its number three times (issue 16): parse it once.
@lru_cache(maxsize=1024)
def format_phone(value: str | None) -> str:
    """A stored number as people read it: ``06 99 05 60 90``.

    French numbers get the national format; others the international
    one (``+32 2 123 45 67``). Text that is not a number (legacy rows)
    is returned unchanged; ``None`` or blank gives ``""``.
    """
    if not value:
        return ""
    number = _parsed(value)
    if number is None or not phonenumbers.is_possible_number(number):
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if phonenumbers.region_code_for_number(number) == DEFAULT_REGION
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


@lru_cache(maxsize=1024)
def tel_uri(value: str | None) -> str:
    """The RFC 3966 ``tel:`` URI of a stored number (``tel:+33699056090``)."""
    if not value:
        return ""
    number = _parsed(value)
    if number is None or not phonenumbers.is_possible_number(number):
        digits = "".join(ch for ch in value if ch.isdigit() or ch == "+")
        return f"tel:{digits}"
    return "tel:" + phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _group_thousands(digits: str, separator: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return separator.join(groups)


def format_amount(
    value: Decimal | int | float | str | None, currency: str = "€", *, cents: bool = True
) -> str:
    """An amount of money with two decimals, in the active language.

    ``Decimal("1250")`` gives ``1 250,00 €`` in French (thousands
    separated by a narrow no-break space, a no-break space before the
    sign) and ``€1,250.00`` in English. ``None`` or text that is not a
    number gives ``""``. Rounds half up to the cent, as invoices do.
    ``cents=False`` leaves out the cents of a whole amount (``1 000 €``,
    for a threshold in a sentence), not of ``12.50``.
    """
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    except (InvalidOperation, ValueError):
        return ""
    sign = "-" if amount < 0 else ""
    whole, _dot, hundredths = f"{abs(amount):.2f}".partition(".")
    french = (get_language() or "fr").startswith("fr")
    decimals = "" if not cents and hundredths == "00" else ("," if french else ".") + hundredths
    if french:
        return f"{sign}{_group_thousands(whole, NARROW_NBSP)}{decimals}{NBSP}{currency}"
    return f"{sign}{currency}{_group_thousands(whole, ',')}{decimals}"


def format_duration(seconds: float | None) -> str:
    """A run's duration, as exact as it is useful: ``0,4 s`` and ``12 s``
    under a minute (the decimal comma in French), ``3 min 05 s`` under an
    hour, ``1 h 02 min`` beyond; ``—`` for none (a run not finished)."""
    if seconds is None:
        return "—"
    french = (get_language() or "fr").startswith("fr")
    if seconds < 10:
        text = f"{seconds:.1f}"
        return f"{text.replace('.', ',') if french else text}{NBSP}s"
    whole = round(seconds)
    if whole < 60:
        return f"{whole}{NBSP}s"
    if whole < 3600:
        minutes, rest = divmod(whole, 60)
        return f"{minutes}{NBSP}min {rest:02d}{NBSP}s"
    hours, rest = divmod(whole, 3600)
    return f"{hours}{NBSP}h {rest // 60:02d}{NBSP}min"


def star_line(value: object) -> str:
    """★★★★☆ for 4 (decorative: the number is always printed beside);
    ``""`` for what is not a number."""
    try:
        full = round(float(value))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return "★" * full + "☆" * (5 - full)
