"""The loyalty periods in words follow the settings: no page says "6 mois"
when the return period is another."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import translation

from loyalty.recompute import scores_recompute
from loyalty.wording import period, return_period
from tests.loyalty.history_data import history
from tests.loyalty.test_pro_page import owner  # noqa: F401 (fixture)
from tests.loyalty.test_public_line import line_of, scored  # noqa: F401 (fixture)


@pytest.mark.parametrize(
    ("days", "english", "french"),
    [
        (180, "6 months", "6 mois"),
        (90, "3 months", "3 mois"),
        (60, "2 months", "2 mois"),
        (30, "30 days", "30 jours"),
        (1, "1 day", "1 jour"),
        (200, "200 days", "200 jours"),
        (365, "1 year", "1 an"),
        (730, "2 years", "2 ans"),
    ],
)
def test_a_period_in_words(days, english, french):
    with translation.override("en"):
        assert period(days) == english
    with translation.override("fr"):
        assert period(days) == french


def test_the_return_period_is_the_setting(settings):
    settings.LOYALTY_RETURN_DAYS = 90
    with translation.override("fr"):
        assert return_period() == "3 mois"


@pytest.fixture
def ninety_days(settings):
    settings.LOYALTY_RETURN_DAYS = 90
    with translation.override("fr"):
        yield


def page_text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.content.decode()))


def test_the_company_page_line_says_the_setting_s_period(client, scored, ninety_days):  # noqa: F811
    line = line_of(client.get(scored.get_absolute_url()))
    assert "revenus dans les 3 mois" in line
    assert "6 mois" not in line


def test_the_trust_page_says_the_setting_s_period_and_minimum(client, db, ninety_days, settings):
    settings.LOYALTY_MIN_SESSIONS = 12
    text = page_text(client.get(reverse("directory:trust")))
    assert "qui font de nouveau appel à elle dans les 3 mois" in text
    assert "qu'après 12 prestations réalisées" in text
    assert "6 mois" not in text
    assert "six mois" not in text


def test_the_pro_page_says_the_setting_s_period(client, owner, ninety_days):  # noqa: F811
    history(owner, new=0, returned=0, recent=30)
    scores_recompute()
    text = page_text(client.get(reverse("loyalty:dashboard", args=[owner.pk])))
    assert "dans les 3 mois" in text
    assert "quand sa première prestation date de 3 mois" in text
    assert "6 mois" not in text
    assert "six mois" not in text
