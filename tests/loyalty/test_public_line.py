"""The loyalty line of the public company page and the explanation on
"Pourquoi nous faire confiance" (issue 13 § 3): shown for scored companies
only, with their exact figures, never "0 %" for the others; at most one
query for it."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from directory.search import ranking
from loyalty.recompute import scores_recompute
from tests.factories import CompanyFactory
from tests.loyalty.history_data import history

pytestmark = pytest.mark.django_db

LOYALTY_TABLES = re.compile(r'FROM "loyalty_|JOIN "loyalty_')


@pytest.fixture(autouse=True)
def _french():
    with translation.override("fr"):
        yield


FRENCH_LINE = (
    "35 % de nouveaux clients revenus dans les 6 mois "
    "(moyenne des professionnels de la plateforme : 30 %)"
)


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def line_of(response) -> str:
    match = re.search(r'<p class="loyalty-line".*?</p>', response.content.decode(), re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", match.group(0))).strip() if match else ""


@pytest.fixture
def scored(taxonomy):
    company = CompanyFactory(primary_profession=taxonomy["electricien"], slug="fidele")
    history(company, new=40, returned=14)  # 54 sessions, 35 % back; the seed's 30 %
    scores_recompute()
    company.refresh_from_db()
    return company


def test_a_scored_company_shows_its_share_of_returns_and_the_average(client, scored):
    line = line_of(client.get(scored.get_absolute_url()))
    assert FRENCH_LINE in line
    assert "40 nouveaux clients observés" in line
    assert "Comment est-ce calculé ?" in line
    page = client.get(scored.get_absolute_url()).content.decode()
    assert f'href="{reverse("directory:trust")}#fidelite"' in page


def test_the_line_reads_in_english(client, scored):
    line = line_of(client.get("/en" + scored.get_absolute_url()))
    assert (
        "35 % of new clients came back within 6 months "
        "(average of the professionals on the platform: 30 %)" in line
    )
    assert "40 new clients observed" in line


def test_the_trade_average_is_named_so_once_the_trade_measures_its_own(client, taxonomy):
    roofers = [CompanyFactory(primary_profession=taxonomy["couvreur"]) for _ in range(10)]
    for index, company in enumerate(roofers):
        history(company, new=30, returned=6 + (index % 2) * 6)  # 20 % or 40 %: 30 % pooled
    scores_recompute()
    company = roofers[1]
    company.refresh_from_db()
    line = line_of(client.get(company.get_absolute_url()))
    assert "40 % de nouveaux clients revenus dans les 6 mois (moyenne du métier : 30 %)" in line


@pytest.mark.parametrize(
    ("new", "returned", "recent"),
    [(0, 0, 0), (0, 0, 12), (20, 0, 9), (0, 0, 35)],
    ids=["no session", "12 sessions", "29 sessions", "30 recent sessions, nobody observed"],
)
def test_nothing_is_shown_for_a_company_without_a_score(client, taxonomy, new, returned, recent):
    company = CompanyFactory(primary_profession=taxonomy["electricien"])
    history(company, new=new, returned=returned, recent=recent)
    scores_recompute()
    response = client.get(company.get_absolute_url())
    assert response.status_code == 200
    assert 'class="loyalty-line"' not in response.content.decode()
    assert "nouveaux clients revenus" not in text(response)
    assert "0 %" not in text(response)


def test_a_company_that_returns_nobody_shows_its_0_percent_only_when_scored(client, taxonomy):
    company = CompanyFactory(primary_profession=taxonomy["electricien"])
    history(company, new=30, returned=0)
    scores_recompute()
    company.refresh_from_db()
    assert line_of(client.get(company.get_absolute_url())).startswith("0 % de nouveaux clients")


def _loyalty_queries(client, company) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(company.get_absolute_url()).status_code == 200
    return [q["sql"] for q in queries if LOYALTY_TABLES.search(q["sql"])]


def test_the_line_costs_one_query_and_none_for_an_unscored_company(client, scored, taxonomy):
    assert len(_loyalty_queries(client, scored)) == 1
    unscored = CompanyFactory(primary_profession=taxonomy["electricien"])
    history(unscored, new=0, returned=0, recent=12)
    scores_recompute()
    unscored.refresh_from_db()
    assert _loyalty_queries(client, unscored) == []


def test_the_trust_page_explains_the_score_with_the_code_s_figures(client, db):
    page = text(client.get(reverse("directory:trust")))
    assert "à partir de 30 prestations réalisées" in page
    assert "dans les 180 jours" in page
    assert "50 correspond à la moyenne du métier" in page
    assert "p = (r + m·k) / (n + k)" in page
    assert "score = 100 · p(1 − m) / (p(1 − m) + m(1 − p))" in page
    trust = round(100 * ranking.TRUST_WEIGHT)
    assert f"la confiance que nous lui accordons ({trust} %)" in page
    assert "La fidélité fait 50 % de cette confiance" in page
    assert f"la fidélité pèse donc {round(trust / 2)} % de l'ordre" in page


def test_the_trust_page_gives_the_platform_s_measured_average_once_measured(client, db):
    from loyalty.models import TradeBaseline

    page = text(client.get(reverse("directory:trust")))
    assert "En moyenne, trois nouveaux clients sur dix le font" in page  # nothing measured
    TradeBaseline.objects.create(
        profession=None, mean=0.24, prior_strength=20, companies=40, source="platform"
    )
    page = text(client.get(reverse("directory:trust")))
    assert "Sur la plateforme, 24 % le font (mesure refaite chaque nuit)" in page
    assert "trois nouveaux clients sur dix" not in page
