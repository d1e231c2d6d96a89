"""Template filters for phone numbers and amounts: ``{% load formats %}``.

``{{ company.phone|phone }}`` → ``06 99 05 60 90``;
``{{ company.phone|tel_uri }}`` → ``tel:+33699056090``;
``{{ invoice.amount|euros }}`` → ``1 250,00 €``; ``{{ seconds|duration }}`` →
``3 min 05 s``. See ``common.formats``.
"""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.translation import get_language

from common.formats import format_amount, format_duration, format_phone
from common.formats import tel_uri as _tel_uri

register = template.Library()


@register.filter
def phone(value: str | None) -> str:
    return format_phone(value)


@register.filter
def tel_uri(value: str | None) -> str:
    return _tel_uri(value)


@register.filter
def euros(value: Decimal | int | float | str | None) -> str:
    return format_amount(value)


@register.filter
def colon(label: str) -> str:
    """A label followed by its colon the way the active language writes it:
    ``Lieu :`` in French (a no-break space before the colon, as French
    typography requires), ``Place:`` in English. ``{{ _("Place")|colon }}``."""
    if (get_language() or "fr").startswith("fr"):
        return f"{label}\u00a0:"
    return f"{label}:"


@register.filter
def duration(seconds: float | None) -> str:
    return format_duration(seconds)
