"""An application moves the platform's sales prospect (submitted: forward
to hot; approved: client; rejected: lost with the reason); an invoice a
company registers makes its prospect of that person a client. Both after
commit, through directory.companies.signals."""

from __future__ import annotations

import pytest

from eligibility import services as vetting
from eligibility.models import Application
from prospects import services
from prospects.models import LostReason, Pipeline, Prospect, Source, Stage
from reviews.services import invoices
from tests.factories import UserFactory, checks_pass, recent_date

pytestmark = pytest.mark.django_db


@pytest.fixture
def application(taxonomy, places):
    """A kitchen installer's application, every answer given, still a draft."""
    application = Application.objects.create(
        applicant=UserFactory(email="gerant@cuisines-rhone.fr"),
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
def sales_prospect(make):
    return make(
        pipeline=Pipeline.PLATFORM,
        actor=None,
        name="Cuisines du Rhône",
        siren="732 829 320",
        stage=Stage.COLD,
    )


def submit(application, capture):
    with capture(execute=True):
        vetting.application_submit(application=application, actor=application.applicant)


def test_a_submitted_application_moves_the_sales_prospect_forward(
    application, sales_prospect, django_capture_on_commit_callbacks
):
    submit(application, django_capture_on_commit_callbacks)
    sales_prospect.refresh_from_db()
    assert sales_prospect.stage == Stage.HOT
    event = sales_prospect.events.latest("pk")
    assert (event.actor, event.from_status, event.to_status, event.reason) == (
        None,
        "cold",
        "hot",
        "",
    )
    assert (event.origin, event.origin_ref) == ("application", "submitted")


def test_an_approved_application_wins_the_sales_prospect(
    application, sales_prospect, cast, django_capture_on_commit_callbacks
):
    submit(application, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        checks_pass(application, cast.staff)
        vetting.application_approve(application=application, actor=cast.staff)
    sales_prospect.refresh_from_db()
    assert sales_prospect.stage == Stage.CLIENT
    assert list(sales_prospect.events.values_list("to_status", flat=True)) == [
        "cold",
        "hot",
        "client",
    ]


def test_a_rejected_application_loses_the_sales_prospect_with_the_reason(
    application, sales_prospect, cast, django_capture_on_commit_callbacks
):
    submit(application, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        vetting.application_reject(
            application=application, actor=cast.staff, reason="Activité hors de nos métiers."
        )
    sales_prospect.refresh_from_db()
    assert (sales_prospect.stage, sales_prospect.lost_reason, sales_prospect.lost_note) == (
        Stage.LOST,
        LostReason.OTHER,
        "Activité hors de nos métiers.",
    )


def test_an_application_the_pipeline_did_not_know_becomes_a_hot_prospect(
    application, django_capture_on_commit_callbacks
):
    submit(application, django_capture_on_commit_callbacks)
    prospect = Prospect.objects.get()
    assert (prospect.pipeline, prospect.company, prospect.stage, prospect.source) == (
        Pipeline.PLATFORM,
        None,
        Stage.HOT,
        Source.APPLICATION,
    )
    assert (prospect.name, prospect.siren, prospect.email_key, prospect.town) == (
        "Cuisines du Rhône",
        "732829320",
        "gerant@cuisines-rhone.fr",
        "Lyon",
    )


def test_a_company_pipeline_is_never_moved_by_an_application(
    application, make, django_capture_on_commit_callbacks
):
    lead = make(name="Cuisines du Rhône", siren="732829320", stage=Stage.COLD)
    submit(application, django_capture_on_commit_callbacks)
    lead.refresh_from_db()
    assert lead.stage == Stage.COLD


def test_a_client_is_not_moved_back_by_a_new_submission(
    application, make, django_capture_on_commit_callbacks
):
    client = make(
        pipeline=Pipeline.PLATFORM, actor=None, name="X", siren="732829320", stage=Stage.CLIENT
    )
    submit(application, django_capture_on_commit_callbacks)
    client.refresh_from_db()
    assert client.stage == Stage.CLIENT


INVOICE = {
    "number": "F-2026-001",
    "issued_on": recent_date(10).isoformat(),
    "amount": "4200.00",
    "client_name": "Mme Sophie Martin",
    "client_email": "Sophie.Martin@example.org",
}


def register(cast, capture, company=None, **overrides):
    with capture(execute=True):
        return invoices.invoice_create(
            company=company or cast.company_a,
            fields={**INVOICE, **overrides},
            actor=cast.owner_a,
        )


def test_an_invoice_makes_the_prospect_a_client(cast, make, django_capture_on_commit_callbacks):
    prospect = make(name="Sophie Martin", email="sophie.martin@example.org", stage=Stage.HOT)
    register(cast, django_capture_on_commit_callbacks)
    prospect.refresh_from_db()
    assert prospect.stage == Stage.CLIENT
    event = prospect.events.latest("pk")
    assert (event.actor, event.reason) == (None, "")
    assert (event.origin, event.origin_ref) == ("invoice", "F-2026-001")


def test_an_invoice_finds_the_person_by_phone_too(cast, make, django_capture_on_commit_callbacks):
    prospect = make(name="Sophie Martin", phone="06 99 05 60 90", stage=Stage.WARM)
    register(
        cast,
        django_capture_on_commit_callbacks,
        client_email="autre@example.org",
        client_phone="+33 6 99 05 60 90",
    )
    prospect.refresh_from_db()
    assert prospect.stage == Stage.CLIENT


def test_a_lost_prospect_who_pays_is_a_client(cast, make, django_capture_on_commit_callbacks):
    prospect = make(name="Sophie Martin", email="sophie.martin@example.org", stage=Stage.WARM)
    services.prospect_move(
        prospect=prospect, to=Stage.LOST, actor=cast.owner_a, lost_reason=LostReason.PRICE
    )
    register(cast, django_capture_on_commit_callbacks)
    prospect.refresh_from_db()
    assert (prospect.stage, prospect.lost_reason) == (Stage.CLIENT, "")


def test_an_invoice_of_another_company_or_person_changes_nothing(
    cast, make, django_capture_on_commit_callbacks
):
    prospect = make(name="Sophie Martin", email="sophie.martin@example.org", stage=Stage.HOT)
    register(cast, django_capture_on_commit_callbacks, company=cast.company_b)
    register(cast, django_capture_on_commit_callbacks, client_email="x@example.org", number="F2")
    prospect.refresh_from_db()
    assert prospect.stage == Stage.HOT
    assert Prospect.objects.count() == 1  # invoices add nobody to the pipeline
