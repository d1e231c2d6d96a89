"""The result cards are rendered in Python (directory/companies/cards.py,
issue 16): they must print exactly what the card template printed, in
both languages, escaped the same way."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.utils import translation

from directory.companies.cards import _one_decimal_exact, company_cards
from tests.factories import CompanyFactory

pytestmark = pytest.mark.django_db

# The card template the Python rendering replaces (templates/includes/
# company_card.html as it was, in former_company_card.html), the reference
# the cards are checked against.
FORMER_CARD = (Path(__file__).parent / "former_company_card.html").read_text()


def squeezed(html: str) -> str:
    """White space between elements does not show: one space, none at
    the edges of a line."""
    return re.sub(r"\s*\n\s*", "\n", html).strip()


def former(companies, nested: bool, distance: bool) -> str:
    template = Template(FORMER_CARD)
    return "".join(
        template.render(Context({"company": c, "nested": nested, "show_distance": distance}))
        for c in companies
    )


@pytest.fixture
def companies(taxonomy):
    plombier, carreleur = taxonomy["plombier"], taxonomy["carreleur"]
    rated = CompanyFactory(
        trade_name='Plomberie <b>&amp; "Fils"',
        city="Saint-Étienne",
        postal_code="42000",
        primary_profession=plombier,
        rating_average=4.42857142857143,
        review_count=7,
        serves_businesses=True,
    )
    rated.matched_trades = [plombier]
    rated.matched_as_secondary = False
    rated.distance_km = 12.25
    rated.missed_audits_warning = None
    secondary = CompanyFactory(
        trade_name="l'Atelier",
        primary_profession=carreleur,
        rating_average=5.0,
        review_count=1,
        serves_consumers=False,
        serves_businesses=True,
        logo="logos/atelier.png",
    )
    secondary.matched_trades = [plombier, carreleur]
    secondary.matched_as_secondary = True
    secondary.distance_km = 0.05
    secondary.missed_audits_warning = 2
    unrated = CompanyFactory(trade_name="élan", primary_profession=plombier)
    unrated.distance_km = 149.95
    unrated.missed_audits_warning = 1
    return [rated, secondary, unrated]


@pytest.mark.parametrize("language", ["fr", "en"])
@pytest.mark.parametrize("nested", [False, True])
@pytest.mark.parametrize("distance", [False, True])
def test_the_cards_print_what_the_card_template_printed(companies, language, nested, distance):
    with translation.override(language):
        ours = company_cards(companies, nested=nested, distance=distance)
        reference = former(companies, nested, distance)
    assert squeezed(ours) == squeezed(reference)
    # The cases are all there: escaping, logo, a secondary trade, a warning.
    assert "&lt;b&gt;&amp;amp; &quot;Fils&quot;" in ours
    assert '<img src="/media/logos/atelier.png" alt="">' in ours
    assert ours.count("result-warning") == 2
    assert ("<h4" in ours) is nested
    assert ("distance" in ours) is distance


def test_a_french_translation_keeps_its_apostrophe(companies):
    with translation.override("fr"):
        html = company_cards(companies)
    assert "Pas encore d'avis vérifié" in html
    assert "cette entreprise n'a pas fourni" in html.replace("\u2019", "'")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_distance_reads_as_floatformat_prints_it(language):
    draw = random.Random(16)
    values = [0.0, 0.05, 0.15, 0.25, 1.45, 2.675, 9.95, 99.95, 149.95, 1e-7, 0.04999999]
    values += [draw.uniform(0, 200) for _ in range(2000)]
    with translation.override(language):
        separator = "," if language == "fr" else "."
        for value in values:
            assert _one_decimal_exact(value, separator) == floatformat(value, 1), value
    assert _one_decimal_exact(None, ",") == ""
