"""The vetting queue and an application's page fit a phone's width (found
by a fresh-user trial at 390 px: the queue's table widened the page to
605 px, the filters with it; an applicant's long e-mail address widened
the application's page). Desktop and phone, with axe."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from playwright.sync_api import Page, expect

from directory.models import Profession
from eligibility import services
from eligibility.models import Application
from tests.browser.axe import assert_accessible, assert_fits_the_width
from tests.browser.helpers import SCREENS, log_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

LONG_EMAIL = "direction.generale.administrative@entreprise-de-renovation-du-rhone.fr"


@pytest.mark.parametrize("screen", ["desktop", "phone"])
def test_the_queue_and_an_application_fit_the_screen(page: Page, live_server, taxonomy, screen):
    page.set_viewport_size(SCREENS[screen])
    vetter = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    vetter.groups.add(Group.objects.get(name="vetting"))
    applicant = UserFactory(email=LONG_EMAIL)
    application = Application.objects.create(
        applicant=applicant, legal_name="Entreprise de rénovation générale du Rhône",
        siren="732829320", manager_name="Jean Dupont", postal_code="69002", city="Lyon",
        year_founded=2012, services_description="Rénovation intérieure.",
        new_clients_per_day=2, average_amount_eur=8000, decision_time="days_or_more",
        invoices_name_client="yes",
    )  # fmt: skip
    application.professions.set([Profession.objects.get(slug="cuisiniste")])
    services.application_submit(application=application, actor=applicant)

    log_in(page, live_server.url, "vetting@plusquepro.fr")
    page.goto(live_server.url + "/equipe/candidatures/")
    expect(
        page.get_by_role("link", name="Entreprise de rénovation générale du Rhône")
    ).to_be_visible()
    assert_fits_the_width(page)
    assert_accessible(page)

    page.goto(f"{live_server.url}/equipe/candidatures/{application.pk}/")
    expect(page.get_by_role("link", name=LONG_EMAIL)).to_be_visible()
    assert_fits_the_width(page)
    assert_accessible(page)
