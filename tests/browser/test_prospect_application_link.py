"""The pre-filled application link in a real browser, on a desktop and a
phone: sales staff make the link on a hot platform prospect's page (which
shows the prospect's fit with why), open it, press its page's button,
and find the application's first step filled in with what the pipeline
knows; the second step has the trade ticked. axe finds no serious
violation; nothing is wider than the screen."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from playwright.sync_api import Page, expect

from directory.models import Profession
from directory.places.gazetteer import load_gazetteer
from directory.taxonomy.services import taxonomy_load
from prospects import services
from prospects.models import Pipeline, Stage
from tests.browser.helpers import SCREENS, log_in
from tests.factories import UserFactory
from tests.gazetteer_sample import SAMPLE

from .axe import assert_accessible, assert_fits_the_width

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def hot_prospect():
    taxonomy_load()
    load_gazetteer(source=SAMPLE)
    seller = UserFactory(email="ventes@plusquepro.fr", is_staff=True)
    seller.groups.add(Group.objects.get(name="sales"))
    return services.prospect_create(
        pipeline=Pipeline.PLATFORM,
        company=None,
        actor=seller,
        owner=seller,
        name="Marie Curie",
        organisation="Cuisines du Rhône",
        siren="732829320",
        profession=Profession.objects.get(slug="cuisiniste"),
        town="Lyon",
        postal_code="69002",
        email="contact@cuisines-rhone.fr",
        phone="06 99 05 60 90",
        stage=Stage.HOT,
        force=True,
    )


@pytest.mark.parametrize("screen", list(SCREENS))
def test_sales_make_a_link_that_opens_a_prefilled_application(
    page: Page, live_server, hot_prospect, screen
):
    page.set_viewport_size(SCREENS[screen])
    log_in(page, live_server.url, "ventes@plusquepro.fr")
    page.goto(live_server.url + reverse("prospects:staff-prospects-detail", args=[hot_prospect.pk]))
    expect(page.locator(".prospect-fit").first).to_contain_text("À vérifier")
    page.get_by_role("button", name="Créer un lien de candidature").click()
    link = page.get_by_label("Lien", exact=True)
    expect(link).to_have_value(re.compile(r"/rejoindre/invitation/[^/]+/$"))
    assert_accessible(page)
    assert_fits_the_width(page)

    # The link's page asks for a press of its button (a mail scanner's
    # fetch is no opening), then the application.
    page.goto(link.input_value())
    expect(page.get_by_role("heading", level=1)).to_have_text("Votre invitation à candidater")
    assert_accessible(page)
    assert_fits_the_width(page)
    page.get_by_role("button", name="Commencer ma candidature").click()
    expect(page).to_have_url(live_server.url + reverse("eligibility:step", args=[1]))
    expect(page.get_by_label("Raison sociale")).to_have_value("Cuisines du Rhône")
    expect(page.locator("input[name=siren]")).to_have_value("732829320")
    expect(page.locator("input[name=postal_code]")).to_have_value("69002")
    expect(page.locator("input[name=city]")).to_have_value("Lyon")
    expect(page.locator("input[name=phone]")).not_to_have_value("")
    assert_accessible(page)
    assert_fits_the_width(page)
