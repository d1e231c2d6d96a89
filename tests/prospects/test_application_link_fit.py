"""The fit of a platform sales prospect (issue 15): from its trade through
the screening engine, or from its sent application's verdict; shown on
the board's cards and the prospect's page with why, filterable on the
board; the trades' fits read once per request, whatever the cards."""

from __future__ import annotations

from unittest import mock

import pytest
from django.urls import reverse

from eligibility.models import Application, ApplicationStatus
from eligibility.selectors import trade_fit_details, trade_fits
from prospects.fit import fit_filter, prospect_fit
from prospects.models import Pipeline, Prospect, Stage
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

BOARD = reverse("prospects:staff-prospects-board")


@pytest.fixture
def sales(make, taxonomy, seller):
    """Three platform prospects: a home cleaner (trust trade), a kitchen
    installer (the amount decides), a restaurant; and one with no trade."""

    def one(name, slug):
        return make(
            pipeline=Pipeline.PLATFORM,
            actor=seller,
            name=name,
            profession=taxonomy[slug] if slug else None,
            stage=Stage.WARM,
        )

    return {
        "good": one("Ménage Soigné", "menage-domicile"),
        "check": one("Cuisines Durand", "cuisiniste"),
        "poor": one("Chez Paul", "restaurant"),
        "unknown": one("Société Inconnue", None),
    }


def test_the_trade_decides_the_fit_with_its_reasons(sales):
    trades = trade_fit_details()
    fits = {key: prospect_fit(prospect, trades) for key, prospect in sales.items()}
    assert {key: fit.level for key, fit in fits.items()} == {
        "good": "good",
        "check": "check",
        "poor": "poor",
        "unknown": "check",
    }
    assert all(fit.reasons for fit in fits.values())
    assert "restaurants" in fits["poor"].reasons[0].lower()
    assert trade_fits() == {pk: details.fit for pk, details in trades.items()}


def test_a_sent_application_decides_over_the_trade(sales, taxonomy):
    prospect = sales["poor"]
    application = Application.objects.create(
        applicant=UserFactory(),
        legal_name="Chez Paul",
        status=ApplicationStatus.SUBMITTED,
        verdict="eligible",
    )
    Prospect.objects.filter(pk=prospect.pk).update(application=application)
    prospect = Prospect.objects.select_related("application").get(pk=prospect.pk)
    fit = prospect_fit(prospect, trade_fit_details())
    assert (fit.level, fit.from_application) == ("good", True)
    # A draft's answers are not complete: the trade still decides.
    Application.objects.filter(pk=application.pk).update(status=ApplicationStatus.DRAFT)
    prospect = Prospect.objects.select_related("application").get(pk=prospect.pk)
    assert prospect_fit(prospect, trade_fit_details()).level == "poor"


@pytest.mark.parametrize("level", ["good", "check", "poor"])
def test_the_filter_and_the_fit_agree(sales, level):
    trades = trade_fit_details()
    filtered = set(Prospect.objects.filter(fit_filter(level, trades)))
    expected = {
        prospect for prospect in sales.values() if prospect_fit(prospect, trades).level == level
    }
    assert filtered == expected


def test_the_board_shows_each_card_fit_and_filters_by_it(client, seller, sales):
    client.force_login(seller)
    page = client.get(BOARD).content.decode()
    for label in ("Probablement éligible", "À vérifier", "Non adapté"):
        assert label in page
    response = client.get(BOARD, {"eligibilite": "poor"})
    cards = [card for column in response.context["columns"] for card in column.cards]
    assert [card.name for card in cards] == ["Chez Paul"]


def test_the_trades_fits_are_read_once_per_request(client, seller, sales, make, taxonomy):
    for number in range(10):
        make(
            pipeline=Pipeline.PLATFORM,
            actor=seller,
            name=f"Cuisines {number}",
            profession=taxonomy["cuisiniste"],
            stage=Stage.COLD,
        )
    client.force_login(seller)
    with mock.patch("prospects.views.trade_fit_details", wraps=trade_fit_details) as reads:
        client.get(BOARD, {"eligibilite": "check"})
    assert reads.call_count == 1
    with mock.patch("prospects.views.trade_fit_details", wraps=trade_fit_details) as reads:
        client.get(reverse("prospects:staff-prospects-stage", args=["cold"]))
    assert reads.call_count == 1


def test_a_bad_fit_filter_is_reported_and_ignored(client, seller, sales):
    client.force_login(seller)
    response = client.get(BOARD, {"eligibilite": "<script>"})
    assert response.status_code == 200
    cards = [card for column in response.context["columns"] for card in column.cards]
    assert len(cards) == 4


def test_the_prospect_page_says_why(client, seller, sales):
    client.force_login(seller)
    page = client.get(
        reverse("prospects:staff-prospects-detail", args=[sales["unknown"].pk])
    ).content.decode()
    assert "À vérifier" in page
    assert "Métier pas encore connu" in page


def test_a_company_pipeline_has_no_fit(client, cast, make):
    make(name="Jean Dupont", stage=Stage.WARM)
    client.force_login(cast.owner_a)
    board = reverse("prospects:pro-prospects-board", args=[cast.company_a.pk])
    with mock.patch("prospects.views.trade_fit_details") as reads:
        response = client.get(board)
    assert "eligibilite" not in response.context["form"].fields
    assert "Probablement éligible" not in response.content.decode()
    reads.assert_not_called()
