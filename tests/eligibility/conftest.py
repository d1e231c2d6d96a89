from __future__ import annotations

import pytest

from eligibility.models import Application
from tests.factories import UserFactory


@pytest.fixture
def applicant(db):
    return UserFactory(email="gerant@cuisines-rhone.fr")


@pytest.fixture
def complete_application(applicant, taxonomy, places):
    """A kitchen installer's application, every answer given, still a draft."""
    application = Application.objects.create(
        applicant=applicant,
        legal_name="Cuisines du Rhône",
        siren="732829320",
        address="4 quai Saint-Antoine",
        postal_code="69002",
        city="Lyon",
        year_founded=2012,
        services_description="Conception et pose de cuisines sur mesure.",
        new_clients_per_day=2,
        average_amount_eur=8000,
        decision_time="days_or_more",
        invoices_name_client="yes",
    )
    application.professions.set([taxonomy["cuisiniste"], taxonomy["menuisier"]])
    return application


@pytest.fixture
def checks_vetter(db):
    """A member of the vetting team, who decides the checks."""
    from django.contrib.auth.models import Group

    user = UserFactory(email="vetting@plusquepro.fr", is_staff=True)
    user.groups.add(Group.objects.get(name="vetting"))
    return user


@pytest.fixture
def insured(complete_application, applicant, checks_vetter):
    """A kitchen installer listed on 12 March 2026 (``timeline.START``)
    through its checks, its insurances (RC Pro, décennale) valid until 30
    June 2026 (``timeline.INSURANCE_ENDS``)."""
    import time_machine

    from eligibility import services
    from tests.factories import checks_pass

    from .timeline import INSURANCE_ENDS, START

    vetter = checks_vetter
    with time_machine.travel(START):
        services.application_submit(application=complete_application, actor=applicant)
        application = Application.objects.get(pk=complete_application.pk)
        checks_pass(application, vetter, valid_until=INSURANCE_ENDS)
        return services.application_approve(application=application, actor=vetter)
