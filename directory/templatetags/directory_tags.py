from __future__ import annotations

import json
from collections.abc import Iterable

from django import template
from django.db.models import QuerySet
from django.utils.safestring import SafeString, mark_safe

from directory.companies import cards
from directory.companies.models import Company
from directory.taxonomy.models import Profession, Sector
from directory.taxonomy.selectors import public_trades, sectors_with_trades

register = template.Library()

# The same escapes as Django's json_script: the JSON cannot close the
# <script> element it sits in.
_JSON_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


@register.simple_tag
def json_ld(data: dict) -> SafeString:
    """A schema.org block: ``{% json_ld company_schema %}``."""
    payload = json.dumps(data, ensure_ascii=False).translate(_JSON_ESCAPES)
    return mark_safe(f'<script type="application/ld+json">{payload}</script>')  # noqa: S308


# The taxonomy's lists for the fragments cached under ``taxonomy_version``
# (templates/includes/search_form.html, sectors.html): read inside the
# ``{% cache %}`` block, so a cached fragment costs no query and never
# depends on what a view put in its context.


@register.simple_tag
def trade_options() -> QuerySet[Profession]:
    """The public trades by French name: ``{% trade_options as trades %}``."""
    return public_trades()


@register.simple_tag
def sector_menu() -> QuerySet[Sector]:
    """Every sector with its public trades: ``{% sector_menu as sectors %}``."""
    return sectors_with_trades()


@register.simple_tag
def company_cards(
    companies: Iterable[Company], nested: object = False, distance: object = False
) -> SafeString:
    """The ``<li>`` cards of a results list (directory/companies/cards.py):
    ``{% company_cards companies nested=True distance=result.position %}``."""
    return cards.company_cards(companies, nested=bool(nested), distance=bool(distance))
