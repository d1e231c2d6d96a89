"""The company cards of a results list (the search page, a trade's page),
rendered in Python by :func:`company_cards`.

Twenty cards through an included template, each with its filters
(``floatformat``, ``stars``, ``slice``), four translation tags, a
``reverse()`` and some twenty variable lookups, were a third of a search
page's CPU (issue 16: some 23,000 of its 63,000 function calls, counted
with cProfile on the demo database); one template loop over texts
computed beforehand still made 13,600. Here a card is one ``str.format``
of escaped values: 2,500 calls for twenty cards.

The HTML is the template's, escaped the same way: every value is escaped
(names, cities, URLs); a translation is not, its values are, as
``{% translate %}`` and ``{% blocktranslate %}`` print them (the
apostrophe of « n'a pas » stays as it is). Numbers read as ``floatformat:1``
prints them.
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext, ngettext, override

from common.formats import star_line
from directory.companies.models import Company

# One card. A card's name is a heading below the list's (h3; h4 under the
# "also" heading). One link per card, named by the company: the whole card
# is clickable through the stretched link (site.css, "Search results").
# The line breaks are where the page had white space between elements.
CARD = (
    '<li class="card result">\n'
    '<div class="avatar" aria-hidden="true">{avatar}</div>\n'
    '<div class="result-body">\n'
    '<{heading} class="result-name"><a class="result-link" href="{url}">{name}</a></{heading}>\n'
    '<p class="meta"><span class="matched-trade">{trades}</span>{also}'
    " · {city} ({department})</p>\n"
    "{rating}{warning}"
    '<div class="badges">\n'
    '<span class="badge verified">{vetted}</span>\n'
    "{no_reviews}"
    '<span class="badge">{audience}</span>\n'
    "</div>\n"
    "</div>\n"
    "{distance}"
    "</li>\n"
)
LOGO = '<img src="{}" alt="">'
ALSO = " · {}"
RATING = (
    '<p class="result-rating"><span class="star-line" aria-hidden="true">{stars}</span>\n'
    '<span class="visually-hidden">{label}</span>\n'
    '<strong aria-hidden="true">{average}</strong><span aria-hidden="true">/5</span>'
    " · {reviews}</p>\n"
)
WARNING = '<p class="result-warning">{}</p>\n'
NO_REVIEWS = '<span class="badge">{}</span>\n'
DISTANCE = '<p class="distance">{}</p>\n'

# A placeholder that path's "slug" converter accepts: the company URL is
# reversed once per list, then each card's slug put in its place.
_SLUG = "__slug__"


def company_cards(
    companies: Iterable[Company], *, nested: bool = False, distance: bool = False
) -> SafeString:
    """The ``<li>`` cards of ``companies``, in their order. ``nested``:
    the cards sit under a sub-heading (h4 names). ``distance``: each card
    says how far the company is (a search around a place); the companies
    then carry ``distance_km``. Companies from the search also carry
    ``matched_trades``, ``matched_as_secondary`` and
    ``missed_audits_warning`` (directory.search.service._companies_for)."""
    url_start, _, url_end = reverse("directory:company", args=[_SLUG]).partition(_SLUG)
    language = get_language() or "fr"
    decimal_separator = str(get_format("DECIMAL_SEPARATOR"))
    heading = "h4" if nested else "h3"
    # {% translate %} prints a translation unescaped ("Pas encore d'avis").
    vetted = gettext("Vetted company")
    no_reviews = NO_REVIEWS.format(gettext("No verified reviews yet"))
    also_text = gettext("also %(trade)s")
    rating_text = gettext("Average rating %(average)s out of 5")
    km_text = gettext("%(km)s km")
    audiences: dict[tuple[bool, bool], str] = {}
    reviews_texts: dict[int, str] = {}
    cards = []
    for company in companies:
        primary_name = company.primary_profession.name
        matched = getattr(company, "matched_trades", None)
        also = ""
        if matched:
            trades = _escape(", ".join(trade.name for trade in matched))
            if getattr(company, "matched_as_secondary", False):
                also = ALSO.format(also_text % {"trade": _escape(primary_name)})
        else:
            trades = _escape(primary_name)
        audience_key = (company.serves_consumers, company.serves_businesses)
        if audience_key not in audiences:
            audiences[audience_key] = _escape(company.audience_label)
        count = company.review_count
        rating = ""
        if count:
            average = _escape(_one_decimal(company.rating_average, language))
            if count not in reviews_texts:
                reviews_texts[count] = ngettext(
                    "%(counter)s verified review", "%(counter)s verified reviews", count
                ) % {"counter": count}
            rating = RATING.format(
                stars=star_line(company.rating_average),
                label=rating_text % {"average": average},
                average=average,
                reviews=reviews_texts[count],
            )
        strikes = getattr(company, "missed_audits_warning", None)
        warning = ""
        if strikes:
            warning = WARNING.format(
                ngettext(
                    "Warning: this company did not send the invoice asked for in"
                    " %(counter)s document audit.",
                    "Warning: this company did not send the invoices asked for in"
                    " %(counter)s document audits.",
                    strikes,
                )
                % {"counter": strikes}
            )
        cards.append(
            CARD.format(
                avatar=(
                    LOGO.format(_escape(company.logo.url))
                    if company.logo
                    else _escape(company.trade_name[:1].upper())
                ),
                heading=heading,
                url=_escape(f"{url_start}{company.slug}{url_end}"),
                name=_escape(company.trade_name),
                trades=trades,
                also=also,
                city=_escape(company.city),
                department=_escape(company.postal_code[:2]),
                rating=rating,
                warning=warning,
                vetted=vetted,
                no_reviews="" if count else no_reviews,
                audience=audiences[audience_key],
                distance=(
                    DISTANCE.format(
                        km_text % {"km": _one_decimal_exact(company.distance_km, decimal_separator)}
                    )
                    if distance
                    else ""
                ),
            )
        )
    # Every value above went through _escape (or is a number or a translation).
    return mark_safe("".join(cards))  # noqa: S308


def _escape(value: object) -> str:
    """Django's ``escape`` (``html.escape``, quotes included) without its
    lazy-string wrapper, a fifth of the cards' time: the values here are
    plain strings (a lazy one is made one by ``str``)."""
    return html.escape(str(value))


def _one_decimal_exact(value: float | None, decimal_separator: str) -> str:
    """``value|floatformat:1`` for a distance (no thousands at this scale,
    never grouped: ``USE_THOUSAND_SEPARATOR`` is off): the value rounded
    half up to one decimal from its shortest representation, as
    ``floatformat`` does, with the language's decimal separator."""
    if value is None:
        return ""
    rounded = Decimal(repr(value)).quantize(_TENTH, rounding=ROUND_HALF_UP)
    return f"{rounded:f}".replace(".", decimal_separator)


_TENTH = Decimal("0.1")


@lru_cache(maxsize=4096)
def _one_decimal(value: float | None, language: str) -> str:
    """``value|floatformat:1`` in ``language`` (a rating: few distinct
    values, each formatted once per process)."""
    with override(language):
        return str(floatformat(value, 1))
